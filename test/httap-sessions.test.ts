/**
 * Black-box: the single-user promise over real TCP (issue 3). Two client hosts: 127.0.0.1 and 127.0.0.2 (Linux
 * routes all of 127/8 to loopback, and node:net binds the source address), plus ::1 as a third. A lapse is waited
 * for as it happens (`/?queue` from a host that joins nothing), and a countdown is checked for having counted down,
 * not for its exact value at a given moment: a loaded machine only makes it smaller.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer } from "./support/server.ts";
import type { RunningServer } from "./support/server.ts";
import { exchange, request } from "./support/raw-client.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const A = { localAddress: "127.0.0.1" };
const B = { localAddress: "127.0.0.2" };
const C = { host: "::1" };
const get = (target: string) => `GET ${target} HTTP/1.1\r\nHost: test\r\n\r\n`;
const json = (r: { body: Buffer } | undefined) => JSON.parse(r!.body.toString());

let server: RunningServer;
let staticDir: string;

beforeAll(async () => {
  staticDir = mkdtempSync(join(tmpdir(), "httap-sessions-"));
  writeFileSync(join(staticDir, "index.html"), "<!doctype html><title>t</title>\n");
  server = await startServer({ HTTAP_KEEPALIVE: "3", HTTAP_STATICPATH: staticDir, HTTAP_GPIO: "none" }); // no board resources in the lists
});

afterAll(async () => {
  await server.stop();
  rmSync(staticDir, { recursive: true, force: true });
});

/** Waits until the current session has lapsed (at 3 s), asking `/?queue` from a host that neither owns nor waits. */
const lapse = () =>
  waitFor(async () => json(await request(server.port, get("/?queue"), { localAddress: "127.0.0.9" })).owner === null, WAIT_MS, 100);

describe("HTTaP sessions over TCP", () => {
  test(
    "A owns; B is busy with Retry-After = Remain and static files; A lapses; B owns with a new session id",
    async () => {
      const a = await request(server.port, get("/?"), A);
      expect(a?.status).toBe(200);
      expect(json(a).HTTaP_open).toBe(0);
      const idA = a!.headers.get("httap-session")!;
      expect(idA).toMatch(/^[0-9a-z]{8}$/);

      const again = await request(server.port, get("/?"), A); // another tab of A shares the session
      expect(json(again).HTTaP_open).toBe(1);
      expect(again!.headers.get("httap-session")).toBe(idA);

      await Bun.sleep(1_100);
      const busy = await request(server.port, get("/?ping"), B);
      expect(busy?.status).toBe(503);
      const body = json(busy);
      expect(body).toEqual({ error: "busy", owner: "127.0.0.1", Remain: body.Remain, place: 1 });
      expect(body.Remain).toBeLessThanOrEqual(2); // counted down from 3 in the 1.1 s (or more) since A's request
      expect(busy!.headers.get("retry-after")).toBe(String(body.Remain));
      expect(busy!.headers.get("content-type")).toBe("application/json");
      expect((await request(server.port, get("/"), B))?.status).toBe(200); // files stay available to everyone
      expect((await request(server.port, get("/?"), C))?.status).toBe(503);

      expect(await lapse()).toBe(true);
      const b = await request(server.port, get("/?"), B);
      expect(b?.status).toBe(200);
      expect(json(b).HTTaP_open).toBe(0);
      const idB = b!.headers.get("httap-session")!;
      expect(idB).toMatch(/^[0-9a-z]{8}$/);
      expect(idB).not.toBe(idA);
      // A waits behind C (who asked first and is still in line): B's 3 s, then C's turn of 3 s
      const behindC = json(await request(server.port, get("/?ping"), A));
      expect(behindC).toEqual({ error: "busy", owner: "127.0.0.2", Remain: behindC.Remain, place: 2 });
      expect(behindC.Remain).toBeGreaterThan(3); // what is left of B's 3 s, plus C's whole turn
      expect(behindC.Remain).toBeLessThanOrEqual(6);
      expect(json(await request(server.port, get("/?invalid"), C))).toMatchObject({ error: "invalid", message: "you left the line" });

      // /?invalid from the owner releases at once
      const inv = await request(server.port, get("/?invalid"), B);
      expect(inv?.status).toBe(400);
      expect(json(inv).error).toBe("invalid");
      const a2 = await request(server.port, get("/?"), A);
      expect(a2?.status).toBe(200);
      expect(a2!.headers.get("httap-session")).not.toBe(idA);
      expect(a2!.headers.get("httap-session")).not.toBe(idB);
      await request(server.port, get("/?invalid"), A);
    },
    20_000 + WAIT_MS,
  );

  test("the owner's requests renew the session: Remain stays full while it polls", async () => {
    expect((await request(server.port, get("/?"), A))?.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      await Bun.sleep(1_500);
      expect(json(await request(server.port, get(`/?ping${i}`), A))).toEqual({ Remain: 3, Timeout: 3 });
    }
    expect((await request(server.port, get("/?ping"), B))?.status).toBe(503); // 4.5 s in, still A's
    await request(server.port, get("/?invalid"), B); // B leaves the line, or the freed device would be kept for it
    await request(server.port, get("/?invalid"), A);
  }, 20_000);

  test("pipelined HTTaP requests are answered in order on one connection", async () => {
    const wire = [
      get("/?"),
      get("/?ping"),
      get("/?list"),
      get("/?nothing"),
      get("/?changes"),
      `HEAD /?ping HTTP/1.1\r\nHost: t\r\n\r\n`,
      get("/?invalid"),
    ].join("");
    const x = await exchange(server.port, wire, { ...A, responses: 7, headMethods: [false, false, false, false, false, true, false] });
    expect(x.responses.map((r) => r.status)).toEqual([200, 200, 200, 404, 200, 200, 400]);
    expect(json(x.responses[0]).HTTaP_version).toMatch(/^\d{8}$/);
    expect(json(x.responses[1])).toEqual({ Remain: 3, Timeout: 3 });
    expect(json(x.responses[2])).toEqual({ resources: [] });
    expect(json(x.responses[3]).resource).toBe("nothing");
    expect(x.responses[5].headers.get("content-length")).toBe("24");
    expect(x.responses[5].body.length).toBe(0);
    const ids = new Set(x.responses.slice(0, 6).map((r) => r.headers.get("httap-session")));
    expect(ids.size).toBe(1);
  });

  test("every HTTaP reply: no-cache, exact Content-Length, HTTaP-Session", async () => {
    for (const target of ["/?", "/?ping", "/?list", "/?changes", "/?zzz", "/?invalid"]) {
      const r = await request(server.port, get(target), A);
      expect(r!.headers.get("cache-control")).toBe("no-cache, no-store, must-revalidate");
      expect(Number(r!.headers.get("content-length"))).toBe(r!.body.length);
      expect(r!.headers.get("httap-session")).toMatch(/^[0-9a-z]{8}$/);
      expect(() => JSON.parse(r!.body.toString())).not.toThrow();
    }
  });
});
