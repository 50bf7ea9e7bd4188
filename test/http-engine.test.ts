/**
 * @module Black-box tests of the HTTP engine alone: an in-process HttpServer on 127.0.0.1, port 0, with a test
 * handler (one path throws) and an injected clock that the tests move forward to fire deadlines at once
 * (STYLE rule 19). Talks to it with literal bytes over TCP. Waits are for conditions (WAIT_MS), never for a time.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { HttpServer } from "../src/http/http-server.ts";
import { dynamicReply, prebuiltReply } from "../src/http/reply.ts";
import type { CloseReason, HttpRequest, Reply } from "../src/http/types.ts";
import { exchange, openSocket, parseResponses, Peer } from "./support/raw-client.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

interface Seen {
  method: string;
  isHead: boolean;
  target: string;
  path: string;
  query: string | null;
  version: number;
  body: string;
  accept: string | undefined;
  remoteAddress: string;
  connectionId: number;
}

const BIG_BODY_BYTES = 1024 * 1024;
const BIG_HEAD = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${BIG_BODY_BYTES}\r\n\r\n`;
const BIG = new Uint8Array(BIG_HEAD.length + BIG_BODY_BYTES);
BIG.set(Buffer.from(BIG_HEAD, "latin1"));
const HUGE_BODY_BYTES = 8 * 1024 * 1024; // more than loopback socket buffers hold: the send queue must keep some
const HUGE_HEAD = `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${HUGE_BODY_BYTES}\r\n\r\n`;
const HUGE = new Uint8Array(HUGE_HEAD.length + HUGE_BODY_BYTES);
HUGE.set(Buffer.from(HUGE_HEAD, "latin1"));

const seen: Seen[] = [];
const closes: { id: number; remoteAddress: string; reason: CloseReason }[] = [];
const accessLines: string[] = [];
const errorLines: string[] = [];
let clockOffsetMs = 0; // added to the real clock: moving it fires deadlines without waiting

function handler(request: HttpRequest): Reply {
  seen.push({
    method: request.method,
    isHead: request.isHead,
    target: request.target,
    path: request.path,
    query: request.query,
    version: request.version,
    body: Buffer.from(request.body).toString("latin1"),
    accept: request.header("accept"),
    remoteAddress: request.remoteAddress,
    connectionId: request.connectionId,
  });
  switch (request.path) {
    case "/throw":
      throw new Error("boom from the test handler");
    case "/big":
      return prebuiltReply(200, BIG, BIG_HEAD.length);
    case "/huge":
      return prebuiltReply(200, HUGE, HUGE_HEAD.length);
    case "/no-content":
      return dynamicReply(204, "X-Empty: yes\r\n", "ignored");
    default:
      return dynamicReply(
        200,
        "Content-Type: text/plain\r\n",
        `${request.method} ${request.target} [${Buffer.from(request.body).toString("latin1")}]`,
      );
  }
}

let server: HttpServer;
let port = 0;

beforeAll(() => {
  server = new HttpServer({
    host: "127.0.0.1",
    port: 0,
    keepAliveS: 5,
    maxConnections: 16,
    maxBodyBytes: 4096,
    handler,
    accessLog: (line) => accessLines.push(line),
    errorLog: (line) => errorLines.push(line),
    onConnectionClose: (id, remoteAddress, reason) => closes.push({ id, remoteAddress, reason }),
    now: () => performance.now() + clockOffsetMs,
  });
  port = server.start().port;
});

afterAll(async () => {
  await server?.stop();
});

async function closeReasonOf(predicate: (c: (typeof closes)[number]) => boolean): Promise<CloseReason | undefined> {
  await waitFor(() => closes.some(predicate));
  return closes.find(predicate)?.reason;
}

const get = (path: string, extra = "") => `GET ${path} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;

describe("handler failures", () => {
  test("a throwing handler gets the client a 500; the connection and the server keep working", async () => {
    const ex = await exchange(port, get("/throw") + get("/after"), { responses: 2 });
    expect(ex.responses.map((r) => r.status)).toEqual([500, 200]);
    expect(ex.responses[0].body.toString()).toContain("the request handler failed");
    expect(ex.responses[0].headers.get("content-length")).toBe(String(ex.responses[0].body.length));
    expect(ex.responses[1].body.toString()).toBe("GET /after []");
    expect(errorLines.some((l) => l.includes("GET /throw") && l.includes("boom from the test handler"))).toBe(true);
    const again = await exchange(port, get("/fresh"), { responses: 1 });
    expect(again.responses[0]?.status).toBe(200);
  });
});

describe("what the handler sees", () => {
  test("method, origin-form target, path, query, version, joined headers, plain IPv4 peer address", async () => {
    const before = seen.length;
    await exchange(port, "GET http://pi.local:60000/a/b?x=1&y HTTP/1.0\r\nAccept: text/html\r\nAccept: */*\r\n\r\n", { responses: 1 });
    const s = seen[before];
    expect(s).toMatchObject({
      method: "GET",
      isHead: false,
      target: "/a/b?x=1&y",
      path: "/a/b",
      query: "x=1&y",
      version: 10,
      accept: "text/html, */*",
      remoteAddress: "127.0.0.1",
    });
    await exchange(port, get("/?") + get("/plain"), { responses: 2 });
    expect(seen[before + 1]).toMatchObject({ path: "/", query: "" });
    expect(seen[before + 2]).toMatchObject({ path: "/plain", query: null, version: 11 });
    expect(seen[before + 1].connectionId).toBe(seen[before + 2].connectionId);
    expect(seen[before + 1].connectionId).not.toBe(s.connectionId);
  });

  test("a Content-Length body arriving in pieces is delivered whole", async () => {
    const ex = await exchange(port, "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhel", {
      pieces: [
        { data: "lo ", delayMs: 30 },
        { data: "world", delayMs: 30 },
      ],
      responses: 1,
    });
    expect(ex.responses[0]?.body.toString()).toBe("POST /echo [hello world]");
  });

  test("a chunked body with extensions and trailers is decoded, and the next pipelined request follows", async () => {
    const data =
      "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
      '5;x="y"\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n' +
      get("/next");
    const ex = await exchange(port, data, { responses: 2 });
    expect(ex.responses.map((r) => r.body.toString())).toEqual(["POST /echo [hello world]", "GET /next []"]);
  });

  test("Expect: 100-continue gets an interim 100 before the body is sent", async () => {
    const peer = await Peer.open(port);
    try {
      peer.socket.write("POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
      expect(await peer.until(() => peer.bytes.toString().includes("\r\n\r\n"))).toBe(true);
      expect(peer.bytes.toString()).toBe("HTTP/1.1 100 Continue\r\n\r\n");
      peer.socket.write("body");
      expect(await peer.until(() => peer.responses().length === 2)).toBe(true);
      expect(peer.responses()[1].body.toString()).toBe("POST /echo [body]");
    } finally {
      peer.socket.destroy();
    }
  });
  test("regression: Expect: 100-continue in an HTTP/1.0 request is ignored (RFC 9110 §10.1.1), no interim 100", async () => {
    const peer = await Peer.open(port);
    try {
      peer.socket.write("POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
      await Bun.sleep(300);
      expect(peer.bytes.toString()).toBe("");
      peer.socket.write("body");
      expect(await peer.until(() => peer.isClosed)).toBe(true);
      const responses = peer.responses();
      expect(responses.map((r) => r.status)).toEqual([200]);
      expect(responses[0].body.toString()).toBe("POST /echo [body]");
    } finally {
      peer.socket.destroy();
    }
  });
});

describe("replies", () => {
  test("HEAD of a dynamic reply: GET's Content-Length, no body", async () => {
    const ex = await exchange(port, `HEAD /same HTTP/1.1\r\nHost: a\r\n\r\n${get("/same")}`, { responses: 2, headMethods: [true, false] });
    const [head, full] = ex.responses;
    expect(seen.at(-2)?.isHead).toBe(true);
    // the handler saw HEAD and wrote its own body text; only the length must match GET's for the same target
    expect(head.headers.get("content-length")).toBe(String("HEAD /same []".length));
    expect(full.headers.get("content-length")).toBe(String(full.body.length));
    expect(ex.bytes.length).toBe(head.raw.length + 4 + full.raw.length + 4 + full.body.length);
  });

  test("204 carries neither Content-Length nor body", async () => {
    const ex = await exchange(port, get("/no-content") + get("/after"), { responses: 2 });
    expect(ex.responses[0].status).toBe(204);
    expect(ex.responses[0].headers.get("content-length")).toBeUndefined();
    expect(ex.responses[0].headers.get("x-empty")).toBe("yes");
    expect(ex.responses[1].body.toString()).toBe("GET /after []");
  });

  test("a prebuilt reply on a closing HTTP/1.0 connection gets Connection: close inserted in its head", async () => {
    const ex = await exchange(port, "GET /big HTTP/1.0\r\n\r\n", { idleMs: WAIT_MS }); // until the server closes
    expect(ex.responses.length).toBe(1);
    expect(ex.responses[0].headers.get("connection")).toBe("close");
    expect(ex.responses[0].headers.get("content-length")).toBe(String(BIG_BODY_BYTES));
    expect(ex.responses[0].body.length).toBe(BIG_BODY_BYTES);
    expect(ex.closed).toBe(true);
  });

  test("one access-log line per request: plain peer address, request line, status, body bytes", async () => {
    accessLines.length = 0;
    await exchange(port, get("/logged") + "BREW / HTTP/1.1\r\nHost: a\r\n\r\n", { responses: 2 });
    expect(accessLines[0]).toBe(`127.0.0.1 "GET /logged HTTP/1.1" 200 ${"GET /logged []".length}`);
    expect(accessLines[1]).toBe("127.0.0.1 (unknown-method) 501");
  });
});

describe("deadlines on the injected clock", () => {
  test("an idle keep-alive connection is closed once the clock passes the keep-alive time", async () => {
    const peer = await Peer.open(port);
    try {
      peer.socket.write(get("/idle"));
      expect(await peer.until(() => peer.responses().length === 1)).toBe(true);
      const id = seen.at(-1)!.connectionId;
      await Bun.sleep(300);
      expect(peer.isClosed).toBe(false);
      clockOffsetMs += 6_000; // past keepAliveS = 5
      expect(await closeReasonOf((c) => c.id === id)).toBe("idle-timeout");
      expect(await peer.until(() => peer.isClosed)).toBe(true);
      expect(peer.responses().length).toBe(1); // no 408 for an idle connection
    } finally {
      peer.socket.destroy();
    }
  });

  test("regression: stray CRLF after a body (RFC 9112 §2.2) leaves the connection idle: keep-alive close, no 408", async () => {
    const peer = await Peer.open(port);
    try {
      peer.socket.write("POST /stray HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok\r\n");
      expect(await peer.until(() => peer.responses().length === 1)).toBe(true);
      const id = seen.at(-1)!.connectionId;
      clockOffsetMs += 3_500; // past the 3 s request-head time, not yet the 5 s keep-alive
      await Bun.sleep(300);
      expect(peer.isClosed).toBe(false);
      clockOffsetMs += 3_000;
      expect(await closeReasonOf((c) => c.id === id)).toBe("idle-timeout");
      expect(peer.responses().map((r) => r.status)).toEqual([200]);
    } finally {
      peer.socket.destroy();
    }
  });

  test("a silent new connection gets 408 once the clock passes the first-request time", async () => {
    const peer = await Peer.open(port);
    try {
      await Bun.sleep(200);
      expect(peer.bytes.length).toBe(0);
      clockOffsetMs += 3_500;
      expect(await peer.until(() => peer.isClosed)).toBe(true);
      expect(peer.responses()[0]?.status).toBe(408);
    } finally {
      peer.socket.destroy();
    }
  });

  test("a reader that takes nothing for the send-stall time is cut off", async () => {
    const socket = connect({ host: "127.0.0.1", port });
    let isClosed = false;
    socket.on("close", () => {
      isClosed = true;
    });
    socket.on("error", () => {
      isClosed = true;
    });
    try {
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      const before = seen.length;
      socket.write(get("/big").repeat(16)); // 16 MiB: far more than the socket buffers hold
      socket.pause();
      expect(await waitFor(() => seen.length > before)).toBe(true);
      const id = seen[before].connectionId;
      await Bun.sleep(300);
      expect(closes.some((c) => c.id === id)).toBe(false);
      clockOffsetMs += 31_000;
      expect(await closeReasonOf((c) => c.id === id)).toBe("send-stalled");
      socket.resume();
      expect(await waitFor(() => isClosed)).toBe(true);
    } finally {
      socket.destroy();
    }
  });
  test("regression: a final response still queued when the request deadline passes gets no 408 appended", async () => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    let isClosed = false;
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("close", () => {
      isClosed = true;
    });
    socket.on("error", () => {
      isClosed = true;
    });
    try {
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      accessLines.length = 0;
      socket.write("GET /huge HTTP/1.0\r\n\r\n");
      socket.pause();
      expect(await waitFor(() => accessLines.length > 0)).toBe(true);
      clockOffsetMs += 4_000; // past the 3 s request deadline, well before the 30 s send stall
      await Bun.sleep(500); // five ticks (or fewer on a busy machine: then the test only proves less)
      socket.resume();
      await waitFor(() => isClosed);
      const bytes = Buffer.concat(chunks);
      expect(accessLines.filter((l) => l.includes("request-timeout"))).toEqual([]);
      expect(parseResponses(bytes).map((r) => r.status)).toEqual([200]);
      expect(bytes.length).toBe(HUGE.length + "Connection: close\r\n".length);
      expect(isClosed).toBe(true);
    } finally {
      socket.destroy();
    }
  });
});

describe("close reasons and stop", () => {
  test("a peer that goes away is reported as peer-closed", async () => {
    const peer = await Peer.open(port);
    peer.socket.write(get("/bye"));
    expect(await peer.until(() => peer.responses().length === 1)).toBe(true);
    const id = seen.at(-1)!.connectionId;
    peer.socket.end();
    expect(await closeReasonOf((c) => c.id === id)).toBe("peer-closed");
    expect(closes.find((c) => c.id === id)?.remoteAddress).toBe("127.0.0.1");
  });

  test("a request followed at once by FIN is still answered", async () => {
    const socket = await openSocket(port);
    const chunks: Buffer[] = [];
    socket.on("data", (d: Buffer) => chunks.push(d));
    const closed = new Promise<void>((resolve) => {
      socket.on("close", () => resolve());
      setTimeout(resolve, WAIT_MS);
    });
    socket.end(get("/half-close"));
    await closed;
    socket.destroy();
    expect(parseResponses(Buffer.concat(chunks))[0]?.body.toString()).toBe("GET /half-close []");
  });

  test("an idle connection evicted for a newcomer is reported as evicted; a refused one is never counted", async () => {
    const reasons: CloseReason[] = [];
    let skewMs = 0; // the injected clock lets the idle connection age past the 1 s eviction rule without waiting
    const small = new HttpServer({
      host: "127.0.0.1",
      port: 0,
      keepAliveS: 5,
      maxConnections: 1,
      maxBodyBytes: 16,
      handler,
      onConnectionClose: (_id, _address, reason) => reasons.push(reason),
      now: () => performance.now() + skewMs,
    });
    const smallPort = small.start().port;
    try {
      const first = await exchange(smallPort, get("/one"), { responses: 1 }); // closes its own socket
      expect(first.responses[0]?.status).toBe(200);
      const idle = await openSocket(smallPort);
      idle.write(get("/idle"));
      await Bun.sleep(150);
      skewMs = -60_000; // the clock held back: however late this process gets on, /idle was answered "just now"
      const tooSoon = await exchange(smallPort, get("/early"), { responses: 1 });
      expect(tooSoon.responses[0]?.status).toBe(503); // idle for less than 1 s: working, not evictable
      expect(reasons).not.toContain("evicted");
      skewMs = 1_100;
      const second = await exchange(smallPort, get("/two"), { responses: 1 });
      expect(second.responses[0]?.status).toBe(200);
      expect(reasons).toContain("evicted");
      const busy = await openSocket(smallPort);
      busy.write("GET /busy HTTP/1.1\r\nHo"); // mid-request: not evictable
      await Bun.sleep(150);
      const refused = await exchange(smallPort, get("/three"), { responses: 1 });
      expect(refused.responses[0]?.status).toBe(503);
      expect(small.connectionCount).toBe(1);
      idle.destroy();
      busy.destroy();
    } finally {
      await small.stop();
    }
  });

  test("stop() closes idle connections as server-stop and frees the port", async () => {
    const peer = await Peer.open(port);
    peer.socket.write(get("/last"));
    expect(await peer.until(() => peer.responses().length === 1)).toBe(true);
    const id = seen.at(-1)!.connectionId;
    await server.stop();
    expect(await closeReasonOf((c) => c.id === id)).toBe("server-stop"); // let go at once, not at its keep-alive end
    expect(await peer.until(() => peer.isClosed)).toBe(true);
    expect(server.connectionCount).toBe(0);
    const refused = await exchange(port, get("/"));
    expect(refused.responses.length).toBe(0);
    expect(refused.closed).toBe(true);
  });
});
