/**
 * Black-box: the single-user promise over real TCP (issues 3, 18). Two client hosts: 127.0.0.1 and 127.0.0.2 (Linux
 * routes all of 127/8 to loopback, and node:net binds the source address), plus ::1 as a third. Looking takes
 * nothing: a read from a host that does not own the device is a viewer's; `POST /?claim` asks for it. A lapse is
 * waited for as it happens (the waiter asks again as told, and gets the device when the owner's session lapses).
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
const post = (target: string, body: string) =>
  `POST ${target} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const claim = (name?: string) => post("/?claim", name === undefined ? "{}" : JSON.stringify({ name }));
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

/** `GET /?queue` as `who` sees it: anyone may read it, and it opens nothing. */
const queue = async (who: { localAddress?: string; host?: string }) => json(await request(server.port, get("/?queue"), who));

describe("HTTaP sessions over TCP", () => {
  test(
    "looking takes nothing; A claims; B is busy with Retry-After = Remain and static files; A lapses; B owns with a new id",
    async () => {
      const look = await request(server.port, get("/?"), A); // opening the page is a viewer's read
      expect(look?.status).toBe(200);
      expect(look!.headers.get("httap-session")).toBe("00000000");
      expect(json(look).HTTaP_open).toBe(0);
      expect(await queue(A)).toMatchObject({ owned: false, owner: null, you: false, waiting: 0 });

      const a = await request(server.port, claim("Ana"), A);
      expect(a?.status).toBe(200);
      expect(json(a)).toEqual({ Remain: 3, Timeout: 3 });
      const idA = a!.headers.get("httap-session")!;
      expect(idA).toMatch(/^[0-9a-z]{8}$/);
      expect(idA).not.toBe("00000000");
      const first = await request(server.port, get("/?"), A); // the owner's first root object in this session
      expect(json(first).HTTaP_open).toBe(0);
      expect(first!.headers.get("httap-session")).toBe(idA);
      const again = await request(server.port, get("/?"), A); // another tab of A shares the session
      expect(json(again).HTTaP_open).toBe(1);
      expect(again!.headers.get("httap-session")).toBe(idA);

      // B looks: answered, nothing opened, no place taken
      const viewer = await request(server.port, get("/?ping"), B);
      expect(viewer?.status).toBe(200);
      expect(json(viewer)).toEqual({ Remain: 0, Timeout: 3 });
      expect(viewer!.headers.get("httap-session")).toBe("00000000");
      const changes = await request(server.port, get("/?changes"), B);
      expect(changes?.status).toBe(409);
      expect(json(changes).error).toBe("not-owner");
      expect(await queue(B)).toEqual({
        owned: true,
        owner: "Ana",
        ownerApp: null, // A's claim named no page
        reserved: false,
        turnLeftS: null, // nobody waits: no turn limit runs
        you: false,
        turnS: 120,
        waiting: 0,
        place: 0,
        line: [],
        yourLastEnd: null,
      });

      expect((await request(server.port, get("/?ping"), A))?.status).toBe(200); // A's read renews its session
      const busy = await request(server.port, claim("Bea"), B);
      expect(busy?.status).toBe(503);
      const body = json(busy);
      expect(body).toEqual({
        error: "busy",
        message: "Ana is using the device",
        owner: "Ana",
        owned: true,
        reserved: false,
        turnLeftS: 120, // the default turn starts now that someone waits
        place: 1,
        waiting: 1,
        Remain: 1, // ask again well inside the 3 s keep-alive time
      });
      expect(busy!.headers.get("retry-after")).toBe(String(body.Remain));
      expect(busy!.headers.get("content-type")).toBe("application/json");
      expect(busy!.headers.get("httap-session")).toBe("00000000");
      expect(JSON.stringify(body)).not.toContain("127.0.0"); // names, never addresses
      expect((await request(server.port, get("/"), B))?.status).toBe(200); // files stay available to everyone
      const c = await request(server.port, claim(), C);
      expect(c?.status).toBe(503);
      expect(json(c)).toMatchObject({ owner: "Ana", place: 2, waiting: 2 });
      expect(await queue(C)).toMatchObject({ owner: "Ana", you: false, waiting: 2, place: 2, line: ["Bea", null] });
      expect(await queue(A)).toMatchObject({ you: true, place: 0, waiting: 2 });
      expect(json(await request(server.port, get("/?invalid"), C))).toMatchObject({ error: "invalid", message: "you left the line" });
      expect(await queue(C)).toMatchObject({ waiting: 1, place: 0, line: ["Bea"] });

      // A goes silent; B keeps its place by asking again as told, and gets the device once A's session lapses
      let b: Awaited<ReturnType<typeof request>>;
      const got = await waitFor(
        async () => {
          b = await request(server.port, claim("Bea"), B);
          if (b?.status === 503) expect(json(b)).toMatchObject({ owner: "Ana", place: 1 });
          return b?.status === 200;
        },
        WAIT_MS,
        Number(body.Remain) * 1000,
      );
      expect(got).toBe(true);
      const idB = b!.headers.get("httap-session")!;
      expect(idB).toMatch(/^[0-9a-z]{8}$/);
      expect(idB).not.toBe(idA);
      expect(json(await request(server.port, get("/?"), B)).HTTaP_open).toBe(0); // a new session
      expect(await queue(A)).toMatchObject({ owned: true, owner: "Bea", you: false, waiting: 0, line: [] });
      expect(json(await request(server.port, get("/?ping"), A))).toEqual({ Remain: 0, Timeout: 3 }); // A is a viewer now
      const notYours = await request(server.port, get("/?invalid"), A);
      expect(notYours?.status).toBe(400);
      expect(json(notYours).message).toBe("the device is not yours to give back");

      // /?invalid from the owner releases at once; nobody waits, so A's claim gets the device straight away
      const inv = await request(server.port, get("/?invalid"), B);
      expect(inv?.status).toBe(400);
      expect(json(inv)).toMatchObject({ error: "invalid", message: `session ${idB} ended` });
      const a2 = await request(server.port, claim(), A);
      expect(a2?.status).toBe(200);
      expect(a2!.headers.get("httap-session")).not.toBe(idA);
      expect(a2!.headers.get("httap-session")).not.toBe(idB);
      await request(server.port, get("/?invalid"), A);
    },
    20_000 + WAIT_MS,
  );

  test("the owner's requests renew the session: Remain stays full while it polls", async () => {
    expect((await request(server.port, claim(), A))?.status).toBe(200);
    for (let i = 0; i < 3; i++) {
      await Bun.sleep(1_500);
      expect(json(await request(server.port, get(`/?ping${i}`), A))).toEqual({ Remain: 3, Timeout: 3 });
    }
    expect((await request(server.port, claim(), B))?.status).toBe(503); // 4.5 s in, still A's
    await request(server.port, get("/?invalid"), B); // B leaves the line, or the freed device would be kept for it
    await request(server.port, get("/?invalid"), A);
  }, 20_000);

  test("pipelined HTTaP requests are answered in order on one connection", async () => {
    const wire = [
      get("/?changes"), // not the owner yet: only the owner reads its changes
      claim(),
      get("/?"),
      get("/?ping"),
      get("/?list"),
      get("/?nothing"),
      get("/?changes"),
      `HEAD /?ping HTTP/1.1\r\nHost: t\r\n\r\n`,
      get("/?invalid"),
    ].join("");
    const heads = [false, false, false, false, false, false, false, true, false];
    const x = await exchange(server.port, wire, { ...A, responses: 9, headMethods: heads });
    expect(x.responses.map((r) => r.status)).toEqual([409, 200, 200, 200, 200, 404, 200, 200, 400]);
    expect(json(x.responses[0]).error).toBe("not-owner");
    expect(x.responses[0].headers.get("httap-session")).toBe("00000000");
    expect(json(x.responses[1])).toEqual({ Remain: 3, Timeout: 3 });
    expect(json(x.responses[2]).HTTaP_version).toMatch(/^\d{8}$/);
    expect(json(x.responses[3])).toEqual({ Remain: 3, Timeout: 3 });
    expect(json(x.responses[4])).toEqual({ resources: [] });
    expect(json(x.responses[5]).resource).toBe("nothing");
    expect(json(x.responses[6])).toEqual({ changes: [] });
    expect(x.responses[7].headers.get("content-length")).toBe("24");
    expect(x.responses[7].body.length).toBe(0);
    const ids = new Set(x.responses.slice(1, 8).map((r) => r.headers.get("httap-session")));
    expect(ids.size).toBe(1);
    expect(ids.has("00000000")).toBe(false);
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
