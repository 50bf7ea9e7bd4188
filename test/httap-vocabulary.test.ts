/**
 * Black-box: the HTTaP vocabulary, loopback, CORS and the library API's failure rules over real TCP (issue 3).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { BUN, REPO, startServer } from "./support/server.ts";
import type { RunningServer } from "./support/server.ts";
import { exchange, request } from "./support/raw-client.ts";

const started: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(started.map((s) => s.stop()));
});
async function serve(env: Record<string, string> = {}, cmd?: string[]): Promise<RunningServer> {
  const s = await startServer({ HTTAP_GPIO: "none", ...env }, cmd); // HTTaP alone: no board resources in the lists
  started.push(s);
  return s;
}

const get = (target: string, headers = "") => `GET ${target} HTTP/1.1\r\nHost: test\r\n${headers}\r\n`;
const post = (target: string, body: string, headers = "") =>
  `POST ${target} HTTP/1.1\r\nHost: test\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${headers}\r\n${body}`;
const json = (r: { body: Buffer } | undefined) => JSON.parse(r!.body.toString());

describe("vocabulary", () => {
  test("root, ping with a suffix, list, changes, HEAD, 404, 405", async () => {
    const s = await serve();
    const root = json(await request(s.port, get("/?")));
    expect(root).toMatchObject({
      HTTaP_version: expect.stringMatching(/^20\d{6}$/),
      HTTaP_open: 0,
      Type: "httap",
      Services: "Files Loopback Stats Device Leader Fleet",
      Signals: [],
    });
    expect(typeof root.ID).toBe("string");
    // looking takes nothing (issue 18): a viewer's ping has no session to keep alive, and only the owner has changes
    expect(json(await request(s.port, get("/?ping1700000000")))).toEqual({ Remain: 0, Timeout: 15 });
    expect(json(await request(s.port, get("/?list")))).toEqual({ resources: [] });
    const notOwner = await request(s.port, get("/?changes"));
    expect(notOwner?.status).toBe(409);
    expect(json(notOwner).error).toBe("not-owner");
    expect(json(await request(s.port, get("/?device")))).toMatchObject({ id: root.ID, board: "none", apps: [] });
    const claim = await request(s.port, post("/?claim", '{"name":"Zoé"}'));
    expect(claim?.status).toBe(200);
    expect(json(claim)).toEqual({ Remain: 15, Timeout: 15 });
    expect(json(await request(s.port, get("/?ping1700000000")))).toEqual({ Remain: 15, Timeout: 15 });
    expect(json(await request(s.port, get("/?changes")))).toEqual({ changes: [] });
    expect(json(await request(s.port, get("/?queue")))).toMatchObject({ owned: true, owner: "Zoé", you: true });
    const head = await exchange(s.port, `HEAD /? HTTP/1.1\r\nHost: t\r\n\r\n`, { responses: 1, headMethods: [true] });
    expect(head.responses[0].status).toBe(200);
    expect(Number(head.responses[0].headers.get("content-length"))).toBeGreaterThan(50);
    expect(head.responses[0].body.length).toBe(0);
    const missing = await request(s.port, get("/?GPIO.4"));
    expect(missing?.status).toBe(404);
    expect(json(missing)).toMatchObject({ error: "not-found", resource: "GPIO.4" });
    const wrong = await request(s.port, post("/?ping", "{}"));
    expect(wrong?.status).toBe(405);
    expect(wrong!.headers.get("allow")).toBe("GET, HEAD");
  });

  test("loopback echoes body and Content-Type, names a download; HTTAP_LOOPBACK=0 removes it", async () => {
    const s = await serve();
    const data = "t,v\n0,1.5\n1,2.5\n";
    const r = await request(s.port, post("/?loopback?name=log.csv", data, "Content-Type: text/csv\r\n"));
    expect(r?.status).toBe(200);
    expect(r!.body.toString()).toBe(data);
    expect(r!.headers.get("content-type")).toBe("text/csv");
    expect(r!.headers.get("content-disposition")).toBe('attachment; filename="log.csv"');
    expect(r!.headers.get("httap-session")).toMatch(/^[0-9a-z]{8}$/);
    const chunked = await request(s.port, `POST /?loopback HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`);
    expect(chunked!.body.toString()).toBe("abc");

    const off = await serve({ HTTAP_LOOPBACK: "0" });
    expect((await request(off.port, post("/?loopback", "x")))?.status).toBe(404);
    expect(json(await request(off.port, get("/?"))).Services).toBe("Files Stats Device Leader Fleet");
  });

  test("a routine that throws gets 500 JSON and the server keeps serving; bad JSON says where", async () => {
    const program = `
      import { createServer, defineResource } from ${JSON.stringify(`${REPO}src/index.ts`)};
      let n = 0;
      const server = createServer({ resources: [
        defineResource({ name: "FAULT", get: () => { throw new Error("sensor unplugged"); } }),
        defineResource({ name: "N", get: (c) => c.reply.json(n), post: (c) => c.reply.json(n = Number(c.body())) }),
      ] });
      const { port } = await server.start();
      console.log("httap listening on port " + port);
      process.once("SIGTERM", async () => { await server.stop(); process.exit(0); });
    `;
    const s = await serve({}, [BUN, "--eval", program]);
    const x = await exchange(s.port, get("/?FAULT") + get("/?N") + post("/?N", "{ 5") + post("/?N", "7") + get("/?FAULT") + get("/?N"), {
      responses: 6,
    });
    expect(x.responses.map((r) => r.status)).toEqual([500, 200, 400, 200, 500, 200]);
    expect(json(x.responses[0])).toMatchObject({ error: "routine-failed", resource: "FAULT" });
    expect(json(x.responses[2])).toMatchObject({ error: "bad-json", line: 1, column: 3, offset: 2 });
    expect(json(x.responses[5])).toBe(7);
    expect(s.output()).toContain("sensor unplugged");
  });
});

describe("CORS", () => {
  const origin = "Origin: http://ui.example:8080\r\n";

  test("files on, HTTAP_CORS unset: no CORS headers", async () => {
    const s = await serve();
    const r = await request(s.port, get("/?ping", origin));
    expect([...r!.headers.keys()].filter((k) => k.startsWith("access-control"))).toEqual([]);
  });

  test("HTTAP_FILES=0: Access-Control-Allow-Origin * on HTTaP replies", async () => {
    const s = await serve({ HTTAP_FILES: "0" });
    const r = await request(s.port, get("/?", origin));
    expect(r!.headers.get("access-control-allow-origin")).toBe("*");
    expect(json(r).Services).toBe("Loopback Stats Device Leader Fleet");
  });

  test("HTTAP_CORS list: echo, Vary, expose HTTaP-Session, preflight 204; other origins get nothing", async () => {
    const s = await serve({ HTTAP_CORS: "http://ui.example:8080, http://other.example" });
    const r = await request(s.port, get("/?ping", origin));
    expect(r!.headers.get("access-control-allow-origin")).toBe("http://ui.example:8080");
    expect(r!.headers.get("vary")).toBe("Origin");
    expect(r!.headers.get("access-control-expose-headers")).toBe("HTTaP-Session");
    const pre = await request(
      s.port,
      `OPTIONS /?REG HTTP/1.1\r\nHost: t\r\n${origin}Access-Control-Request-Method: POST\r\n` +
        "Access-Control-Request-Headers: content-type, httap-session\r\n\r\n",
    );
    expect(pre?.status).toBe(204);
    expect(pre!.headers.get("access-control-allow-methods")).toBe("GET, HEAD, POST, OPTIONS");
    expect(pre!.headers.get("access-control-allow-headers")).toContain("HTTaP-Session");
    expect(pre!.headers.get("content-length")).toBeUndefined();
    const stranger = await request(s.port, get("/?ping", "Origin: http://evil.example\r\n"));
    expect(stranger!.headers.get("access-control-allow-origin")).toBeUndefined();
    const write = await request(s.port, post("/?loopback", "x", "Origin: http://evil.example\r\n"));
    expect(write?.status).toBe(403);
  });

  test("HTTAP_CORS=*: any origin echoed", async () => {
    const s = await serve({ HTTAP_CORS: "*" });
    const r = await request(s.port, get("/?ping", "Origin: https://anywhere.example\r\n"));
    expect(r!.headers.get("access-control-allow-origin")).toBe("https://anywhere.example");
    expect(r!.headers.get("vary")).toBe("Origin");
  });
});
