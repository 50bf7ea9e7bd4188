/**
 * @module Black-box tests of the server process around the engine: a busy port (exit 1 with a clear message),
 * SIGTERM (exit 0, promptly, even with connections open) and the HTTAP_VERBOSE access log.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exchange, openSocket } from "./support/raw-client.ts";
import { BUN, runToExit, startServer, type RunningServer } from "./support/server.ts";

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

  test("SIGTERM stops the server promptly with exit status 0, even with a connection open", async () => {
    const server = await startServer();
    const idle = await openSocket(server.port);
    const busy = await openSocket(server.port);
    busy.write("GET / HTTP/1.1\r\nHo"); // a request in progress does not hold the stop up either
    await Bun.sleep(100);
    const t0 = performance.now();
    const code = await server.stop();
    expect(code).toBe(0);
    expect(performance.now() - t0).toBeLessThan(2000);
    idle.destroy();
    busy.destroy();
  });

  test("HTTAP_VERBOSE=1 prints one access-log line per request with the plain IPv4 address", async () => {
    const ex = await exchange(verbose.port, "GET /verbose-one HTTP/1.1\r\nHost: a\r\n\r\nHEAD /verbose-two HTTP/1.1\r\nHost: a\r\n\r\n", { responses: 2, headMethods: [false, true] });
    expect(ex.responses.length).toBe(2);
    const deadline = performance.now() + 2000;
    const lines = () => verbose.output().split("\n").filter((l) => l.includes("/verbose-"));
    while (lines().length < 2 && performance.now() < deadline) await Bun.sleep(20);
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
