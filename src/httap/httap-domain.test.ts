import { afterEach, describe, expect, test } from "bun:test";
import { SessionManager } from "../owner/session-manager.ts";
import { createHttapDomain } from "./httap-domain.ts";
import type { HttapDomain, HttapDomainOptions } from "./httap-domain.ts";
import { ResourceRegistry } from "./resource-registry.ts";
import { defineResource } from "./resource.ts";
import type { Resource } from "./resource.ts";
import type { DynamicReply, HttpRequest } from "../http/types.ts";
import { dynamicReply } from "../http/reply.ts";
import { CORE_PREFIX_WORD_NAMES, CORE_WORD_NAMES, type VocabularyWord } from "./vocabulary.ts";

interface Fake {
  method?: string;
  query?: string;
  from?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

function fakeRequest(f: Fake): HttpRequest {
  const method = f.method ?? "GET";
  const query = f.query ?? "";
  const headers = new Map(Object.entries(f.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    method,
    isHead: method === "HEAD",
    target: `/?${query}`,
    path: "/",
    query,
    version: 11,
    body: typeof f.body === "string" ? new TextEncoder().encode(f.body) : (f.body ?? new Uint8Array(0)),
    remoteAddress: f.from ?? "127.0.0.1",
    connectionId: 1,
    header: (name) => headers.get(name),
  };
}

interface Answer {
  status: number;
  headers: Map<string, string>;
  text: string;
  json: any;
}

let managers: SessionManager[] = [];
afterEach(() => {
  for (const m of managers) m.stop();
  managers = [];
});

function setup(o: Partial<HttapDomainOptions> & { resources?: ResourceRegistry } = {}, resources: Resource[] = []) {
  let t = 5_000_000;
  const registry = o.resources ?? new ResourceRegistry();
  for (const r of resources) registry.add(r);
  const logs: string[] = [];
  const sessions = new SessionManager({ timeoutS: o.keepAliveS ?? 15, now: () => t, log: (l) => logs.push(l) });
  managers.push(sessions);
  const domain: HttapDomain = createHttapDomain({
    keepAliveS: 15,
    files: true,
    loopback: true,
    cors: null,
    id: "test-device",
    now: () => t,
    log: (l) => logs.push(l),
    sessions,
    ...o,
    resources: registry,
  });
  const ask = (f: Fake): Answer => {
    const reply = domain.handle(fakeRequest(f)) as DynamicReply;
    expect(reply.kind).toBe("dynamic");
    const headers = new Map<string, string>();
    for (const line of reply.headers.split("\r\n").filter((l) => l)) {
      const i = line.indexOf(":");
      headers.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
    }
    const text = typeof reply.body === "string" ? reply.body : new TextDecoder().decode(reply.body);
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: reply.status, headers, text, json };
  };
  /** Asks for the device (issue 18: looking takes nothing; a claim or a write does). */
  const claim = (from = "127.0.0.1", body = "{}"): Answer => ask({ method: "POST", query: "claim", from, body });
  return {
    domain,
    sessions,
    ask,
    claim,
    logs,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

const counter = () => {
  let value = 0;
  return defineResource({
    name: "N",
    get: (c) => c.reply.json(value),
    post: (c) => {
      const v = c.body();
      if (typeof v !== "number") return c.reply.error("bad-value", "a number please");
      value = v;
      return c.reply.json(value);
    },
  });
};

describe("every HTTaP reply", () => {
  test("is JSON, never cached, and carries an 8-character HTTaP-Session", () => {
    const { ask } = setup({}, [counter()]);
    for (const query of ["", "ping", "list", "changes", "N", "nothing", "N/x"]) {
      const a = ask({ query });
      expect(a.headers.get("cache-control")).toBe("no-cache, no-store, must-revalidate");
      expect(a.headers.get("content-type")).toBe("application/json");
      expect(a.headers.get("httap-session")).toMatch(/^[0-9a-z]{8}$/);
      expect(a.json).toBeDefined();
    }
  });
});

describe("vocabulary", () => {
  test("root object: version, HTTaP_open 0 then 1, ID, Type, Services, Signals", () => {
    const { ask, claim, sessions } = setup({}, [counter(), defineResource({ name: "IO.LED", get: (c) => c.reply.json(1) })]);
    const viewer = ask({ query: "" });
    expect(viewer.headers.get("httap-session")).toBe("00000000"); // a viewer: nothing opened
    expect(viewer.json.HTTaP_open).toBe(0);
    expect(sessions.current()).toBeNull();
    expect(claim().status).toBe(200);
    const first = ask({ query: "" }).json;
    expect(first).toEqual({
      HTTaP_version: expect.stringMatching(/^\d{8}$/),
      HTTaP_open: 0,
      ID: "test-device",
      Type: "httap",
      Services: "Files Loopback",
      Signals: ["IO.LED", "N"],
    });
    expect(ask({ query: "" }).json.HTTaP_open).toBe(1);
    expect(ask({ query: "ping" }).status).toBe(200);
    expect(ask({ query: "" }).json.HTTaP_open).toBe(1);
  });

  test("Services follow the configuration", () => {
    const { ask } = setup({ files: false, loopback: false }, [
      defineResource({ name: "M", get: (c) => c.reply.json(0), range: { size: 8 } }),
    ]);
    expect(ask({ query: "" }).json.Services).toBe("HYX");
  });

  test("ping with any suffix answers Remain and Timeout (0 to a viewer, who keeps nothing alive)", () => {
    const { ask, claim } = setup({ keepAliveS: 20 });
    expect(ask({ query: "ping" }).text).toBe('{"Remain":0,"Timeout":20}');
    expect(claim().json).toEqual({ Remain: 20, Timeout: 20 });
    expect(ask({ query: "ping" }).text).toBe('{"Remain":20,"Timeout":20}');
    expect(ask({ query: "ping?t=123456" }).json).toEqual({ Remain: 20, Timeout: 20 });
    expect(ask({ query: "pingXYZ" }).json).toEqual({ Remain: 20, Timeout: 20 });
  });

  test("HEAD answers like GET (the engine drops the body)", () => {
    const { ask } = setup({}, [counter()]);
    expect(ask({ method: "HEAD", query: "ping" }).status).toBe(200);
    expect(ask({ method: "HEAD", query: "N" }).text).toBe("0");
    expect(ask({ method: "HEAD", query: "" }).status).toBe(200);
  });

  test("methods the vocabulary does not take get 405 with Allow", () => {
    const { ask } = setup();
    for (const [method, query, allow] of [
      ["POST", "ping", "GET, HEAD"],
      ["PUT", "", "GET, HEAD"],
      ["POST", "list", "GET, HEAD"],
      ["DELETE", "changes", "GET, HEAD"],
      ["GET", "loopback", "POST"],
    ]) {
      const a = ask({ method, query });
      expect(a.status).toBe(405);
      expect(a.headers.get("allow")).toBe(allow);
      expect(a.json.error).toBe("method-not-allowed");
    }
  });

  test("changes: first call lists every readable resource, then only what changed, per session", () => {
    const n = counter();
    const m = defineResource({ name: "M", get: (c) => c.reply.json(0) });
    const w = defineResource({ name: "W", post: (c) => c.reply.json(0) });
    const { ask, claim, advance } = setup({}, [n, m, w]);
    expect(ask({ query: "changes" })).toMatchObject({ status: 409, json: { error: "not-owner" } }); // per session: a viewer has none
    claim();
    expect(ask({ query: "changes" }).json).toEqual({ changes: ["M", "N"] });
    expect(ask({ query: "changes" }).json).toEqual({ changes: [] });
    expect(ask({ method: "POST", query: "N", body: "4" }).status).toBe(200);
    m.changed();
    expect(ask({ query: "changes" }).json).toEqual({ changes: ["M", "N"] });
    expect(ask({ query: "changes" }).json).toEqual({ changes: [] });
    expect(ask({ method: "POST", query: "N", body: '"x"' }).status).toBe(400); // a refused write is no change
    expect(ask({ query: "changes" }).json).toEqual({ changes: [] });
    advance(15_000);
    claim();
    expect(ask({ query: "changes" }).json).toEqual({ changes: ["M", "N"] }); // a new session starts over
  });
});

describe("sessions", () => {
  test("A owns, B is busy (a name, its place, when to ask again), A lapses, B owns with a new id", () => {
    const { ask, claim, advance, sessions } = setup({ keepAliveS: 10 });
    const events: string[] = [];
    sessions.on("start", (s) => events.push(`start ${s.owner} ${s.name}`));
    sessions.on("end", (s, r) => events.push(`end ${s.owner} ${r}`));
    const a = claim("10.0.0.1", '{"name":"  Ana <b>&</b> "}');
    const idA = a.headers.get("httap-session");
    advance(3_500);
    expect(ask({ query: "ping", from: "10.0.0.2" }).json).toEqual({ Remain: 0, Timeout: 10 }); // looking: no place taken
    expect(sessions.queue("10.0.0.2").waiting).toBe(0);
    const busy = claim("10.0.0.2");
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("3");
    expect(busy.json).toEqual({
      error: "busy",
      message: "Ana <b>&</b> is using the device",
      owner: "Ana <b>&</b>", // JSON carries the name as given; every page sets it as text
      owned: true,
      reserved: false,
      turnLeftS: null,
      place: 1,
      waiting: 1,
      Remain: 3,
    });
    expect(busy.headers.get("httap-session")).toBe("00000000");
    expect(ask({ method: "POST", query: "ping", from: "10.0.0.2" }).status).toBe(405);
    advance(3_000);
    expect(ask({ query: "ping", from: "10.0.0.1" }).json.Remain).toBe(10); // the owner's read renews
    advance(9_999);
    expect(claim("10.0.0.2").json).toMatchObject({ error: "busy", place: 1, Remain: 3 });
    advance(1);
    const b = claim("10.0.0.2");
    expect(b.status).toBe(200);
    expect(ask({ query: "", from: "10.0.0.2" }).json.HTTaP_open).toBe(0);
    expect(b.headers.get("httap-session")).not.toBe(idA);
    expect(events).toEqual(["start 10.0.0.1 Ana <b>&</b>", "end 10.0.0.1 lapsed", "start 10.0.0.2 null"]);
  });

  test("a claim may name the page that drives (the leader's card shows it); a bad one is refused", () => {
    const { ask, claim } = setup();
    expect(claim("A", '{"app":"Code!"}').status).toBe(400);
    expect(claim("A", '{"name":"Ana","app":"code"}').status).toBe(200);
    expect(ask({ query: "queue", from: "B" }).json).toMatchObject({ owner: "Ana", ownerApp: "code" });
    expect(claim("A", '{"app":"car"}').status).toBe(200); // the owner moved to the car page
    expect(ask({ query: "queue", from: "B" }).json.ownerApp).toBe("car");
  });

  test("POST /?queue: {leave} gives the device back or leaves the line (200), {away} keeps a hidden waiter's place", () => {
    const { ask, claim, sessions } = setup();
    const ends: string[] = [];
    sessions.on("end", (_s, r) => ends.push(r));
    claim("A");
    claim("B");
    expect(ask({ method: "POST", query: "queue", from: "B", body: '{"away":true}' }).json).toMatchObject({ place: 1, owned: true });
    const left = ask({ method: "POST", query: "queue", from: "B", body: '{"leave":true}' });
    expect(left.status).toBe(200);
    expect(left.json).toMatchObject({ place: 0, waiting: 0 });
    const gave = ask({ method: "POST", query: "queue", from: "A", body: '{"leave":true}' });
    expect(gave.json).toMatchObject({ owned: false, you: false, yourLastEnd: "given-back" });
    expect(ends).toEqual(["given-back"]);
    for (const body of ["{}", '{"away":false}', '{"leave":true,"away":true}', "nope"])
      expect(ask({ method: "POST", query: "queue", from: "A", body }).status).toBe(400);
  });

  test("a claim's name: 1 to 24 characters, no control characters; anything else is refused with the reason", () => {
    const { claim, sessions } = setup();
    for (const [body, why] of [
      ['{"name":""}', "1 to 24 characters, got 0"],
      [`{"name":"${"é".repeat(25)}"}`, "got 25"],
      ['{"name":"a\\u0007b"}', "control characters"],
      ['{"name":5}', "a string"],
      ["[1]", "an object"],
      ["{", "not JSON"],
    ]) {
      const r = claim("10.0.0.1", body);
      expect(r.status).toBe(400);
      expect(r.json.message).toContain(why);
    }
    expect(sessions.current()).toBeNull();
    expect(claim("10.0.0.1", `{"name":"${"😀".repeat(24)}"}`).status).toBe(200); // 24 characters, 48 UTF-16 units
  });

  test("/?invalid from the owner ends the session at once and always answers an error", () => {
    const { ask, claim, sessions } = setup();
    const ends: string[] = [];
    sessions.on("end", (_s, r) => ends.push(r));
    expect(ask({ query: "invalid" }).status).toBe(400);
    expect(sessions.current()).toBeNull(); // no session opened by /?invalid
    const id = claim("A").headers.get("httap-session");
    expect(ask({ query: "invalid", from: "B" }).json.message).toBe("the device is not yours to give back");
    const inv = ask({ query: "invalid", from: "A" });
    expect(inv.status).toBe(400);
    expect(inv.json.error).toBe("invalid");
    expect(ends).toEqual(["invalid"]);
    const next = claim("B");
    expect(next.status).toBe(200);
    expect(next.headers.get("httap-session")).not.toBe(id);
  });

  test("stop() ends the session for the dead-man stop", () => {
    const { claim, sessions } = setup();
    const ends: string[] = [];
    sessions.on("end", (_s, r) => ends.push(r));
    claim();
    sessions.stop();
    expect(ends).toEqual(["server-stop"]);
  });
});

describe("application resources", () => {
  test("unknown → 404 naming it; method → 405 with Allow", () => {
    const { ask } = setup({}, [defineResource({ name: "RO", get: (c) => c.reply.json(1) })]);
    expect(ask({ query: "NOPE" })).toMatchObject({ status: 404, json: { error: "not-found", resource: "NOPE" } });
    const a = ask({ method: "POST", query: "RO", body: "1" });
    expect(a.status).toBe(405);
    expect(a.headers.get("allow")).toBe("GET, HEAD");
  });

  test("the routine sees the session, the selector, the body; dotted names work", () => {
    let seen: unknown;
    const r = defineResource({
      name: "IO.SPI.1",
      members: ["a", "b"],
      post: (c) => {
        seen = { name: c.name, method: c.method, selector: c.selector, owner: c.session?.owner, body: c.body() };
        return c.reply.json("ok", 202);
      },
    });
    const { ask } = setup({}, [r]);
    const a = ask({ method: "POST", query: "IO.SPI.1/a,b", body: "[1,2]", from: "10.1.1.1" });
    expect(a.status).toBe(202);
    expect(seen).toEqual({
      name: "IO.SPI.1",
      method: "POST",
      selector: { kind: "members", members: ["a", "b"] },
      owner: "10.1.1.1",
      body: [1, 2],
    });
  });

  test("invalid JSON → 400 saying where it failed, the routine never half-runs", () => {
    const { ask } = setup({}, [counter()]);
    const a = ask({ method: "POST", query: "N", body: "{\n 1}" });
    expect(a.status).toBe(400);
    expect(a.json).toMatchObject({ error: "bad-json", resource: "N", line: 2, column: 2, offset: 3 });
  });

  test("a routine that throws → 500; the next request is served normally", () => {
    const bad = defineResource({
      name: "BAD",
      get: () => {
        throw new Error("sensor unplugged");
      },
    });
    const none = defineResource({ name: "NONE", get: () => undefined as never });
    const { ask, logs } = setup({}, [bad, none, counter()]);
    const a = ask({ query: "BAD" });
    expect(a.status).toBe(500);
    expect(a.json).toMatchObject({ error: "routine-failed", resource: "BAD" });
    expect(a.json.message).toContain("sensor unplugged");
    expect(logs.join("\n")).toContain("sensor unplugged");
    expect(ask({ query: "NONE" }).status).toBe(500);
    expect(ask({ query: "N" }).status).toBe(200);
  });

  test("reply.error codes map to their statuses", () => {
    const r = defineResource({
      name: "E",
      members: ["a", "b", "c", "d"],
      get: (c) => {
        const m = c.selector.kind === "members" ? c.selector.members[0] : "";
        return c.reply.error(({ a: "bad-value", b: "not-found", c: "out-of-range", d: "device-error" } as const)[m as "a"], `m=${m}`);
      },
    });
    const { ask } = setup({}, [r]);
    expect(["a", "b", "c", "d"].map((m) => ask({ query: `E/${m}` }).status)).toEqual([400, 404, 416, 500]);
    expect(ask({ query: "E/a" }).json).toEqual({ error: "bad-value", message: "m=a", resource: "E/a" });
  });

  test("byte ranges: JSON by default, HYX with ?hyx or Accept: text/x-hyx", () => {
    const mem = new Uint8Array(32).map((_, i) => i);
    const r = defineResource({
      name: "MEM",
      range: { size: 32 },
      get: (c) => {
        const [s, e] = c.selector.kind === "range" ? [c.selector.start, c.selector.end] : [0, 31];
        return c.reply.bytes(mem.subarray(s, e + 1), s);
      },
    });
    const { ask } = setup({}, [r]);
    expect(ask({ query: "MEM/1E-1F" }).json).toEqual({ start: 30, data: [30, 31] });
    const h = ask({ query: "MEM/10-12?hyx" });
    expect(h.headers.get("content-type")).toBe("text/x-hyx; charset=us-ascii");
    expect(h.headers.get("httap-session")).toMatch(/^[0-9a-z]{8}$/);
    expect(h.text).toBe(";;hyx1\n; MEM 10-12\n:10\n10 11 12\n");
    expect(ask({ query: "MEM/0", headers: { accept: "text/x-hyx, application/json" } }).text).toStartWith(";;hyx1\n");
    expect(ask({ query: "MEM/20" })).toMatchObject({ status: 416, json: { error: "out-of-range" } });
  });
});

describe("loopback", () => {
  test("echoes the body with its Content-Type; ?name= adds a download disposition", () => {
    const { ask } = setup();
    const a = ask({ method: "POST", query: "loopback", body: "a,b\n1,2\n", headers: { "content-type": "text/csv" } });
    expect(a.status).toBe(200);
    expect(a.text).toBe("a,b\n1,2\n");
    expect(a.headers.get("content-type")).toBe("text/csv");
    expect(a.headers.get("content-disposition")).toBeUndefined();
    expect(a.headers.get("cache-control")).toBe("no-cache, no-store, must-revalidate");
    const b = ask({ method: "POST", query: "loopback?name=data.csv", body: "x" });
    expect(b.headers.get("content-disposition")).toBe('attachment; filename="data.csv"');
    expect(b.headers.get("content-type")).toBe("application/octet-stream");
    const c = ask({ method: "POST", query: "loopback?name=%C3%A9t%C3%A9.txt", body: "x" });
    expect(c.headers.get("content-disposition")).toBe(
      `attachment; filename="__t__.txt"; filename*=UTF-8''%C3%A9t%C3%A9.txt`.replace("__t__", "_t_"),
    );
  });

  test("refuses unusable file names; disabled loopback is not found", () => {
    const { ask } = setup();
    for (const q of ["loopback?name=", "loopback?name=..%2Fx", "loopback?name=a%22b", "loopback?other=1"]) {
      expect(ask({ method: "POST", query: q, body: "x" })).toMatchObject({ status: 400, json: { error: "bad-filename" } });
    }
    const off = setup({ loopback: false });
    expect(off.ask({ method: "POST", query: "loopback", body: "x" })).toMatchObject({ status: 404, json: { resource: "loopback" } });
  });

  test("the echo does not alias the request buffer", () => {
    const { domain } = setup();
    const body = new TextEncoder().encode("abc");
    const reply = domain.handle(fakeRequest({ method: "POST", query: "loopback", body })) as DynamicReply;
    body[0] = 0x7a;
    expect(new TextDecoder().decode(reply.body as Uint8Array)).toBe("abc");
  });
});

describe("CORS", () => {
  test("files on, no HTTAP_CORS: no CORS headers; a foreign page may not write", () => {
    const { ask } = setup({}, [counter()]);
    const a = ask({ query: "ping", headers: { origin: "http://evil.example" } });
    expect([...a.headers.keys()].some((k) => k.startsWith("access-control"))).toBe(false);
    expect(ask({ method: "POST", query: "N", body: "1", headers: { origin: "http://evil.example", host: "pi:60000" } })).toMatchObject({
      status: 403,
      json: { error: "forbidden-origin" },
    });
    expect(ask({ method: "POST", query: "N", body: "1", headers: { origin: "http://pi:60000", host: "pi:60000" } }).status).toBe(200);
  });

  test("files off: Access-Control-Allow-Origin * on every HTTaP reply, busy ones included", () => {
    const { ask } = setup({ files: false });
    expect(ask({ query: "" }).headers.get("access-control-allow-origin")).toBe("*");
    expect(ask({ query: "", from: "B" }).headers.get("access-control-allow-origin")).toBe("*");
  });

  test("a list: matching Origin echoed with Vary; preflight 204 with methods and HTTaP-Session allowed", () => {
    const { ask, claim, sessions } = setup({ cors: ["http://ui.example"] });
    claim();
    const a = ask({ query: "ping", headers: { origin: "http://ui.example" } });
    expect(a.headers.get("access-control-allow-origin")).toBe("http://ui.example");
    expect(a.headers.get("vary")).toBe("Origin");
    expect(a.headers.get("access-control-expose-headers")).toBe("HTTaP-Session");
    expect(ask({ query: "ping", headers: { origin: "http://other.example" } }).headers.get("access-control-allow-origin")).toBeUndefined();
    const pre = ask({
      method: "OPTIONS",
      query: "N",
      headers: {
        origin: "http://ui.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,httap-session",
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.text).toBe("");
    expect(pre.headers.get("access-control-allow-headers")).toContain("HTTaP-Session");
    expect(pre.headers.get("access-control-allow-methods")).toContain("POST");
    expect(
      ask({ method: "OPTIONS", query: "N", headers: { origin: "http://other.example", "access-control-request-method": "POST" } }).status,
    ).toBe(403);
    expect(sessions.current()).not.toBeNull(); // opened by the claim above
    sessions.end("invalid");
    ask({ method: "OPTIONS", query: "", headers: { origin: "http://ui.example", "access-control-request-method": "GET" } });
    expect(sessions.current()).toBeNull(); // a preflight opens no session
  });

  test("preflights are answered even while another host owns the session", () => {
    const { ask, claim } = setup({ cors: "*" });
    claim("A");
    const pre = ask({
      method: "OPTIONS",
      query: "",
      from: "B",
      headers: { origin: "http://b.example", "access-control-request-method": "GET" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("httap-session")).toBe("00000000");
  });
});

describe("the vocabulary table (issue 17)", () => {
  test("the core's words are the names defineResource refuses", () => {
    const { domain } = setup({ stats: () => ({}) });
    const names = domain.vocabulary.words.map((w) => (w.isPrefix === true ? `${w.name}*` : w.name)).sort();
    expect(names).toEqual([...CORE_WORD_NAMES, ...CORE_PREFIX_WORD_NAMES.map((p) => `${p}*`)].sort());
    for (const name of ["list", "queue", "stats", "pingX"])
      expect(() => defineResource({ name, get: (c) => c.reply.json(0) })).toThrow(/taken by the HTTaP vocabulary/);
  });

  test("a public word from a layer above is one table entry: answered to anyone, opening no session", () => {
    const fleet: VocabularyWord = {
      name: "fleet",
      access: "public",
      methods: ["GET"],
      service: "Fleet",
      handle: ({ cors }) => dynamicReply(200, `Content-Type: application/json\r\n${cors}`, '{"peers":[]}'),
    };
    const { ask, claim, sessions } = setup({ words: [fleet] });
    expect(claim("10.0.0.1").status).toBe(200); // 10.0.0.1 owns the device
    const r = ask({ query: "fleet", from: "10.0.0.2" });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ peers: [] });
    expect(sessions.current()?.owner).toBe("10.0.0.1");
    expect(sessions.queue("10.0.0.2").place).toBe(0); // reading it joined no line
    expect(ask({ query: "", from: "10.0.0.1" }).json.Services).toContain("Fleet");
    const post = ask({ method: "POST", query: "fleet", from: "10.0.0.2" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  test("an owner word is admitted first: busy for others; its methods give 405 and the preflight's methods", () => {
    const echo: VocabularyWord = {
      name: "echo",
      access: "owner",
      methods: ["POST"],
      handle: ({ lines, request }) => dynamicReply(200, lines, new TextDecoder().decode(request.body)),
    };
    const { ask } = setup({ words: [echo], cors: "*" });
    expect(ask({ method: "POST", query: "echo", body: "[1]" }).json).toEqual([1]);
    expect(ask({ method: "POST", query: "echo", from: "10.9.9.9" }).status).toBe(503);
    const get = ask({ query: "echo" });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    const pre = ask({ method: "OPTIONS", query: "echo", headers: { origin: "http://a.example", "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
  });

  test("a resource a word would shadow is refused when the domain is built", () => {
    const word: VocabularyWord = { name: "fleet", access: "public", methods: ["GET"], handle: () => dynamicReply(200, "", "") };
    expect(() => setup({ words: [word] }, [defineResource({ name: "fleet", get: (c) => c.reply.json(0) })])).toThrow(
      /resource "fleet" is taken by the HTTaP word "fleet"/,
    );
    expect(() => setup({ words: [word, word] })).toThrow(/defined twice/);
  });

  test("reading the owner (a preflight, /?queue) never ends a lapsed session: only the tick or a request does", () => {
    const { ask, claim, sessions, advance } = setup({ keepAliveS: 3 });
    const ends: string[] = [];
    sessions.on("end", (_s, r) => ends.push(r));
    claim();
    advance(4_000);
    ask({ method: "OPTIONS", query: "ping" });
    ask({ query: "queue", from: "10.0.0.2" });
    expect(ends).toEqual([]);
    expect(sessions.current()).toBeNull(); // lapsed all the same
    sessions.sweep(performance.now() + 1e12);
    expect(ends).toEqual(["lapsed"]);
  });
});
