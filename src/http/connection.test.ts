/**
 * @module Unit tests of Connection over a fake socket and a fake clock (STYLE rules 11, 19): no TCP, no timers. The
 * test drives the socket's events (data, drain, end, close) and the deadline tick, and chooses how many bytes each
 * write is taken, so partial writes and backpressure are exact.
 */
import { describe, expect, test } from "bun:test";
import { parseResponses, type ParsedResponse } from "../../test/support/raw-client.ts";
import { Connection, type ConnectionContext, type ConnectionSocket } from "./connection.ts";
import { FIRST_REQUEST_TIMEOUT_MS, LINGER_MS, RECEIVE_BUFFER_INITIAL_BYTES } from "./limits.ts";
import { dynamicReply } from "./reply.ts";
import { ServerStats } from "./server-stats.ts";
import type { CloseReason, HttpRequest } from "./types.ts";

const KEEPALIVE_MS = 5_000;

/** The socket surface Connection uses. `room` is how many more bytes the kernel takes before it is full (write → 0). */
class FakeSocket implements ConnectionSocket {
  room = Number.POSITIVE_INFINITY;
  readonly sent: number[] = []; // every byte written, in order
  readonly calls: string[] = []; // end, shutdown, terminate, pause, resume, in order
  isPaused = false;

  write(data: Uint8Array, byteOffset = 0, byteLength = data.length - byteOffset): number {
    if (this.calls.includes("end") || this.calls.includes("terminate")) return -1;
    const n = Math.min(this.room, byteLength);
    for (let i = 0; i < n; i++) this.sent.push(data[byteOffset + i]);
    this.room -= n;
    return n;
  }

  end(): void {
    this.calls.push("end");
  }
  shutdown(): void {
    this.calls.push("shutdown");
  }
  terminate(): void {
    this.calls.push("terminate");
  }
  pause(): void {
    this.calls.push("pause");
    this.isPaused = true;
  }
  resume(): void {
    this.calls.push("resume");
    this.isPaused = false;
  }

  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }

  responses(): ParsedResponse[] {
    return parseResponses(Buffer.from(this.sent));
  }

  bytesSent(): number {
    return this.sent.length;
  }
}

/** A connection with a fake socket, a fake clock and a handler that echoes the target, the X-Tag header and the body. */
function harness(options: { maxBodyBytes?: number; keepAliveMs?: number } = {}) {
  const clock = { now: 1_000_000 };
  const handled: string[] = [];
  const closes: CloseReason[] = [];
  const errors: string[] = [];
  const stats = new ServerStats(16, clock.now);
  const context: ConnectionContext = {
    handler: (request: HttpRequest) => {
      handled.push(request.target);
      const body = Buffer.from(request.body).toString("latin1");
      return dynamicReply(200, "Content-Type: text/plain\r\n", `${request.target}|${request.header("x-tag") ?? "-"}|${body}`);
    },
    keepAliveMs: options.keepAliveMs ?? KEEPALIVE_MS,
    maxBodyBytes: options.maxBodyBytes ?? 4096,
    now: () => clock.now,
    accessLog: null,
    errorLog: (line) => errors.push(line),
    isStopping: () => false,
    stats,
    onRefused: () => {},
    onClosed: (_connection, reason) => closes.push(reason),
  };
  const socket = new FakeSocket();
  const connection = new Connection(7, socket, "192.0.2.1", context);
  const send = (text: string) => connection.onData(Buffer.from(text, "latin1"));
  /** Moves the clock and runs the tick as the server does (only when the deadline is due). */
  const advance = (ms: number) => {
    clock.now += ms;
    if (clock.now >= connection.deadlineAt) connection.onTick(clock.now);
  };
  return { clock, handled, closes, errors, stats, socket, connection, send, advance };
}

const get = (target: string, extra = "") => `GET ${target} HTTP/1.1\r\nHost: a\r\n${extra}\r\n`;
const bodies = (responses: ParsedResponse[]) => responses.map((r) => r.body.toString("latin1"));

describe("Connection: split requests", () => {
  const post = "POST /p HTTP/1.1\r\nHost: a\r\nX-Tag: t1\r\nContent-Length: 11\r\n\r\nhello world";
  const chunked = "POST /c HTTP/1.1\r\nHost: a\r\nX-Tag: t2\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";

  for (const [name, request, expected] of [
    ["Content-Length", post, "/p|t1|hello world"],
    ["chunked", chunked, "/c|t2|hello world"],
  ]) {
    test(`a ${name} request split at every byte boundary is answered once`, () => {
      for (let i = 1; i < request.length; i++) {
        const h = harness();
        h.send(request.slice(0, i));
        expect(h.handled).toEqual([]);
        h.send(request.slice(i));
        expect(h.handled).toEqual([request.includes("chunked") ? "/c" : "/p"]);
        expect(bodies(h.socket.responses())).toEqual([expected]);
        expect(h.connection.state).toBe("awaiting-request");
        expect(h.closes).toEqual([]);
      }
    });

    test(`a ${name} request sent one byte at a time is answered once`, () => {
      const h = harness();
      for (const c of request) h.send(c);
      expect(bodies(h.socket.responses())).toEqual([expected]);
      expect(h.handled.length).toBe(1);
    });
  }

  // The second piece never fits behind the first in the initial buffer, so the unconsumed bytes move (or the buffer
  // grows) while a head is already parsed: its header offsets and the body offset must move with them.
  test("a pipeline split at every byte boundary across a receive-buffer move keeps headers and bodies intact", () => {
    const body = "b".repeat(RECEIVE_BUFFER_INITIAL_BYTES - 100);
    const first = get("/first", "X-Tag: one\r\n");
    const second = `POST /second HTTP/1.1\r\nHost: a\r\nX-Tag: two\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const third = `POST /third HTTP/1.1\r\nHost: a\r\nX-Tag: three\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`;
    const stream = first + second + third;
    expect(stream.length).toBeGreaterThan(RECEIVE_BUFFER_INITIAL_BYTES);
    for (let i = 1; i < stream.length; i++) {
      const h = harness();
      h.send(stream.slice(0, i));
      h.send(stream.slice(i));
      expect(h.handled).toEqual(["/first", "/second", "/third"]);
      expect(bodies(h.socket.responses())).toEqual(["/first|one|", `/second|two|${body}`, "/third|three|abc"]);
    }
  });
});

describe("Connection: the shared field table (issue 22)", () => {
  // Every head's field offsets live in one table: a head whose body arrives later finds it taken by another
  // connection's parse, and must parse its own head again before its handler reads a header.
  for (const [name, framing, body] of [
    ["Content-Length", "Content-Length: 11\r\n", "hello world"],
    ["chunked", "Transfer-Encoding: chunked\r\n", "b\r\nhello world\r\n0\r\n\r\n"],
  ]) {
    test(`a ${name} body completed after another connection's request still reads its own headers`, () => {
      const a = harness();
      const b = harness();
      a.send(`POST /a HTTP/1.1\r\nHost: a\r\nX-Filler: ${"f".repeat(40)}\r\nX-Tag: mine\r\n${framing}\r\n${body.slice(0, 5)}`);
      b.send(get("/b", "X-Tag: other\r\nX-More: 1\r\n"));
      a.send(body.slice(5));
      expect(bodies(b.socket.responses())).toEqual(["/b|other|"]);
      expect(bodies(a.socket.responses())).toEqual(["/a|mine|hello world"]);
    });
  }
});

describe("Connection: pipelining and backpressure", () => {
  test("pipelined requests in one chunk are answered in order", () => {
    const h = harness();
    h.send(get("/1") + get("/2") + get("/3"));
    expect(h.handled).toEqual(["/1", "/2", "/3"]);
    expect(bodies(h.socket.responses())).toEqual(["/1|-|", "/2|-|", "/3|-|"]);
    expect(h.stats.requests).toBe(3);
    expect(h.connection.requestCount).toBe(3);
  });

  test("a reply the socket takes partially is completed on drain; reading pauses and no further request is answered meanwhile", () => {
    const h = harness();
    h.socket.room = 20;
    h.send(get("/1") + get("/2"));
    expect(h.handled).toEqual(["/1"]); // /2 waits: the queue is not empty
    expect(h.connection.state).toBe("responding");
    expect(h.connection.deadlineKind).toBe("send");
    expect(h.socket.isPaused).toBe(true);
    expect(h.socket.bytesSent()).toBe(20);

    h.send(get("/3")); // a chunk already on its way when reading paused: held, not answered
    expect(h.handled).toEqual(["/1"]);

    h.socket.room = 10; // a drain that still does not empty the queue
    h.connection.onDrain();
    expect(h.socket.bytesSent()).toBe(30);
    expect(h.handled).toEqual(["/1"]);
    expect(h.socket.isPaused).toBe(true);

    h.socket.room = Number.POSITIVE_INFINITY;
    h.connection.onDrain();
    expect(h.socket.isPaused).toBe(false);
    expect(h.socket.count("resume")).toBe(1);
    expect(h.handled).toEqual(["/1", "/2", "/3"]);
    expect(bodies(h.socket.responses())).toEqual(["/1|-|", "/2|-|", "/3|-|"]);
    expect(h.connection.state).toBe("awaiting-request");
    expect(h.connection.deadlineKind).toBe("keep-alive");
  });

  test("a drain while the socket is still full changes nothing", () => {
    const h = harness();
    h.socket.room = 5;
    h.send(get("/1") + get("/2"));
    h.socket.room = 0;
    h.connection.onDrain();
    expect(h.handled).toEqual(["/1"]);
    expect(h.connection.state).toBe("responding");
    expect(h.socket.isPaused).toBe(true);
  });

  test("a bad request after good ones lets the good answers out first, then its 400, then closes", () => {
    const h = harness();
    h.send(get("/a") + get("/b") + "BROKEN\r\n\r\n" + get("/never"));
    expect(h.handled).toEqual(["/a", "/b"]);
    const responses = h.socket.responses();
    expect(responses.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(responses[2].headers.get("connection")).toBe("close");
    expect(h.connection.state).toBe("lingering");
    h.connection.onPeerEnd();
    expect(h.closes).toEqual(["done"]);
    expect(h.socket.calls.slice(-2)).toEqual(["shutdown", "end"]);
  });

  test("a bad request after good ones whose answers wait for drain: all three go out in order before the FIN", () => {
    const h = harness();
    h.socket.room = 10;
    h.send(get("/a") + get("/b") + "BROKEN\r\n\r\n");
    expect(h.handled).toEqual(["/a"]); // the rest waits behind the queued answer
    h.socket.room = Number.POSITIVE_INFINITY;
    h.connection.onDrain();
    expect(h.handled).toEqual(["/a", "/b"]);
    expect(h.socket.responses().map((r) => r.status)).toEqual([200, 200, 400]);
    expect(h.socket.count("shutdown")).toBe(1);
    expect(h.connection.state).toBe("lingering");
  });
});

describe("Connection: deadlines (fake clock)", () => {
  test("the first-request deadline answers 408 and closes after the linger", () => {
    const h = harness();
    expect(h.connection.deadlineKind).toBe("request-head");
    h.send("GET /slow HTTP/1.1\r\nHo"); // a head begun but never finished
    h.advance(FIRST_REQUEST_TIMEOUT_MS - 1);
    expect(h.socket.bytesSent()).toBe(0);
    h.advance(1);
    expect(h.socket.responses().map((r) => r.status)).toEqual([408]);
    expect(h.stats.timedOut["request-head"]).toBe(1);
    expect(h.connection.state).toBe("lingering");
    expect(h.closes).toEqual([]);
    h.advance(LINGER_MS);
    expect(h.closes).toEqual(["done"]);
    expect(h.socket.count("terminate")).toBe(1); // the peer never answered our FIN
  });

  test("the keep-alive deadline closes an idle connection as idle-timeout, with a FIN", () => {
    const h = harness();
    h.send(get("/1"));
    expect(h.connection.deadlineKind).toBe("keep-alive");
    expect(h.connection.deadlineAt).toBe(h.clock.now + KEEPALIVE_MS);
    h.advance(KEEPALIVE_MS - 1);
    expect(h.closes).toEqual([]);
    h.advance(1);
    expect(h.closes).toEqual(["idle-timeout"]);
    expect(h.stats.timedOut["keep-alive"]).toBe(1);
    expect(h.connection.state).toBe("closed");
    expect(h.socket.calls).toEqual(["end"]);
  });

  test("a new request begun on a keep-alive connection is on the request-head deadline from its first byte", () => {
    const h = harness();
    h.send(get("/1"));
    h.advance(KEEPALIVE_MS - 100);
    h.send("GET /2 HTTP/1.1\r\n");
    expect(h.connection.deadlineKind).toBe("request-head");
    expect(h.connection.deadlineAt).toBe(h.clock.now + FIRST_REQUEST_TIMEOUT_MS);
    h.advance(200); // past the old keep-alive deadline: nothing happens
    expect(h.closes).toEqual([]);
    h.send("Host: a\r\n\r\n");
    expect(h.handled).toEqual(["/1", "/2"]);
  });
});

describe("Connection: lingering close", () => {
  test("after Connection: close with nothing more received, it closes at once with a FIN: nothing to linger for", () => {
    const h = harness();
    h.send(get("/bye", "Connection: close\r\n"));
    const [answer] = h.socket.responses();
    expect(answer.headers.get("connection")).toBe("close");
    expect(h.connection.state).toBe("closed");
    expect(h.closes).toEqual(["done"]);
    expect(h.socket.calls).toEqual(["end"]); // a FIN after the whole answer, never a reset
  });

  test("after Connection: close with more bytes already here (a pipelining client), it lingers: input dropped, closed on FIN", () => {
    const h = harness();
    h.send(get("/bye", "Connection: close\r\n") + get("/ignored"));
    expect(h.connection.state).toBe("lingering");
    expect(h.connection.isLingering).toBe(true);
    expect(h.connection.deadlineKind).toBe("linger");
    expect(h.connection.evictableAs(h.clock.now)).toBe("lingering");
    expect(h.socket.calls).toEqual(["shutdown"]);
    h.send(get("/ignored-too")); // read and dropped, never answered
    h.connection.onDrain();
    expect(h.handled).toEqual(["/bye"]);
    expect(h.closes).toEqual([]);
    h.connection.onPeerEnd();
    expect(h.connection.state).toBe("closed");
    expect(h.closes).toEqual(["done"]);
    expect(h.socket.calls).toEqual(["shutdown", "end"]);
  });

  test("a final answer written partially drains first; input that came meanwhile makes it linger, closed when the linger is over", () => {
    const h = harness();
    h.socket.room = 8;
    h.send(get("/bye", "Connection: close\r\n"));
    expect(h.connection.state).toBe("draining");
    expect(h.socket.calls).toEqual([]); // no FIN while bytes are unsent
    h.send(get("/late")); // dropped: the final answer is being given
    h.socket.room = Number.POSITIVE_INFINITY;
    h.connection.onDrain();
    expect(h.connection.state).toBe("lingering");
    expect(h.socket.calls).toEqual(["shutdown"]);
    expect(bodies(h.socket.responses())).toEqual(["/bye|-|"]);
    h.advance(LINGER_MS - 1);
    expect(h.closes).toEqual([]);
    h.advance(1);
    expect(h.closes).toEqual(["done"]);
    expect(h.socket.calls).toEqual(["shutdown", "terminate"]);
  });

  test("a final answer written partially, nothing more received: drained, then closed at once with a FIN", () => {
    const h = harness();
    h.socket.room = 8;
    h.send(get("/bye", "Connection: close\r\n"));
    expect(h.connection.state).toBe("draining");
    h.socket.room = Number.POSITIVE_INFINITY;
    h.connection.onDrain();
    expect(bodies(h.socket.responses())).toEqual(["/bye|-|"]);
    expect(h.closes).toEqual(["done"]);
    expect(h.socket.calls).toEqual(["end"]);
  });

  test("a peer that half-closed while its final answer drains: closed with a FIN once the answer is out", () => {
    const h = harness();
    h.socket.room = 8;
    h.send(get("/bye", "Connection: close\r\n"));
    h.connection.onPeerEnd();
    expect(h.connection.state).toBe("draining");
    h.socket.room = Number.POSITIVE_INFINITY;
    h.connection.onDrain();
    expect(h.closes).toEqual(["done"]);
    expect(h.socket.calls).toEqual(["end"]); // FIN after the whole answer, no reset, no linger wait
  });

  test("a peer that half-closed before its answer on a keep-alive connection: answered, then closed", () => {
    const h = harness();
    h.socket.room = 8;
    h.send(get("/last"));
    h.connection.onPeerEnd();
    expect(h.closes).toEqual([]); // the answer is still queued
    h.socket.room = Number.POSITIVE_INFINITY;
    h.connection.onDrain();
    expect(bodies(h.socket.responses())).toEqual(["/last|-|"]);
    expect(h.closes).toEqual(["peer-closed"]);
  });
});

describe("Connection: close(reason) is reported exactly once", () => {
  test("whatever arrives after close, and close called again, the server hears of it once", () => {
    const h = harness();
    h.send(get("/1"));
    h.connection.close("server-stop");
    h.connection.close("evicted");
    h.connection.onSocketClosed();
    h.connection.onPeerEnd();
    h.connection.onDrain();
    h.send(get("/2"));
    h.connection.drainThenClose();
    h.advance(60_000);
    expect(h.closes).toEqual(["server-stop"]);
    expect(h.handled).toEqual(["/1"]);
    expect(h.socket.count("end") + h.socket.count("terminate")).toBe(1);
  });

  test("lingering, then the peer's FIN, then the socket's close event: one close, as done", () => {
    const h = harness();
    h.send(get("/bye", "Connection: close\r\n"));
    h.connection.onPeerEnd();
    h.connection.onSocketClosed();
    h.advance(LINGER_MS);
    expect(h.closes).toEqual(["done"]);
  });

  test("a reset while an answer is queued: one close, as peer-closed, and the unsent bytes are dropped", () => {
    const h = harness();
    h.socket.room = 3;
    h.send(get("/1"));
    h.connection.onSocketClosed();
    h.connection.onDrain();
    expect(h.closes).toEqual(["peer-closed"]);
    expect(h.socket.count("terminate")).toBe(1);
    expect(h.socket.bytesSent()).toBe(3);
  });
});
