/**
 * @module Black-box tests of the connection limit (HTTAP_MAXCONN): a newcomer evicts the least recently used idle
 * connection; when no connection is idle it gets 503 with Retry-After instead of a hang.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exchange, parseResponses, Peer } from "./support/raw-client.ts";
import { startServer, type RunningServer } from "./support/server.ts";

const GET = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
let six: RunningServer;
let two: RunningServer;
const peers: Peer[] = [];

beforeAll(async () => {
  [six, two] = await Promise.all([startServer({ HTTAP_MAXCONN: "6" }), startServer({ HTTAP_MAXCONN: "2" })]);
});

afterAll(async () => {
  for (const p of peers) p.socket.destroy();
  await Promise.all([six?.stop(), two?.stop()]);
});

describe("connection limit", () => {
  test("HTTAP_MAXCONN=6: a 7th client is served and the least recently used idle connection is closed", async () => {
    for (let i = 0; i < 6; i++) {
      const p = await Peer.open(six.port);
      peers.push(p);
      await p.ask(GET);
      await Bun.sleep(20); // distinct activity times
    }
    await peers[0].ask(GET); // the oldest becomes the most recent: peer 1 is now the least recently used
    await Bun.sleep(20);
    expect(peers.every((p) => !p.isClosed)).toBe(true);

    const seventh = await exchange(six.port, GET, { responses: 1, maxMs: 3000 });
    expect(seventh.responses[0]?.status).toBeLessThan(500);
    expect(seventh.responses[0]?.status).not.toBe(408);

    const deadline = performance.now() + 2000;
    while (!peers.some((p) => p.isClosed) && performance.now() < deadline) await Bun.sleep(10);
    await Bun.sleep(200); // a second, wrong eviction would show by now
    expect(peers.map((p) => p.isClosed)).toEqual([false, true, false, false, false, false]);
    // the evicted connection got no reply, just the close; the others still work
    expect(parseResponses(peers[1].bytes).length).toBe(1);
    await peers[5].ask(GET);
  });

  test("HTTAP_MAXCONN=2: with both connections mid-request, a third gets 503 with Retry-After and is closed", async () => {
    const a = await Peer.open(two.port);
    const b = await Peer.open(two.port);
    peers.push(a, b);
    a.socket.write("GET / HTTP/1.1\r\nHo");
    b.socket.write("GET / HT");
    await Bun.sleep(150); // the server has read the partial heads: neither connection is idle
    const third = await exchange(two.port, GET, { idleMs: 2000, maxMs: 3000 });
    expect(third.responses.length).toBe(1);
    const r = third.responses[0];
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("1");
    expect(r.headers.get("connection")).toBe("close");
    expect(r.body.toString()).toContain("every connection slot is busy");
    expect(third.closed).toBe(true);
    // the two working connections were left alone and can finish their requests
    expect(a.isClosed || b.isClosed).toBe(false);
    a.socket.write("st: a\r\n\r\n");
    b.socket.write("TP/1.1\r\nHost: a\r\n\r\n");
    const deadline = performance.now() + 2000;
    while ((parseResponses(a.bytes).length < 1 || parseResponses(b.bytes).length < 1) && performance.now() < deadline) await Bun.sleep(10);
    expect(parseResponses(a.bytes)[0]?.status).toBeLessThan(500);
    expect(parseResponses(b.bytes)[0]?.status).toBeLessThan(500);
  });
});
