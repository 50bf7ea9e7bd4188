/**
 * @module Black-box tests of the deadlines: 408 for a silent or slow request, the idle keep-alive close, and
 * HTTAP_KEEPALIVE validation. The waits run concurrently (started in beforeAll) so the file takes ~5 s, not ~20.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { exchange, parseResponses, type Exchange } from "./support/raw-client.ts";
import { BUN, runToExit, startServer, type RunningServer } from "./support/server.ts";

interface IdleRun {
  /** ms from the end of the first response to the server's close; -1 when it did not close within the cap. */
  closedAfterMs: number;
  responses: number;
  bytes: Buffer;
}

/** Sends `requests` one after another (each after the previous answer, `gapMs` apart), then waits for the close. */
function idleAfterRequests(port: number, requests: string[], gapMs: number, capMs = 10_000): Promise<IdleRun> {
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
    socket.on("connect", () => { socket.write(requests[sent++]); });
    socket.on("data", (d: Buffer) => {
      bytes = Buffer.concat([bytes, d]);
      if (parseResponses(bytes).length < sent) return;
      lastAnswerAt = performance.now();
      if (sent < requests.length) setTimeout(() => { if (!done) socket.write(requests[sent++]); }, gapMs);
    });
    const onClose = () => finish(lastAnswerAt === 0 ? -1 : Math.round(performance.now() - lastAnswerAt));
    socket.on("end", onClose);
    socket.on("close", onClose);
    socket.on("error", onClose);
  });
}

const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
let server: RunningServer;
let silent: Promise<Exchange>;
let partialHead: Promise<Exchange>;
let partialAfterRequest: Promise<Exchange>;
let slowBody: Promise<Exchange>;
let idle: Promise<IdleRun>;
let busy: Promise<IdleRun>;
let badKeepAlive: Promise<{ value: string; code: number | null; stderr: string }[]>;

beforeAll(async () => {
  server = await startServer({ HTTAP_KEEPALIVE: "3" });
  const wait = { idleMs: 9000, maxMs: 9000 };
  silent = exchange(server.port, "", wait);
  partialHead = exchange(server.port, "GET / HTTP/1.1\r\nHo", wait);
  partialAfterRequest = exchange(server.port, GET, { ...wait, pieces: [{ data: "GET /again HTTP/1.1\r\n", delayMs: 500 }] });
  slowBody = exchange(server.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", wait);
  idle = idleAfterRequests(server.port, [GET], 0);
  // a request every second keeps a 3-second keep-alive connection open well past 3 s
  busy = idleAfterRequests(server.port, [GET, GET, GET, GET], 1100, 12_000);
  badKeepAlive = Promise.all(["2", "201", "abc", "-5"].map(async (value) => {
    const r = await runToExit([BUN, "src/main.ts"], { HTTAP_TCPPORT: "0", HTTAP_KEEPALIVE: value });
    return { value, code: r.code, stderr: r.stderr };
  }));
});

afterAll(async () => {
  await server?.stop();
});

function expect408(ex: Exchange, fromMs: number): void {
  expect(ex.responses.length).toBeGreaterThanOrEqual(1);
  const last = ex.responses[ex.responses.length - 1];
  expect(last.status).toBe(408);
  expect(last.headers.get("connection")).toBe("close");
  expect(last.body.toString()).toContain("did not arrive in time");
  expect(ex.closed).toBe(true);
  expect(ex.ms - fromMs).toBeGreaterThanOrEqual(2500);
  expect(ex.ms - fromMs).toBeLessThanOrEqual(6000);
}

describe("request deadlines", () => {
  test("a new connection that sends nothing gets 408 and is closed after ~3 s", async () => {
    const ex = await silent;
    expect(ex.responses.length).toBe(1);
    expect408(ex, 0);
  });

  test("a partial request head gets 408 after ~3 s", async () => {
    const ex = await partialHead;
    expect(ex.responses.length).toBe(1);
    expect408(ex, 0);
  });

  test("a partial head after a kept-alive request gets 408 ~3 s after it began", async () => {
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

describe("keep-alive deadline (HTTAP_KEEPALIVE=3)", () => {
  test("an idle connection after a request is closed within ~3-5 s, without a 408", async () => {
    const run = await idle;
    expect(run.responses).toBe(1);
    expect(parseResponses(run.bytes)[0].status).not.toBe(408); // answered, then closed with no second reply
    expect(run.closedAfterMs).toBeGreaterThanOrEqual(2500);
    expect(run.closedAfterMs).toBeLessThanOrEqual(5000);
  });

  test("requests every second keep the connection open past the timeout", async () => {
    const run = await busy;
    expect(run.responses).toBe(4);
    expect(run.closedAfterMs).toBeGreaterThanOrEqual(2500);
    expect(run.closedAfterMs).toBeLessThanOrEqual(5000);
  });
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
