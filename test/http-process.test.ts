/**
 * @module Black-box tests of the server process around the engine: a busy port (exit 1 with a clear message),
 * SIGTERM (exit 0, promptly, even with connections open: nobody's deadline is waited for) and the HTTAP_VERBOSE
 * access log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exchange, Peer } from "./support/raw-client.ts";
import { BUN, runToExit, startServer, type RunningServer } from "./support/server.ts";
import { waitFor } from "./support/wait.ts";

let verbose: RunningServer;
let plain: RunningServer;

beforeAll(async () => {
  [verbose, plain] = await Promise.all([startServer({ HTTAP_VERBOSE: "1", HTTAP_HOST: "::" }), startServer()]);
});

afterAll(async () => {
  await Promise.all([verbose?.stop(), plain?.stop()]);
});

describe("server process", () => {
  test("a second server on a busy port exits with status 1 and says the port is in use", async () => {
    const r = await runToExit([BUN, "src/main.ts"], { HTTAP_TCPPORT: String(plain.port) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(String(plain.port));
    expect(r.stderr).toContain("already in use");
    // the first server is unharmed
    const ex = await exchange(plain.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n", { responses: 1 });
    expect(ex.responses.length).toBe(1);
  });

  test("SIGTERM stops the server with exit status 0 without waiting for any connection's deadline", async () => {
    const server = await startServer();
    const idle = await Peer.open(server.port);
    const busy = await Peer.open(server.port);
    busy.send("GET / HTTP/1.1\r\nHo"); // a request in progress does not hold the stop up either
    await Bun.sleep(100);
    expect(await server.stop()).toBe(0);
    // Both closed by the stop, before their own deadlines: the request in progress got no 408 (its 3 s deadline
    // never came), only the close. How fast a stop is on a loaded machine is no test's business.
    expect(await waitFor(() => idle.isClosed && busy.isClosed)).toBe(true);
    expect([idle.bytes.length, busy.bytes.length]).toEqual([0, 0]);
    idle.destroy();
    busy.destroy();
  });

  test("HTTAP_VERBOSE=1 prints one access-log line per request with the plain IPv4 address", async () => {
    const ex = await exchange(verbose.port, "GET /verbose-one HTTP/1.1\r\nHost: a\r\n\r\nHEAD /verbose-two HTTP/1.1\r\nHost: a\r\n\r\n", {
      responses: 2,
      headMethods: [false, true],
    });
    expect(ex.responses.length).toBe(2);
    const lines = () =>
      verbose
        .output()
        .split("\n")
        .filter((l) => l.includes("/verbose-"));
    await waitFor(() => lines().length >= 2);
    expect(lines().length).toBe(2);
    expect(lines()[0]).toStartWith('127.0.0.1 "GET /verbose-one HTTP/1.1" ');
    expect(lines()[1]).toStartWith('127.0.0.1 "HEAD /verbose-two HTTP/1.1" ');
    expect(verbose.output()).not.toContain("::ffff:");
  });

  test("without HTTAP_VERBOSE nothing is logged per request", async () => {
    await exchange(plain.port, "GET /quiet HTTP/1.1\r\nHost: a\r\n\r\n", { responses: 1 });
    await Bun.sleep(200);
    expect(plain.output()).not.toContain("/quiet");
  });
});
