/**
 * @module Black-box tests of backpressure (STYLE rule 12): a client that stops reading a large response neither
 * blocks other clients nor loses bytes, and requests pipelined behind the stalled response are answered after it,
 * in order. Served from HTTAP_STATICPATH with a 1 MiB file of random bytes. "Not blocked" is shown by order, not by
 * a time: the stalled client stays stalled until the other client has its answer (or WAIT_MS passed), so a server
 * that waited for the stalled reader would leave the other unanswered.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exchange, parseResponses, type ParsedResponse } from "./support/raw-client.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS } from "./support/wait.ts";

const BIG = randomBytes(1024 * 1024);
const HUGE = randomBytes(8 * 1024 * 1024);
const SMALL = "small and prompt\n";
let dir = "";
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "httap-backpressure-"));
  writeFileSync(join(dir, "big.bin"), BIG);
  writeFileSync(join(dir, "huge.bin"), HUGE);
  writeFileSync(join(dir, "small.txt"), SMALL);
  server = await startServer({ HTTAP_STATICPATH: dir });
});

afterAll(async () => {
  await server?.stop();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

/**
 * Writes `data`, pauses reading at once until `release` settles, then reads until `count` responses arrived or the
 * server closed (bounded by `maxMs` from the release). Returns the responses and the bytes seen while paused.
 */
function stalledReader(
  port: number,
  data: string,
  release: Promise<unknown>,
  count: number,
  headMethods: boolean[] = [],
  maxMs = WAIT_MS,
): Promise<{ responses: ParsedResponse[]; bytesWhilePaused: number; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let received = 0;
    let bytesWhilePaused = -1;
    let closed = false;
    let done = false;
    let poll: ReturnType<typeof setInterval> | undefined;
    let cap: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(cap);
      clearInterval(poll);
      socket.destroy();
      resolve({ responses: parseResponses(Buffer.concat(chunks), headMethods), bytesWhilePaused, closed });
    };
    socket.on("connect", () => {
      socket.setNoDelay(true);
      socket.write(data);
      socket.pause();
      void release.finally(() => {
        if (done) return;
        bytesWhilePaused = received;
        cap = setTimeout(finish, maxMs);
        socket.resume();
        poll = setInterval(() => {
          if (parseResponses(Buffer.concat(chunks), headMethods).length >= count) finish();
        }, 50);
      });
    });
    socket.on("data", (d: Buffer) => {
      chunks.push(d);
      received += d.length;
    });
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("error", () => {
      closed = true;
      finish();
    });
  });
}

const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`;

/** Asks for the small file on a fresh connection `afterMs` from now (waiting up to WAIT_MS); resolves with its body. */
async function promptSmall(afterMs: number): Promise<string> {
  await Bun.sleep(afterMs);
  const ex = await exchange(server.port, get("/small.txt"), { responses: 1 });
  return ex.responses[0]?.body.toString() ?? "";
}

describe("backpressure", () => {
  const title = "a client that reads nothing does not block others: they are answered while it stalls; it then gets the 1 MiB file intact";
  test(title, async () => {
    const other = promptSmall(500); // the stalled client's request goes first
    const slow = await stalledReader(server.port, get("/big.bin"), other, 1);
    expect(await other).toBe(SMALL); // answered while the stalled client still read nothing
    expect(slow.responses.length).toBe(1);
    expect(slow.responses[0].status).toBe(200);
    expect(slow.responses[0].headers.get("content-length")).toBe(String(BIG.length));
    expect(slow.responses[0].body.length).toBe(BIG.length);
    expect(slow.responses[0].body.equals(BIG)).toBe(true);
    expect(slow.closed).toBe(false);
  });

  test("requests pipelined behind a stalled response are answered after it, in order and intact", async () => {
    // 8 MiB is more than the loopback socket buffers hold, so the server's own send queue must hold the rest.
    const bigCount = 8;
    const pipeline = [
      ...Array.from({ length: bigCount }, () => get("/big.bin")),
      "HEAD /big.bin HTTP/1.1\r\nHost: a\r\n\r\n",
      get("/small.txt"),
    ];
    const headMethods = [...Array.from({ length: bigCount }, () => false), true, false];
    const other = promptSmall(1000);
    const slow = await stalledReader(server.port, pipeline.join(""), other, pipeline.length, headMethods);
    expect(await other).toBe(SMALL); // answered while the pipelined client still read nothing
    expect(slow.responses.length).toBe(pipeline.length);
    for (let i = 0; i < bigCount; i++) {
      expect(slow.responses[i].status).toBe(200);
      expect(slow.responses[i].body.equals(BIG)).toBe(true);
    }
    expect(slow.responses[bigCount].headers.get("content-length")).toBe(String(BIG.length));
    expect(slow.responses[bigCount].body.length).toBe(0);
    expect(slow.responses[bigCount + 1].body.toString()).toBe(SMALL);
  });

  test("regression: a final (Connection: close) response to a reader stalled past 3 s gets no 408 appended", async () => {
    // 8 MiB is more than the socket buffers hold, so the response is still queued when the request deadline (3 s)
    // passes: it used to fire as a 408 appended behind the body, once per tick.
    // stalled 4 s: past the deadline (a lower bound, as a busy machine only lengthens it)
    const slow = await stalledReader(server.port, "GET /huge.bin HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", Bun.sleep(4000), 2);
    expect(slow.closed).toBe(true);
    expect(slow.responses.map((r) => r.status)).toEqual([200]);
    expect(slow.responses[0].headers.get("connection")).toBe("close");
    expect(slow.responses[0].body.equals(HUGE)).toBe(true);
  });

  test("the server still answers normally afterwards", async () => {
    expect(await promptSmall(0)).toBe(SMALL);
  });
});
