/**
 * @module Black-box tests of the deadlines: 408 for a silent or slow request, the idle keep-alive close, and
 * HTTAP_KEEPALIVE validation. The waits run concurrently (started in beforeAll) so the file takes ~6 s, not ~20.
 * Each deadline is checked to have happened (the close, with the right reply) and not far too early (a lower bound);
 * how late it may come on a loaded machine is not a test's business: the waits for it are generous (WAIT_MS).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { exchange, parseResponses, type Exchange } from "./support/raw-client.ts";
import { BUN, runToExit, startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS } from "./support/wait.ts";

interface IdleRun {
  /** ms from the end of the last response to the server's close; -1 when it did not close within the cap. */
  closedAfterMs: number;
  responses: number;
  bytes: Buffer;
}

/** Sends `requests` one after another (each after the previous answer, `gapMs` apart), then waits for the close. */
function idleAfterRequests(port: number, requests: string[], gapMs: number, capMs = WAIT_MS): Promise<IdleRun> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let bytes = Buffer.alloc(0);
    let sent = 0;
    let lastAnswerAt = 0;
    let done = false;
    const finish = (closedAfterMs: number) => {
      if (done) return;
      done = true;
      clearTimeout(cap);
      socket.destroy();
      resolve({ closedAfterMs, responses: parseResponses(bytes).length, bytes });
    };
    const cap = setTimeout(() => finish(-1), capMs);
    socket.on("connect", () => {
      socket.write(requests[sent++]);
    });
    socket.on("data", (d: Buffer) => {
      bytes = Buffer.concat([bytes, d]);
      if (parseResponses(bytes).length < sent) return;
      lastAnswerAt = performance.now();
      if (sent < requests.length)
        setTimeout(() => {
          if (!done) socket.write(requests[sent++]);
        }, gapMs);
    });
    const onClose = () => finish(lastAnswerAt === 0 ? -1 : Math.round(performance.now() - lastAnswerAt));
    socket.on("end", onClose);
    socket.on("close", onClose);
    socket.on("error", onClose);
  });
}

const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
let server: RunningServer;
let longerServer: RunningServer;
let silent: Promise<Exchange>;
let partialHead: Promise<Exchange>;
let partialAfterRequest: Promise<Exchange>;
let slowBody: Promise<Exchange>;
let idle: Promise<IdleRun>;
let busy: Promise<IdleRun>;
let badKeepAlive: Promise<{ value: string; code: number | null; stderr: string }[]>;

/** Keep-alive of the server on which requests keep a connection open: its gap between requests is 1 s. */
const LONGER_KEEPALIVE_S = 5;

beforeAll(async () => {
  server = await startServer({ HTTAP_KEEPALIVE: "3" });
  longerServer = await startServer({ HTTAP_KEEPALIVE: String(LONGER_KEEPALIVE_S) });
  const wait = { idleMs: WAIT_MS, maxMs: WAIT_MS }; // until the server closes
  silent = exchange(server.port, "", wait);
  partialHead = exchange(server.port, "GET / HTTP/1.1\r\nHo", wait);
  partialAfterRequest = exchange(server.port, GET, { ...wait, pieces: [{ data: "GET /again HTTP/1.1\r\n", delayMs: 500 }] });
  slowBody = exchange(server.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", wait);
  idle = idleAfterRequests(server.port, [GET], 0);
  // a request every second keeps a 5-second keep-alive connection open past 5 s (7 requests: 6 s); each gap is 4 s
  // shorter than the deadline, so only a stall of this process longer than that could let the server close first
  busy = idleAfterRequests(
    longerServer.port,
    Array.from({ length: 7 }, () => GET),
    1000,
    2 * WAIT_MS,
  );
  badKeepAlive = Promise.all(
    ["2", "201", "abc", "-5"].map(async (value) => {
      const r = await runToExit([BUN, "src/main.ts"], { HTTAP_TCPPORT: "0", HTTAP_KEEPALIVE: value }, WAIT_MS);
      return { value, code: r.code, stderr: r.stderr };
    }),
  );
});

afterAll(async () => {
  await Promise.all([server?.stop(), longerServer?.stop()]);
});

function expect408(ex: Exchange, fromMs: number): void {
  expect(ex.responses.length).toBeGreaterThanOrEqual(1);
  const last = ex.responses[ex.responses.length - 1];
  expect(last.status).toBe(408);
  expect(last.headers.get("connection")).toBe("close");
  expect(last.body.toString()).toContain("did not arrive in time");
  expect(ex.closed).toBe(true);
  expect(ex.ms - fromMs).toBeGreaterThanOrEqual(2500); // the 3 s deadline, not far too early (never an upper bound)
}

describe("request deadlines", () => {
  test("a new connection that sends nothing gets 408 and is closed, not before ~3 s", async () => {
    const ex = await silent;
    expect(ex.responses.length).toBe(1);
    expect408(ex, 0);
  });

  test("a partial request head gets 408, not before ~3 s", async () => {
    const ex = await partialHead;
    expect(ex.responses.length).toBe(1);
    expect408(ex, 0);
  });

  test("a partial head after a kept-alive request gets 408, not before ~3 s after it began", async () => {
    const ex = await partialAfterRequest;
    expect(ex.responses.length).toBe(2);
    expect(ex.responses[0].status).not.toBe(408); // the first request was answered normally
    expect408(ex, 500);
  });

  test("a body that stops arriving gets 408", async () => {
    const ex = await slowBody;
    expect(ex.responses.length).toBe(1);
    expect408(ex, 0);
  });
});

describe("keep-alive deadline", () => {
  test("HTTAP_KEEPALIVE=3: an idle connection after a request is closed, not before ~3 s, without a 408", async () => {
    const run = await idle;
    expect(run.responses).toBe(1);
    expect(parseResponses(run.bytes)[0].status).not.toBe(408); // answered, then closed with no second reply
    expect(run.closedAfterMs).not.toBe(-1); // closed by the server, within WAIT_MS
    expect(run.closedAfterMs).toBeGreaterThanOrEqual(2500);
  });

  test(
    `HTTAP_KEEPALIVE=${LONGER_KEEPALIVE_S}: requests every second keep the connection open past the timeout, then it closes`,
    async () => {
      const run = await busy;
      expect(run.responses).toBe(7); // 6 s on one connection: every request moved the deadline
      expect(run.closedAfterMs).not.toBe(-1);
      expect(run.closedAfterMs).toBeGreaterThanOrEqual((LONGER_KEEPALIVE_S - 0.5) * 1000); // counted from the last request
    },
    3 * WAIT_MS,
  );
});

describe("HTTAP_KEEPALIVE validation", () => {
  test("values outside 3..200 or not a number exit with status 2 and name the variable", async () => {
    for (const r of await badKeepAlive) {
      expect({ value: r.value, code: r.code }).toEqual({ value: r.value, code: 2 });
      expect(r.stderr).toContain("HTTAP_KEEPALIVE");
      expect(r.stderr).toContain("3 to 200");
    }
  });
});
