/**
 * @module A connection's receive buffer: bytes [start, end) of one growable Buffer are received and not yet consumed.
 * It grows up to a limit (for HTTP one maximal request plus slack, `receiveLimitBytes`), moves the unconsumed bytes to
 * the front at most once per chunk, and gives a large allocation back when the connection is idle (issue 11). A chunk
 * that arrives with nothing held may be lent instead of copied (`lend`, then `keep`), so a request that comes whole and
 * is answered at once costs no storage at all (issue 22). Generic over the protocol: the SCPI server frames its lines
 * in the same buffer.
 */
import { MAX_HEAD_BYTES, MAX_TARGET_LENGTH, RECEIVE_BUFFER_INITIAL_BYTES, RECEIVE_SLACK_BYTES } from "./limits.ts";

/**
 * Shared zero-length storage: a buffer allocates its own only when bytes arrive (refused and unused connections
 * never do: an accept storm and a browser's speculative connections cost no buffer).
 */
const NO_STORAGE = Buffer.alloc(0);

/** The most bytes a connection may hold unconsumed: one maximal request line, head and body, plus pipelining slack. */
export function receiveLimitBytes(maxBodyBytes: number): number {
  return MAX_TARGET_LENGTH + MAX_HEAD_BYTES + maxBodyBytes + RECEIVE_SLACK_BYTES;
}

/**
 * What `append` did, like the parser's result (a number or a code, no allocation): how far the unconsumed bytes moved
 * down (usually 0), or "over-limit" when the chunk is refused whole because they would pass the limit (a flood).
 */
export type AppendResult = number | "over-limit";

export class ReceiveBuffer {
  readonly limitBytes: number; // most unconsumed bytes held at once
  readonly #initialBytes: number; // the first allocation; doubled from here
  readonly #releaseAboveBytes: number; // storage beyond this is given back when idle (the next bytes allocate anew)
  #storage: Buffer = NO_STORAGE; // this buffer's own allocation
  #bytes: Buffer = NO_STORAGE; // what the offsets index into: #storage, or a chunk lent until `keep()`
  #start = 0; // first unconsumed byte
  #end = 0; // one past the last received byte

  constructor(limitBytes: number, initialBytes = RECEIVE_BUFFER_INITIAL_BYTES) {
    this.limitBytes = limitBytes;
    this.#initialBytes = initialBytes;
    this.#releaseAboveBytes = initialBytes * 4;
  }

  /** The storage. Offsets into it (`start`, `end`, a parser's) stay valid until the next `append` moves them. */
  get bytes(): Buffer {
    return this.#bytes;
  }

  get start(): number {
    return this.#start;
  }

  get end(): number {
    return this.#end;
  }

  /** Unconsumed bytes held. */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Bytes of storage allocated (0 before the first byte and after a release; a lent chunk is not counted). */
  get capacity(): number {
    return this.#storage.length;
  }

  /** Whether the bytes are a lent chunk, not yet kept. */
  get isLent(): boolean {
    return this.#bytes !== this.#storage;
  }

  /** The unconsumed bytes as a view (allocates a view object: for tests and rare paths, not the request loop). */
  get unconsumed(): Uint8Array {
    return this.#bytes.subarray(this.#start, this.#end);
  }

  /**
   * Appends a chunk after the unconsumed bytes. When it does not fit behind them, they move to the front first (into a
   * bigger allocation if needed, doubling from the initial size up to the limit), and every offset into
   * the buffer held elsewhere must move down by the number returned. Nothing changes when it is "over-limit".
   */
  append(chunk: Uint8Array): AppendResult {
    if (this.isLent) throw new Error("receive buffer: append while a chunk is lent (keep() first)");
    let movedBy = 0;
    const needed = this.#end + chunk.length;
    if (needed > this.#bytes.length) {
      const live = this.#end - this.#start;
      if (live + chunk.length > this.limitBytes) return "over-limit";
      if (live + chunk.length <= this.#bytes.length) {
        this.#bytes.copyWithin(0, this.#start, this.#end);
      } else {
        const size = Math.max(live + chunk.length, this.#bytes.length * 2, this.#initialBytes);
        const bigger = Buffer.allocUnsafe(Math.min(this.limitBytes, size));
        this.#bytes.copy(bigger, 0, this.#start, this.#end);
        this.#bytes = this.#storage = bigger;
      }
      movedBy = this.#start;
      this.#start = 0;
      this.#end = live;
    }
    this.#bytes.set(chunk, this.#end);
    this.#end += chunk.length;
    return movedBy;
  }

  /**
   * Like `append`, but with nothing held the chunk itself becomes the bytes, uncopied, until `keep()`, which the caller
   * must call before the socket event ends: the chunk is only lent (the socket gives a fresh one per event, but the
   * caller may not know who else holds it). Offsets into the bytes start at 0 as after any move; returns what `append`
   * would when something is held already.
   */
  lend(chunk: Buffer): AppendResult {
    if (this.#end !== this.#start || chunk.length > this.limitBytes) return this.append(chunk);
    this.#bytes = chunk;
    this.#start = 0;
    this.#end = chunk.length;
    return 0;
  }

  /**
   * Ends a lend: what is left unconsumed of the lent chunk is copied to the front of the own storage (allocated or
   * grown as `append` does). Returns how far the unconsumed bytes moved down: offsets held elsewhere move with them.
   * Nothing to do (0) when nothing is lent.
   */
  keep(): number {
    if (!this.isLent) return 0;
    const lent = this.#bytes;
    const movedBy = this.#start;
    const live = this.#end - this.#start;
    this.#bytes = this.#storage;
    this.#start = this.#end = 0;
    if (live > 0) this.append(lent.subarray(movedBy, movedBy + live));
    return movedBy;
  }

  /** The first `n` unconsumed bytes are done with (a request answered). */
  consume(n: number): void {
    if (n < 0 || n > this.#end - this.#start) throw new Error(`receive buffer: consume ${n} of ${this.#end - this.#start} bytes`);
    this.#start += n;
  }

  /**
   * Once per chunk, after the request loop (STYLE rule 7): when everything was consumed the offsets go back to 0, so
   * the next chunk lands at the front with no copy (a lent chunk is let go); and when `isIdle`, a body-sized allocation
   * is given back.
   */
  compact(isIdle: boolean): void {
    if (this.#start !== this.#end) return;
    this.#start = this.#end = 0;
    this.#bytes = this.#storage; // a lent chunk all consumed: nothing to keep
    if (isIdle && this.#storage.length > this.#releaseAboveBytes) this.#bytes = this.#storage = NO_STORAGE;
  }

  /** Drops everything and the storage (a closed connection). */
  release(): void {
    this.#start = this.#end = 0;
    this.#bytes = this.#storage = NO_STORAGE;
  }
}
