/**
 * @module Black-box tests of connection reuse on the real server: keep-alive rules of RFC 9112 §9.3, pipelining
 * answered strictly in order, HEAD, and a bad request after good ones. Literal bytes over TCP to 127.0.0.1. A close
 * that must come is waited for (WAIT_MS); that it came at once, not at a deadline, is read from the server's own
 * counters at the end (no connection timed out), not from a stopwatch.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exchange, Peer, request } from "./support/raw-client.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS } from "./support/wait.ts";

const FILES: Record<string, string> = {
  "a.txt": "alpha\n",
  "b.txt": "bravo bravo\n",
  "c.html": "<p>charlie</p>\n",
  "index.html": "<p>home</p>\n",
};
let dir = "";
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "httap-keepalive-"));
  for (const [name, text] of Object.entries(FILES)) writeFileSync(join(dir, name), text);
  server = await startServer({ HTTAP_STATICPATH: dir });
});

afterAll(async () => {
  await server?.stop();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;

describe("keep-alive", () => {
  test("HTTP/1.1 keeps the connection open by default", async () => {
    const peer = await Peer.open(server.port);
    try {
      peer.send(get("/a.txt"));
      expect(await peer.until(() => peer.responses().length === 1)).toBe(true);
      const first = peer.responses()[0];
      expect(first.status).toBe(200);
      expect(first.body.toString()).toBe(FILES["a.txt"]);
      expect(first.headers.get("connection")).toBeUndefined();
      await Bun.sleep(300);
      expect(peer.isClosed).toBe(false);
      peer.send(get("/b.txt"));
      expect(await peer.until(() => peer.responses().length === 2)).toBe(true);
      expect(peer.responses()[1].body.toString()).toBe(FILES["b.txt"]);
      expect(peer.isClosed).toBe(false);
    } finally {
      peer.destroy();
    }
  });

  test("Connection: close is honoured: the response says so and the server closes", async () => {
    const ex = await exchange(server.port, get("/a.txt", "Connection: close\r\n"), { idleMs: WAIT_MS });
    expect(ex.responses.length).toBe(1);
    expect(ex.responses[0].status).toBe(200);
    expect(ex.responses[0].headers.get("connection")).toBe("close");
    expect(ex.closed).toBe(true); // at once: see "no connection timed out" at the end
  });

  test("HTTP/1.0 closes after the response unless asked to keep alive", async () => {
    const ex = await exchange(server.port, "GET /a.txt HTTP/1.0\r\n\r\n", { idleMs: WAIT_MS });
    expect(ex.responses.length).toBe(1);
    expect(ex.responses[0].status).toBe(200);
    expect(ex.responses[0].headers.get("connection")).toBe("close");
    expect(ex.closed).toBe(true);
  });

  test("HTTP/1.0 with Connection: keep-alive gets keep-alive and the connection stays open", async () => {
    const peer = await Peer.open(server.port);
    try {
      peer.send("GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      expect(await peer.until(() => peer.responses().length === 1)).toBe(true);
      expect(peer.responses()[0].headers.get("connection")).toBe("keep-alive");
      await Bun.sleep(300);
      expect(peer.isClosed).toBe(false);
      peer.send("GET /b.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      expect(await peer.until(() => peer.responses().length === 2)).toBe(true);
      expect(peer.responses()[1].body.toString()).toBe(FILES["b.txt"]);
      peer.send("GET /c.html HTTP/1.0\r\n\r\n"); // this one does not ask: last answer, then close
      expect(await peer.until(() => peer.isClosed)).toBe(true);
      const third = peer.responses()[2];
      expect(third.headers.get("connection")).toBe("close");
      expect(third.body.toString()).toBe(FILES["c.html"]);
    } finally {
      peer.destroy();
    }
  });

  test("a request arriving in small pieces over time gets one answer", async () => {
    const text = get("/c.html");
    const pieces = [];
    for (let i = 4; i < text.length; i += 4) pieces.push({ data: text.slice(i, i + 4), delayMs: 10 });
    const ex = await exchange(server.port, text.slice(0, 4), { pieces, responses: 1 });
    expect(ex.responses.length).toBe(1);
    expect(ex.responses[0].body.toString()).toBe(FILES["c.html"]);
  });
});

describe("pipelining", () => {
  test("20 mixed GET/HEAD/POST requests in one write are answered strictly in order", async () => {
    const names = Object.keys(FILES);
    const requests: string[] = [];
    const expected: { status: number; body: string; isHead: boolean }[] = [];
    for (let i = 0; i < 20; i++) {
      const name = names[i % names.length];
      switch (i % 5) {
        case 0:
        case 3:
          requests.push(get(`/${name}`));
          expected.push({ status: 200, body: FILES[name], isHead: false });
          break;
        case 1:
          requests.push(`HEAD /${name} HTTP/1.1\r\nHost: a\r\n\r\n`);
          expected.push({ status: 200, body: "", isHead: true });
          break;
        case 2: // a body the server must skip exactly to find the next request
          requests.push(`POST /${name} HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nGET / HTTP/`);
          expected.push({ status: 405, body: "", isHead: false });
          break;
        case 4:
          requests.push(`POST /${name} HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nGET \r\n0\r\n\r\n`);
          expected.push({ status: 405, body: "", isHead: false });
          break;
      }
    }
    const headMethods = expected.map((e) => e.isHead);
    const ex = await exchange(server.port, requests.join(""), { responses: 20, headMethods });
    expect(ex.responses.map((r) => r.status)).toEqual(expected.map((e) => e.status));
    ex.responses.forEach((r, i) => {
      if (expected[i].status === 200) expect(r.body.toString()).toBe(expected[i].body);
      if (expected[i].isHead) expect(r.body.length).toBe(0);
    });
    // nothing more than the 20 answers came
    const consumed = ex.responses.reduce((n, r) => n + r.raw.length + 4 + r.body.length, 0);
    expect(consumed).toBe(ex.bytes.length);
    expect(ex.closed).toBe(false);
  });

  test("a bad request after good ones: the good answers come out first, then 400 and close", async () => {
    const data = get("/a.txt") + get("/b.txt") + "GET /c.html HTTP/1.1\r\nHost : a\r\n\r\n" + get("/c.html");
    const ex = await exchange(server.port, data, { idleMs: WAIT_MS });
    expect(ex.responses.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(ex.responses[0].body.toString()).toBe(FILES["a.txt"]);
    expect(ex.responses[1].body.toString()).toBe(FILES["b.txt"]);
    expect(ex.responses[2].headers.get("connection")).toBe("close");
    expect(ex.responses[2].body.toString()).toContain("header line is malformed");
    expect(ex.closed).toBe(true);
  });

  test("Connection: close in the middle of a pipeline: answers up to it, then close; later requests are dropped", async () => {
    const data = get("/a.txt") + get("/b.txt", "Connection: close\r\n") + get("/c.html");
    const ex = await exchange(server.port, data, { idleMs: WAIT_MS });
    expect(ex.responses.map((r) => r.body.toString())).toEqual([FILES["a.txt"], FILES["b.txt"]]);
    expect(ex.responses[0].headers.get("connection")).toBeUndefined();
    expect(ex.responses[1].headers.get("connection")).toBe("close");
    expect(ex.closed).toBe(true);
  });

  test("HTTP/1.0 keep-alive requests can be pipelined too", async () => {
    const ka = (path: string) => `GET ${path} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n`;
    const ex = await exchange(server.port, ka("/a.txt") + ka("/b.txt"), { responses: 2 });
    expect(ex.responses.map((r) => r.headers.get("connection"))).toEqual(["keep-alive", "keep-alive"]);
    expect(ex.responses.map((r) => r.body.toString())).toEqual([FILES["a.txt"], FILES["b.txt"]]);
    expect(ex.closed).toBe(false);
  });

  test("a pipeline split across writes at every few bytes is answered in order", async () => {
    const text = get("/a.txt") + get("/b.txt") + get("/c.html");
    const pieces = [];
    for (let i = 7; i < text.length; i += 7) pieces.push({ data: text.slice(i, i + 7), delayMs: 2 });
    const ex = await exchange(server.port, text.slice(0, 7), { pieces, responses: 3 });
    expect(ex.responses.map((r) => r.body.toString())).toEqual([FILES["a.txt"], FILES["b.txt"], FILES["c.html"]]);
  });
});

describe("HEAD and methods", () => {
  test("HEAD answers GET's headers, same Content-Length, with no body", async () => {
    const peer = await Peer.open(server.port);
    try {
      peer.send(`HEAD /c.html HTTP/1.1\r\nHost: a\r\n\r\n${get("/c.html")}`);
      expect(await peer.until(() => peer.responses([true]).length === 2)).toBe(true);
      const [head, full] = peer.responses([true]);
      expect(head.status).toBe(200);
      expect(head.raw).toBe(full.raw);
      expect(head.headers.get("content-length")).toBe(String(FILES["c.html"].length));
      expect(head.body.length).toBe(0);
      expect(full.body.toString()).toBe(FILES["c.html"]);
      // exactly two heads and one body on the wire: HEAD sent no body bytes
      expect(peer.bytes.length).toBe(head.raw.length + 4 + full.raw.length + 4 + full.body.length);
    } finally {
      peer.destroy();
    }
  });

  test("HEAD with Connection: close: the head says close, still no body", async () => {
    const ex = await exchange(server.port, "HEAD /a.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", {
      headMethods: [true],
      idleMs: WAIT_MS,
    });
    expect(ex.responses.length).toBe(1);
    expect(ex.responses[0].headers.get("connection")).toBe("close");
    expect(ex.responses[0].headers.get("content-length")).toBe(String(FILES["a.txt"].length));
    expect(ex.bytes.length).toBe(ex.responses[0].raw.length + 4);
    expect(ex.closed).toBe(true);
  });

  test("POST to a static file → 405 with Allow", async () => {
    const r = await request(server.port, "POST /a.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi");
    expect(r?.status).toBe(405);
    expect(r?.headers.get("allow")).toBe("GET, HEAD");
    expect(r?.body.toString()).toContain("POST");
  });
});

describe("closes came at once", () => {
  test("no connection of this file timed out: every close above followed its response, none waited for a deadline", async () => {
    const stats = (await (await fetch(`http://127.0.0.1:${server.port}/?stats`)).json()) as { timedOut: Record<string, number> };
    expect(stats.timedOut).toEqual({ "request-head": 0, body: 0, "keep-alive": 0, send: 0 });
  });
});
