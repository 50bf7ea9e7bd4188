/**
 * @module Unit tests of the listener's collection after a burst (issue 22): once COLLECT_AFTER_CLOSED connections have
 * closed, the first tick that saw no new connection runs one collection; a trickle of closes runs none. Real sockets on
 * loopback; the collector is a counter, and waits are for conditions, never timing thresholds.
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
