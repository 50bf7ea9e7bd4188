/** @module Unit tests of the receive buffer: growth within the limits, moves reported, consume, compaction, lending, release. */
import { describe, expect, test } from "bun:test";
import { MAX_HEAD_BYTES, MAX_TARGET_LENGTH, RECEIVE_BUFFER_INITIAL_BYTES, RECEIVE_SLACK_BYTES } from "./limits.ts";
import { ReceiveBuffer, receiveLimitBytes } from "./receive-buffer.ts";

const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));
const textOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString("latin1");
const filled = (n: number, byte = 0x61): Uint8Array => new Uint8Array(n).fill(byte);

describe("ReceiveBuffer", () => {
  test("holds no storage before the first byte (an unused connection costs no buffer)", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(1024));
    expect(b.capacity).toBe(0);
    expect(b.length).toBe(0);
    expect(b.unconsumed.length).toBe(0);
  });

  test("the limit is one maximal request line, head and body, plus the pipelining slack", () => {
    expect(receiveLimitBytes(1000)).toBe(MAX_TARGET_LENGTH + MAX_HEAD_BYTES + 1000 + RECEIVE_SLACK_BYTES);
    expect(new ReceiveBuffer(receiveLimitBytes(1000)).limitBytes).toBe(receiveLimitBytes(1000));
  });

  test("chunks are appended in order; the first allocation is the initial size", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(1024));
    expect(b.append(bytesOf("GET / HT"))).toBe(0);
    expect(b.append(bytesOf("TP/1.1\r\n"))).toBe(0);
    expect(textOf(b.unconsumed)).toBe("GET / HTTP/1.1\r\n");
    expect(b.capacity).toBe(RECEIVE_BUFFER_INITIAL_BYTES);
    expect([b.start, b.end, b.length]).toEqual([0, 16, 16]);
  });

  test("consume drops a prefix; consuming more than is held is a programmer error", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(1024));
    b.append(bytesOf("abcdef"));
    b.consume(2);
    expect(textOf(b.unconsumed)).toBe("cdef");
    expect(b.start).toBe(2);
    expect(() => b.consume(5)).toThrow();
    expect(() => b.consume(-1)).toThrow();
    b.consume(4);
    expect(b.length).toBe(0);
  });

  test("a chunk that does not fit behind the unconsumed bytes moves them to the front and says how far", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(1024));
    const cap = RECEIVE_BUFFER_INITIAL_BYTES;
    b.append(filled(cap - 10));
    b.append(bytesOf("0123456789")); // exactly full
    b.consume(cap - 10);
    expect(b.append(bytesOf("abc"))).toBe(cap - 10); // live "0123456789" moved down, same storage
    expect(b.capacity).toBe(cap);
    expect([b.start, b.end]).toEqual([0, 13]);
    expect(textOf(b.unconsumed)).toBe("0123456789abc");
  });

  test("growth doubles, keeps the unconsumed bytes, and never passes the limit", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(64 * 1024));
    b.append(filled(RECEIVE_BUFFER_INITIAL_BYTES, 0x78));
    b.consume(1);
    expect(b.append(bytesOf("yz"))).toBe(1); // 2049 live bytes: a bigger allocation, the live ones at its front
    expect(b.capacity).toBe(RECEIVE_BUFFER_INITIAL_BYTES * 2);
    expect(b.length).toBe(RECEIVE_BUFFER_INITIAL_BYTES + 1);
    expect(textOf(b.unconsumed.subarray(b.length - 3))).toBe("xyz");
    while (b.length + 4096 <= b.limitBytes) b.append(filled(4096));
    expect(b.capacity).toBeLessThanOrEqual(b.limitBytes);
  });

  test("a chunk that would pass the limit is refused whole and changes nothing (a flood)", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(0));
    b.append(filled(b.limitBytes - 3));
    b.consume(1);
    const before = { start: b.start, end: b.end, capacity: b.capacity };
    expect(b.append(filled(5))).toBe("over-limit");
    expect({ start: b.start, end: b.end, capacity: b.capacity }).toEqual(before);
    expect(b.append(filled(4))).toBe(1); // exactly the limit unconsumed: accepted
    expect(b.length).toBe(b.limitBytes);
  });

  test("compact rewinds to the front only when everything was consumed", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(1024));
    b.append(bytesOf("GET / HTTP/1.1\r\n\r\nGET"));
    b.consume(18);
    b.compact(true);
    expect([b.start, b.end]).toEqual([18, 21]); // a partial request stays where it is: no copy
    b.consume(3);
    b.compact(true);
    expect([b.start, b.end]).toEqual([0, 0]);
    expect(b.capacity).toBe(RECEIVE_BUFFER_INITIAL_BYTES); // small storage is kept for the next request
  });

  test("a body-sized allocation is given back when idle and empty, kept otherwise", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(64 * 1024));
    b.append(filled(20_000));
    const grown = b.capacity;
    expect(grown).toBeGreaterThan(RECEIVE_BUFFER_INITIAL_BYTES * 4);
    b.consume(20_000);
    b.compact(false); // e.g. responding: the connection is not idle
    expect(b.capacity).toBe(grown);
    b.compact(true);
    expect(b.capacity).toBe(0);
    expect(b.append(bytesOf("next"))).toBe(0);
    expect(b.capacity).toBe(RECEIVE_BUFFER_INITIAL_BYTES);
    expect(textOf(b.unconsumed)).toBe("next");
  });

  test("a chunk lent with nothing held is used in place, and let go by compact once consumed: no storage at all", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(1024));
    const chunk = Buffer.from("GET / HTTP/1.1\r\n\r\n", "latin1");
    expect(b.lend(chunk)).toBe(0);
    expect(b.bytes).toBe(chunk);
    expect([b.isLent, b.start, b.end, b.capacity]).toEqual([true, 0, 18, 0]);
    b.consume(18);
    b.compact(true);
    expect([b.isLent, b.start, b.end, b.capacity]).toEqual([false, 0, 0, 0]);
    expect(b.keep()).toBe(0);
  });

  test("keep copies a lent chunk's unconsumed rest to the front of its own storage and says how far it moved", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(1024));
    const chunk = Buffer.from("GET / HTTP/1.1\r\n\r\nGET /n", "latin1");
    b.lend(chunk);
    b.consume(18);
    b.compact(true); // a partial request: nothing to let go yet
    expect(b.isLent).toBe(true);
    expect(b.keep()).toBe(18);
    chunk.fill(0x7a); // the socket's chunk is no longer looked at
    expect([b.isLent, b.start, b.end, b.capacity]).toEqual([false, 0, 6, RECEIVE_BUFFER_INITIAL_BYTES]);
    expect(textOf(b.unconsumed)).toBe("GET /n");
    expect(b.lend(Buffer.from(" HTTP/1.1", "latin1"))).toBe(0); // something held: appended, not lent
    expect(b.isLent).toBe(false);
    expect(textOf(b.unconsumed)).toBe("GET /n HTTP/1.1");
  });

  test("a lent chunk must be kept before the next append; one over the limit is refused as by append", () => {
    const b = new ReceiveBuffer(receiveLimitBytes(0));
    b.lend(Buffer.from("abc"));
    expect(() => b.append(bytesOf("d"))).toThrow();
    b.keep();
    b.consume(3);
    b.compact(true);
    expect(b.lend(Buffer.alloc(b.limitBytes + 1))).toBe("over-limit");
    expect([b.isLent, b.length]).toEqual([false, 0]);
  });
});
