/** @module Tests of response-writer.ts: how many writes an answer takes, and that its bytes are intact. */
import { describe, expect, test } from "bun:test";
import { prebuiltReply } from "./reply.ts";
import { SCRATCH_BYTES, connectionLine, writeReply } from "./response-writer.ts";
import { SendQueue } from "./send-queue.ts";

/** A socket that takes everything and keeps each write apart. */
function recordingSocket(): { writes: Uint8Array[]; write(data: Uint8Array, offset?: number, length?: number): number } {
  const writes: Uint8Array[] = [];
  return {
    writes,
    write(data, offset = 0, length = data.length - offset) {
      writes.push(data.slice(offset, offset + length));
      return length;
    },
  };
}

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

function prebuilt(body: string) {
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`;
  return prebuiltReply(200, new Uint8Array(Buffer.from(head + body, "latin1")), head.length);
}

describe("writeReply with a prebuilt reply", () => {
  test("keep-alive HTTP/1.1: the prebuilt bytes in one write, as they are", () => {
    const socket = recordingSocket();
    writeReply(new SendQueue(), socket, prebuilt("hello"), false, connectionLine(true, false));
    expect(socket.writes.map(text)).toEqual(["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"]);
  });

  test("a close (a new connection per request) still leaves in one write, the Connection line before the blank line", () => {
    const socket = recordingSocket();
    const sent = writeReply(new SendQueue(), socket, prebuilt("hello"), false, connectionLine(false, true));
    expect(sent).toBe(5);
    expect(socket.writes.map(text)).toEqual([
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    ]);
  });

  test("HEAD with a Connection line: the head alone, one write", () => {
    const socket = recordingSocket();
    writeReply(new SendQueue(), socket, prebuilt("hello"), true, connectionLine(true, true));
    expect(socket.writes.map(text)).toEqual([
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\n",
    ]);
  });

  test("a socket that takes nothing now: each answer is kept as a copy, so the next one cannot overwrite it", () => {
    const writes: string[] = [];
    let isFull = true;
    const socket = {
      write(data: Uint8Array, offset = 0, length = data.length - offset) {
        if (isFull) return 0;
        writes.push(text(data.subarray(offset, offset + length)));
        return length;
      },
    };
    const queue = new SendQueue();
    writeReply(queue, socket, prebuilt("first"), false, connectionLine(false, false));
    writeReply(queue, socket, prebuilt("second"), false, connectionLine(false, false));
    isFull = false;
    queue.flush(socket);
    expect(writes).toEqual([
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfirst",
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecond",
    ]);
  });

  test("a body over the coalescing size: the head, then the body from the prebuilt bytes, intact", () => {
    const socket = recordingSocket();
    const body = "x".repeat(SCRATCH_BYTES + 1);
    writeReply(new SendQueue(), socket, prebuilt(body), false, connectionLine(false, false));
    expect(socket.writes.length).toBe(2);
    expect(text(socket.writes[0]).endsWith("Connection: close\r\n\r\n")).toBe(true);
    expect(text(socket.writes[1])).toBe(body);
  });
});
