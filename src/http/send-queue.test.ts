/** @module Unit tests of the send queue against a fake socket that takes a set number of bytes per write. */
import { describe, expect, test } from "bun:test";
import { SendQueue, type WritableSocket } from "./send-queue.ts";

/** Accepts up to `capacity` bytes per write (0: full, -1: closed), recording what it took, in order. */
class FakeSocket implements WritableSocket {
  capacity: number;
  readonly received: number[] = [];
  writes = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  write(data: Uint8Array, byteOffset = 0, byteLength = data.length - byteOffset): number {
    this.writes++;
    if (this.capacity < 0) return -1;
    const n = Math.min(this.capacity, byteLength);
    for (let i = 0; i < n; i++) this.received.push(data[byteOffset + i]);
    return n;
  }

  text(): string {
    return Buffer.from(this.received).toString("latin1");
  }
}

const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));

describe("SendQueue", () => {
  test("a socket that takes everything: nothing is queued", () => {
    const socket = new FakeSocket(1 << 20);
    const queue = new SendQueue();
    queue.send(socket, bytesOf("hello "));
    queue.send(socket, bytesOf("world"));
    expect(queue.isEmpty).toBe(true);
    expect(queue.queuedBytes).toBe(0);
    expect(socket.text()).toBe("hello world");
  });

  test("send honours start and end, and an empty range writes nothing", () => {
    const socket = new FakeSocket(100);
    const queue = new SendQueue();
    queue.send(socket, bytesOf("xxHEADyy"), 2, 6);
    queue.send(socket, bytesOf("abc"), 2, 2);
    expect(socket.text()).toBe("HEAD");
    expect(socket.writes).toBe(1);
  });

  for (const perWrite of [1, 3, 7, 16]) {
    test(`partial writes of ${perWrite} bytes: order preserved, resumed on every flush`, () => {
      const socket = new FakeSocket(perWrite);
      const queue = new SendQueue();
      const parts = ["HTTP/1.1 200 OK\r\n\r\n", "first body ", "", "second", " and the third, a little longer"];
      const expected = parts.join("");
      for (const p of parts) queue.send(socket, bytesOf(p));
      expect(queue.queuedBytes).toBe(expected.length - Math.min(perWrite, parts[0].length));
      let flushes = 0;
      while (!queue.isEmpty && flushes < 1000) {
        const before = queue.queuedBytes;
        const sent = queue.flush(socket);
        expect(sent).toBeGreaterThan(0);
        expect(queue.queuedBytes).toBe(before - sent);
        flushes++;
      }
      expect(queue.isEmpty).toBe(true);
      expect(queue.queuedBytes).toBe(0);
      expect(socket.text()).toBe(expected);
    });
  }

  test("a full socket (0 bytes accepted) keeps everything queued; later sends wait behind it", () => {
    const socket = new FakeSocket(0);
    const queue = new SendQueue();
    queue.send(socket, bytesOf("one,"));
    const writesAfterFirst = socket.writes;
    queue.send(socket, bytesOf("two"));
    expect(socket.writes).toBe(writesAfterFirst); // nothing jumps the queue while bytes wait
    expect(queue.queuedBytes).toBe(7);
    expect(queue.flush(socket)).toBe(0);
    socket.capacity = 2;
    expect(queue.flush(socket)).toBe(2); // stops at the first partial write
    socket.capacity = 100;
    expect(queue.flush(socket)).toBe(5);
    expect(socket.text()).toBe("one,two");
    expect(queue.isEmpty).toBe(true);
  });

  test("queued views are not copied: the bytes sent are those of the buffer at flush time", () => {
    const socket = new FakeSocket(0);
    const queue = new SendQueue();
    const buf = bytesOf("abc");
    queue.send(socket, buf);
    buf[0] = 0x7a; // documents the no-copy contract: callers must not reuse a queued buffer
    socket.capacity = 10;
    queue.flush(socket);
    expect(socket.text()).toBe("zbc");
  });

  test("-1 on send breaks the queue: later sends are dropped", () => {
    const socket = new FakeSocket(-1);
    const queue = new SendQueue();
    queue.send(socket, bytesOf("lost"));
    expect(queue.isEmpty).toBe(true);
    const writes = socket.writes;
    socket.capacity = 100;
    queue.send(socket, bytesOf("also lost"));
    expect(socket.writes).toBe(writes);
    expect(queue.isEmpty).toBe(true);
    expect(socket.received.length).toBe(0);
  });

  test("-1 on flush drops everything queued and breaks the queue", () => {
    const socket = new FakeSocket(2);
    const queue = new SendQueue();
    queue.send(socket, bytesOf("abcdef"));
    queue.send(socket, bytesOf("ghi"));
    expect(queue.queuedBytes).toBe(7);
    socket.capacity = -1;
    expect(queue.flush(socket)).toBe(0);
    expect(queue.isEmpty).toBe(true);
    expect(queue.queuedBytes).toBe(0);
    socket.capacity = 100;
    queue.send(socket, bytesOf("jkl"));
    expect(queue.flush(socket)).toBe(0);
    expect(socket.text()).toBe("ab");
  });

  test("clear drops what is queued", () => {
    const socket = new FakeSocket(0);
    const queue = new SendQueue();
    queue.send(socket, bytesOf("abc"));
    queue.clear();
    expect(queue.isEmpty).toBe(true);
    expect(queue.queuedBytes).toBe(0);
    socket.capacity = 10;
    expect(queue.flush(socket)).toBe(0);
  });
});
