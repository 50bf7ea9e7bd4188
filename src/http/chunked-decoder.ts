/**
 * @module Incremental decoder of the chunked transfer coding (RFC 9112 §7.1). It consumes bytes from the receive
 * buffer as they come and appends chunk data to a body buffer bounded by the body limit. Strict: hex sizes with no
 * whitespace, extensions as token[=token|quoted-string], CRLF after every size line and every chunk, trailers read
 * and dropped.
 */
import { CR, HEX_VALUE, HTAB, IS_FIELD_VALUE, IS_TCHAR, LF, SP } from "./ascii.ts";
import { MAX_CHUNK_LINE_BYTES, MAX_TRAILER_BYTES } from "./limits.ts";

type ChunkState = "size" | "extension" | "size-lf" | "data" | "data-cr" | "data-lf" | "trailer-line" | "trailer-lf" | "done";

/** Result of a `feed`: bytes consumed, and whether the body is complete / broken / too large. */
export type ChunkProgress = "more" | "done" | "bad-chunk" | "body-too-large";

export class ChunkedDecoder {
  #state: ChunkState = "size";
  #remaining = 0; // data bytes left in the current chunk, or the size being read
  #sizeDigits = 0; // hex digits read for the current size
  #lineBytes = 0; // bytes of the current size line or trailer line, for the limits
  #trailerBytes = 0; // bytes of the whole trailer section
  #extension = ""; // sub-state inside an extension: name | value | quoted | escape | after-quoted
  #body: Uint8Array; // decoded data so far (grows up to #maxBytes)
  #bodyLength = 0;
  readonly #maxBytes: number;
  /** Bytes consumed by the last `feed`. */
  consumed = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
    this.#body = new Uint8Array(Math.min(maxBytes, 4096));
  }

  get body(): Uint8Array {
    return this.#body.subarray(0, this.#bodyLength);
  }

  /** Decodes as much of `buf[start, end)` as belongs to this body; sets `consumed`. */
  feed(buf: Uint8Array, start: number, end: number): ChunkProgress {
    let p = start;
    while (p < end) {
      const c = buf[p];
      switch (this.#state) {
        case "size": {
          const h = HEX_VALUE[c];
          if (h >= 0) {
            this.#sizeDigits++;
            this.#remaining = this.#remaining * 16 + h;
            // Judged by value, not digit count ("000000001" is 1); the line limit bounds the leading zeros.
            if (this.#bodyLength + this.#remaining > this.#maxBytes) return "body-too-large";
            p++;
          } else if (this.#sizeDigits === 0) {
            return "bad-chunk";
          } else if (c === 0x3b) {
            // ";" starts an extension
            this.#state = "extension";
            this.#extension = "name-start";
            p++;
          } else if (c === CR) {
            this.#state = "size-lf";
            p++;
          } else {
            return "bad-chunk"; // whitespace after the size is how parsers are told apart (smuggling)
          }
          if (++this.#lineBytes > MAX_CHUNK_LINE_BYTES) return "bad-chunk";
          break;
        }
        case "extension": {
          const verdict = this.#extensionByte(c);
          if (verdict !== null) return verdict;
          if (++this.#lineBytes > MAX_CHUNK_LINE_BYTES) return "bad-chunk";
          p++;
          break;
        }
        case "size-lf":
          if (c !== LF) return "bad-chunk";
          p++;
          this.#lineBytes = 0;
          this.#sizeDigits = 0;
          if (this.#remaining === 0) {
            this.#state = "trailer-line";
          } else {
            if (this.#bodyLength + this.#remaining > this.#maxBytes) return "body-too-large";
            this.#reserve(this.#bodyLength + this.#remaining);
            this.#state = "data";
          }
          break;
        case "data": {
          const n = Math.min(this.#remaining, end - p);
          this.#body.set(buf.subarray(p, p + n), this.#bodyLength);
          this.#bodyLength += n;
          this.#remaining -= n;
          p += n;
          if (this.#remaining === 0) this.#state = "data-cr";
          break;
        }
        case "data-cr":
          if (c !== CR) return "bad-chunk";
          this.#state = "data-lf";
          p++;
          break;
        case "data-lf":
          if (c !== LF) return "bad-chunk";
          this.#state = "size";
          p++;
          break;
        case "trailer-line":
          // An empty line ends the body; other lines are trailer fields, checked for bytes and dropped.
          if (c === CR) {
            this.#state = "trailer-lf";
          } else if (IS_FIELD_VALUE[c] !== 1 || (this.#lineBytes === 0 && (c === SP || c === HTAB))) {
            return "bad-chunk";
          }
          this.#lineBytes++;
          if (++this.#trailerBytes > MAX_TRAILER_BYTES) return "bad-chunk";
          p++;
          break;
        case "trailer-lf":
          if (c !== LF) return "bad-chunk";
          p++;
          if (this.#lineBytes === 1) {
            // the line held only its CR: the end
            this.#state = "done";
            this.consumed = p - start;
            return "done";
          }
          this.#lineBytes = 0;
          this.#state = "trailer-line";
          break;
        case "done":
          this.consumed = p - start;
          return "done";
      }
    }
    this.consumed = p - start;
    return "more";
  }

  /** chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ); we allow no BWS (llhttp strict does the same). */
  #extensionByte(c: number): ChunkProgress | null {
    switch (this.#extension) {
      case "name-start":
        if (IS_TCHAR[c] !== 1) return "bad-chunk";
        this.#extension = "name";
        return null;
      case "name":
        if (IS_TCHAR[c] === 1) return null;
        if (c === 0x3d) {
          this.#extension = "value-start";
          return null;
        }
        return this.#extensionEnd(c);
      case "value-start":
        if (c === 0x22) {
          this.#extension = "quoted";
          return null;
        }
        if (IS_TCHAR[c] !== 1) return "bad-chunk";
        this.#extension = "value";
        return null;
      case "value":
        if (IS_TCHAR[c] === 1) return null;
        return this.#extensionEnd(c);
      case "quoted":
        if (c === 0x22) {
          this.#extension = "after-quoted";
          return null;
        }
        if (c === 0x5c) {
          this.#extension = "escape";
          return null;
        }
        return IS_FIELD_VALUE[c] === 1 ? null : "bad-chunk";
      case "escape":
        if (IS_FIELD_VALUE[c] !== 1) return "bad-chunk";
        this.#extension = "quoted";
        return null;
      case "after-quoted":
        return this.#extensionEnd(c);
    }
    return "bad-chunk";
  }

  #extensionEnd(c: number): ChunkProgress | null {
    if (c === 0x3b) {
      this.#extension = "name-start";
      return null;
    }
    if (c === CR) {
      this.#state = "size-lf";
      return null;
    }
    return "bad-chunk";
  }

  #reserve(length: number): void {
    if (length <= this.#body.length) return;
    const bigger = new Uint8Array(Math.min(this.#maxBytes, Math.max(length, this.#body.length * 2)));
    bigger.set(this.#body.subarray(0, this.#bodyLength));
    this.#body = bigger;
  }
}
