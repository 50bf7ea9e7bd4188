/**
 * @module A connection's output queue (STYLE rule 12). Bun's `write()` never buffers: it returns the bytes the
 * kernel took (0 when full, -1 when closed). What it did not take waits here, as views (no copy), until `drain`.
 */

/** The part of a Bun socket the queue needs; tests pass a fake. */
export interface WritableSocket {
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
}

/** A connection's socket as a connection drives it (HTTP's and SCPI's alike): Bun's TCP socket, or a fake in tests. */
export interface StreamSocket extends WritableSocket {
  /** Closes; unsent bytes would be dropped, so only called with the send queue empty. */
  end(): void;
  /** Sends FIN but keeps reading (shutdown(2) of the write side). */
  shutdown(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}

interface Pending {
  readonly bytes: Uint8Array;
  offset: number; // next byte to send
  readonly end: number; // one past the last byte to send
}

/** Where the bytes the socket accepted are added up (the server's `bytesOut` counter). */
export interface SentBytesCounter {
  bytesOut: number;
}

export class SendQueue {
  readonly #counter: SentBytesCounter | null; // told of every byte the socket accepted
  #pending: Pending[] = []; // oldest first
  #queuedBytes = 0; // bytes waiting in #pending
  #isBroken = false; // write() said the socket is closed: drop everything from now on

  constructor(counter: SentBytesCounter | null = null) {
    this.#counter = counter;
  }

  get isEmpty(): boolean {
    return this.#pending.length === 0;
  }

  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Sends `bytes[start, end)` now as far as the socket takes it; keeps the rest, in order. */
  send(socket: WritableSocket, bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (this.#isBroken || start >= end) return;
    if (this.#pending.length === 0) {
      const n = socket.write(bytes, start, end - start);
      if (n < 0) {
        this.#isBroken = true;
        return;
      }
      if (this.#counter !== null) this.#counter.bytesOut += n;
      start += n;
      if (start === end) return;
    }
    this.#pending.push({ bytes, offset: start, end });
    this.#queuedBytes += end - start;
  }

  /**
   * Like `send`, for bytes in a buffer the caller reuses at once (a scratch buffer): what the socket does not take now
   * is copied before it is kept, so the caller may overwrite the buffer as soon as this returns.
   */
  sendTransient(socket: WritableSocket, bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (this.#isBroken || start >= end) return;
    // a copy, not `slice`: on a Buffer that is a view of the very bytes the caller will overwrite
    if (this.#pending.length > 0) return this.send(socket, new Uint8Array(bytes.subarray(start, end)));
    const n = socket.write(bytes, start, end - start);
    if (n < 0) {
      this.#isBroken = true;
      return;
    }
    if (this.#counter !== null) this.#counter.bytesOut += n;
    if (start + n < end) this.send(socket, new Uint8Array(bytes.subarray(start + n, end)));
  }

  /** Called on `drain`: writes queued bytes until the socket is full again. Returns the bytes sent. */
  flush(socket: WritableSocket): number {
    let sent = 0;
    while (this.#pending.length > 0) {
      const head = this.#pending[0];
      const n = socket.write(head.bytes, head.offset, head.end - head.offset);
      if (n < 0) {
        this.#isBroken = true;
        this.clear();
        break;
      }
      if (this.#counter !== null) this.#counter.bytesOut += n;
      head.offset += n;
      sent += n;
      this.#queuedBytes -= n;
      if (head.offset < head.end) break;
      this.#pending.shift();
    }
    return sent;
  }

  clear(): void {
    this.#pending = [];
    this.#queuedBytes = 0;
  }
}
