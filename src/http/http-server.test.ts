/**
 * @module Unit tests of the listener's tick (issue 22): it runs only while a connection is open. Once
 * COLLECT_AFTER_CLOSED connections have closed, the first tick that saw no new connection runs one collection; a
 * trickle of closes runs none. Real sockets on loopback; the collector is a counter, and waits are for conditions,
 * never timing thresholds.
 */
import { afterEach, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait.ts";
import { HttpServer } from "./http-server.ts";
import { COLLECT_AFTER_CLOSED, TICK_INTERVAL_MS } from "./limits.ts";
import { dynamicReply } from "./reply.ts";

let server: HttpServer | null = null;

afterEach(async () => {
  await server?.stop();
  server = null;
});

function start(): { server: HttpServer; collections: () => number } {
  let collections = 0;
  const s = new HttpServer({
    host: "127.0.0.1",
    port: 0,
    keepAliveS: 15,
    maxConnections: 2 * COLLECT_AFTER_CLOSED,
    maxBodyBytes: 1024,
    handler: () => dynamicReply(200, "", "ok"),
    collectGarbage: () => collections++,
  });
  s.start();
  server = s;
  return { server: s, collections: () => collections };
}

/** `n` clients at once, each one HTTP/1.0 request (the server closes after its answer); resolves when all are closed. */
async function burst(port: number, n: number): Promise<void> {
  await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<void>((resolve, reject) => {
          Bun.connect({
            hostname: "127.0.0.1",
            port,
            socket: { open: (s) => void s.write("GET / HTTP/1.0\r\n\r\n"), data() {}, close: () => resolve(), error: reject },
          }).catch(reject);
        }),
    ),
  );
}

test("a burst of closed connections is followed by one collection once no connection arrives for a tick", async () => {
  const { server: s, collections } = start();
  await burst(s.port, COLLECT_AFTER_CLOSED);
  expect(await waitFor(() => collections() === 1)).toBe(true);
  expect(s.stats().connections.collections).toBe(1);
  await Bun.sleep(3 * TICK_INTERVAL_MS);
  expect(collections()).toBe(1); // nothing closed since: no second one
});

test("fewer closed connections than COLLECT_AFTER_CLOSED run no collection", async () => {
  const { server: s, collections } = start();
  await burst(s.port, COLLECT_AFTER_CLOSED - 1);
  await Bun.sleep(3 * TICK_INTERVAL_MS);
  expect(collections()).toBe(0);
});

test("the tick runs only while a connection is open: an idle server runs nothing, a client starts it again", async () => {
  let reads = 0; // the clock is read by every tick, and by connections' events
  const s = new HttpServer({
    host: "127.0.0.1",
    port: 0,
    keepAliveS: 15,
    maxConnections: 4,
    maxBodyBytes: 1024,
    handler: () => dynamicReply(200, "", "ok"),
    now: () => (reads++, performance.now()),
  });
  s.start();
  server = s;
  const readsAfterStart = reads;
  await Bun.sleep(3 * TICK_INTERVAL_MS);
  expect(reads).toBe(readsAfterStart); // no client ever: no tick
  let answered = false;
  const client = await Bun.connect({
    hostname: "127.0.0.1",
    port: s.port,
    socket: { open: (c) => void c.write("GET / HTTP/1.1\r\nHost: t\r\n\r\n"), data: () => void (answered = true) },
  });
  expect(await waitFor(() => answered)).toBe(true);
  const readsWhileOpen = reads;
  expect(await waitFor(() => reads >= readsWhileOpen + 2)).toBe(true); // the kept-alive client is watched
  client.end();
  expect(await waitFor(() => s.connectionCount === 0)).toBe(true);
  // the tick that finds nothing open stops itself; waited for, since a busy machine may run that tick late
  expect(await waitFor(() => !s.isTicking)).toBe(true);
  const readsWhenQuiet = reads;
  await Bun.sleep(3 * TICK_INTERVAL_MS);
  expect(reads).toBe(readsWhenQuiet);
});
