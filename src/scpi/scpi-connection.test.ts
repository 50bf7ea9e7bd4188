/**
 * SCPI connections over a fake socket and a fake clock: backpressure, framing, deadlines, half-close, the close
 * that flushes or says why not, and what an error entry may quote. No network, no real time.
 */
import { describe, expect, test } from "bun:test";
import { printableAscii } from "./printable-text.ts";
import type { Handler, ScpiCommands } from "./scpi-commands.ts";
import { ScpiConnection, type ScpiCloseReason, type ScpiSocket } from "./scpi-connection.ts";
import { LINGER_MS, MAX_ERROR_DETAIL_CHARS, MAX_MESSAGES_PER_TURN } from "./scpi-limits.ts";
import { compile } from "./scpi-tree.ts";

const KEEPALIVE_MS = 3_000;

/** A socket whose kernel takes `room` bytes (Infinity: all), recording what was sent and how it was closed. */
class FakeSocket implements ScpiSocket {
  room = Infinity;
  sent = "";
  isEnded = false;
  isShut = false;
  isTerminated = false;
  isPaused = false;
  write(data: Uint8Array, offset = 0, length = data.length - offset): number {
    if (this.isEnded || this.isTerminated) return -1;
    const n = Math.min(length, this.room);
    this.room -= n;
    this.sent += Buffer.from(data.subarray(offset, offset + n)).toString("latin1");
    return n;
  }
  end() {
    this.isEnded = true;
  }
  shutdown() {
    this.isShut = true;
  }
  terminate() {
    this.isTerminated = true;
  }
  pause() {
    this.isPaused = true;
  }
  resume() {
    this.isPaused = false;
  }
  /** Sent lines so far, taken. */
  lines(): string[] {
    const complete = this.sent.slice(0, this.sent.lastIndexOf("\n") + 1);
    this.sent = this.sent.slice(complete.length);
    return complete === "" ? [] : complete.slice(0, -1).split("\n");
  }
}

function setup() {
  let now = 0;
  let pendingMs = 0;
  let runs = 0;
  const logs: string[] = [];
  const closed: ScpiCloseReason[] = [];
  const commands: ScpiCommands = {
    common: new Map<string, Handler>([
      ["*IDN?", () => `fake,idn,${++runs}`],
      ["*OPC?", () => "1"],
      ["*WAI", () => null],
    ]),
    tree: compile([{ path: "SYSTem:ERRor[:NEXT]", query: (c) => c.status.next() }]),
    pendingMs: () => pendingMs,
  };
  const socket = new FakeSocket();
  const c = new ScpiConnection(socket, "192.0.2.7", {
    commands,
    keepAliveMs: KEEPALIVE_MS,
    now: () => now,
    log: (l) => logs.push(l),
    onClosed: (_, r) => closed.push(r),
  });
  const send = (text: string | Uint8Array) => c.onData(typeof text === "string" ? Buffer.from(text, "latin1") : text);
  const at = (ms: number) => {
    now = ms;
    c.onTick(ms);
  };
  return { c, socket, send, at, logs, closed, setPending: (ms: number) => (pendingMs = ms), runs: () => runs };
}

describe("backpressure (STYLE rule 21)", () => {
  test("a reply the socket does not take stops the messages after it and pauses reading; drain resumes in order", () => {
    const { c, socket, send, runs } = setup();
    socket.room = 10;
    send("*IDN?\n*IDN?\n*IDN?\n");
    expect(c.state).toBe("sending");
    expect(socket.isPaused).toBe(true);
    expect(runs()).toBe(1); // nothing more run while a reply waits
    socket.room = Infinity;
    c.onDrain();
    expect(socket.lines()).toEqual(["fake,idn,1", "fake,idn,2", "fake,idn,3"]);
    expect(c.state).toBe("reading");
    expect(socket.isPaused).toBe(false);
  });

  test("spurious drains (pause/resume cause them) change nothing", () => {
    const { c, socket, send } = setup();
    send("*IDN?\n");
    c.onDrain();
    c.onDrain();
    expect(socket.lines()).toEqual(["fake,idn,1"]);
    expect(c.state).toBe("reading");
  });

  test("a client that takes no reply byte for the keep-alive time is cut, the reason logged; a slow reader is not", () => {
    const { c, socket, send, at, logs, closed } = setup();
    socket.room = 0;
    send("*IDN?\n*IDN?\n");
    at(KEEPALIVE_MS - 1);
    expect(c.state).toBe("sending");
    socket.room = 3; // it reads a little: the deadline moves
    c.onDrain();
    at(KEEPALIVE_MS + 10);
    expect(c.state).toBe("sending");
    at(2 * KEEPALIVE_MS);
    expect(c.state).toBe("closed");
    expect(socket.isTerminated).toBe(true);
    expect(closed).toEqual(["send-stalled"]);
    expect(logs).toEqual([`scpi 192.0.2.7: took no reply byte for 3 s (8 bytes unsent); closing the connection`]);
  });

  test(`at most ${MAX_MESSAGES_PER_TURN} messages run per turn of the event loop; the rest on the next turn`, async () => {
    const { c, socket, send, runs } = setup();
    send("*IDN?\n".repeat(300));
    expect(runs()).toBe(MAX_MESSAGES_PER_TURN);
    expect(c.state).toBe("yielding");
    expect(socket.isPaused).toBe(true);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(runs()).toBe(300);
    expect(socket.lines()).toHaveLength(300);
    expect([c.state, socket.isPaused]).toEqual(["reading", false]);
  });
});

describe("receive framing", () => {
  test("messages split at every byte give the same replies (LF, CR LF, compound)", () => {
    const { socket, send } = setup();
    for (const b of Buffer.from("*IDN?\r\n*IDN?;*IDN?\n\n*IDN?\n")) send(Uint8Array.of(b));
    expect(socket.lines()).toEqual(["fake,idn,1", "fake,idn,2;fake,idn,3", "fake,idn,4"]);
  });

  test("a message over 64 KiB: -363 logged, the replies before it still sent, then FIN", () => {
    const { c, socket, send, logs } = setup();
    send("*IDN?\n");
    for (let i = 0; i < 70; i++) send("X".repeat(1024));
    expect(socket.lines()).toEqual(["fake,idn,1"]);
    expect([c.state, socket.isShut]).toEqual(["lingering", true]);
    expect(logs).toEqual(['scpi 192.0.2.7: -363,"Input buffer overrun; a message over 65536 bytes"; closing the connection']);
  });

  test("a NUL byte: -101 logged, FIN", () => {
    const { c, socket, send, logs } = setup();
    send("*IDN?\0\n");
    expect([c.state, socket.isShut, socket.sent]).toEqual(["lingering", true, ""]);
    expect(logs[0]).toContain('-101,"Invalid character; a NUL byte');
  });
});

describe("deadlines on one clock", () => {
  test("idle: silent for the keep-alive time, FIN, then a linger; a reset-free close when the peer answers", () => {
    const { c, socket, send, at, logs, closed } = setup();
    send("*IDN?\n");
    at(KEEPALIVE_MS - 1);
    expect(c.state).toBe("reading");
    at(KEEPALIVE_MS);
    expect([c.state, socket.isShut]).toEqual(["lingering", true]);
    send("*IDN?\n"); // read and dropped
    expect(socket.lines()).toEqual(["fake,idn,1"]);
    c.onPeerEnd();
    expect([c.state, socket.isEnded, socket.isTerminated]).toEqual(["closed", true, false]);
    expect(closed).toEqual(["idle-timeout"]);
    expect(logs).toEqual(["scpi 192.0.2.7: silent for 3 s; closing the connection"]);
  });

  test("a linger the peer never answers ends in a reset", () => {
    const { c, socket, at } = setup();
    at(KEEPALIVE_MS);
    at(KEEPALIVE_MS + LINGER_MS);
    expect([c.state, socket.isTerminated]).toEqual(["closed", true]);
  });

  test("trickle: a message begun must end within the keep-alive time, however often bytes come", () => {
    const { c, send, at, logs, closed } = setup();
    send("*IDN?\nSYST");
    for (let t = 500; t < KEEPALIVE_MS; t += 500) {
      at(t);
      send(":");
    }
    expect(c.state).toBe("reading");
    at(KEEPALIVE_MS);
    expect(c.state).toBe("lingering");
    expect(closed).toEqual([]);
    expect(logs).toEqual([`scpi 192.0.2.7: a message still without its LF after 3 s (9 bytes); closing the connection`]);
  });

  test("*OPC? waits for the operation on the clock; the messages after it keep their order", () => {
    const { c, socket, send, at, setPending } = setup();
    setPending(500);
    send("*IDN?;*OPC?;*IDN?\n*IDN?\n");
    expect([c.state, socket.isPaused, socket.sent]).toEqual(["waiting", true, ""]);
    at(499);
    expect(c.state).toBe("waiting");
    setPending(0);
    at(500);
    expect(socket.lines()).toEqual(["fake,idn,1;1;fake,idn,2", "fake,idn,3"]);
    expect([c.state, socket.isPaused]).toEqual(["reading", false]);
  });
});

describe("half-close and the way out", () => {
  test("replies owed to a client that half-closes are sent, then the connection closes cleanly", () => {
    const { c, socket, send, closed } = setup();
    socket.room = 4;
    send("*IDN?\n*IDN?\n");
    c.onPeerEnd();
    expect(c.state).toBe("sending");
    socket.room = Infinity;
    c.onDrain();
    expect(socket.lines()).toEqual(["fake,idn,1", "fake,idn,2"]);
    expect([c.state, socket.isEnded, socket.isTerminated]).toEqual(["closed", true, false]);
    expect(closed).toEqual(["peer-closed"]);
  });

  test("a half-close during *OPC?: the 1 comes when the operation is over, then FIN", () => {
    const { c, socket, send, at, setPending } = setup();
    setPending(500);
    send("*OPC?\n");
    c.onPeerEnd();
    expect(c.state).toBe("waiting");
    setPending(0);
    at(500);
    expect(socket.lines()).toEqual(["1"]);
    expect([c.state, socket.isEnded]).toEqual(["closed", true]);
  });

  test("a message without its LF at the FIN is not run (a crashed client's half-written command)", () => {
    const { c, send, logs, runs } = setup();
    send("*IDN?");
    c.onPeerEnd();
    expect([c.state, runs()]).toEqual(["closed", 0]);
    expect(logs).toEqual(["scpi 192.0.2.7: 5 bytes without an LF at the client's FIN, not run"]);
  });

  test("close with replies still queued says how many bytes were dropped, and resets", () => {
    const { c, socket, send, logs, closed } = setup();
    socket.room = 0;
    send("*IDN?\n");
    c.close("server-stop");
    expect([socket.isTerminated, socket.isEnded]).toEqual([true, false]);
    expect(logs).toEqual(["scpi 192.0.2.7: closing with 11 bytes of replies unsent (server-stop)"]);
    expect(closed).toEqual(["server-stop"]);
    c.close("peer-closed"); // exactly once
    expect(closed).toEqual(["server-stop"]);
  });

  test("a refused newcomer gets its line, then FIN and a linger", () => {
    const { c, socket, closed } = setup();
    c.refuse(Buffer.from('101,"Device busy"\n'));
    expect(socket.lines()).toEqual(['101,"Device busy"']);
    expect([c.state, socket.isShut]).toEqual(["lingering", true]);
    c.onPeerEnd();
    expect(closed).toEqual(["refused"]);
  });
});

describe("what an error entry may quote", () => {
  test("control bytes, ESC, DEL and non-UTF-8 bytes escaped; a long text cut; the entry stays short", () => {
    const { socket, send } = setup();
    send(
      Buffer.concat([Buffer.from("MOT\x1bc2J\x07F\\OO\x7f\xff\xc3", "latin1"), Buffer.alloc(60_000, "A"), Buffer.from("\nSYST:ERR?\n")]),
    );
    const [entry] = socket.lines();
    expect(entry.startsWith('-101,"Invalid character; ""MOT\\x1bc2J\\x07F\\\\OO\\x7f\\xff\\xc3AAA')).toBe(true);
    expect(entry.endsWith('..."')).toBe(true);
    expect(entry.length).toBeLessThan(MAX_ERROR_DETAIL_CHARS + 40);
    expect(/^[\x20-\x7e]*$/.test(entry)).toBe(true);
  });

  test("printableAscii: whole escapes only, never over the bound", () => {
    expect(printableAscii("abc", 3)).toBe("abc");
    expect(printableAscii("abcd", 3)).toBe("...");
    expect(printableAscii("abcdefgh", 7)).toBe("abcd...");
    expect(printableAscii("ab\x1bcdefgh", 8)).toBe("ab...");
    expect(printableAscii("\u00b5s \u2013", 20)).toBe("\\xb5s ?");
    for (let max = 3; max < 20; max++) expect(printableAscii("\x1b\x1b\x1b\x1b\x1bxyz", max).length).toBeLessThanOrEqual(max);
  });
});
