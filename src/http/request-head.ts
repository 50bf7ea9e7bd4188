/**
 * @module The parsed head of one request: framing facts decoded, every other header kept as offsets into the
 * receive buffer (STYLE rule 6). One instance per connection, reset and refilled for each request.
 */
import { MAX_HEADER_COUNT } from "./limits.ts";
import type { HttpVersion } from "./types.ts";

/**
 * The field offsets of the head parsed last, one table for every connection: the server is one thread, and a head is
 * parsed and its handler run in the same socket event unless its body arrives later. A table per connection was a
 * quarter of an idle connection's bytes (1.6 KiB of ~6.8; issue 22). A head whose table was taken meanwhile by another
 * connection's parse no longer `holdsFields` and is parsed again from the receive buffer before its handler runs.
 */
const sharedFields = new Int32Array(MAX_HEADER_COUNT * 4);
let fieldsHolder: RequestHead | null = null; // the head whose offsets are in sharedFields

export class RequestHead {
  method = ""; // method token as sent ("GET")
  target = ""; // origin-form target ("/a?b"); absolute-form already reduced to it
  version: HttpVersion = 11; // 10 or 11
  contentLength = -1; // declared body length, -1 when absent
  isChunked = false; // Transfer-Encoding: chunked
  hasConnectionClose = false; // "close" among the Connection options
  hasConnectionKeepAlive = false; // "keep-alive" among the Connection options
  expectsContinue = false; // Expect: 100-continue
  headerCount = 0; // fields recorded in `fields`

  /**
   * Per field: name start, name end, value start, value end (value trimmed of OWS); absolute buffer offsets. The table
   * is shared (see `sharedFields`): the parser takes it with `takeFields()`, and it is this head's only while
   * `holdsFields`.
   */
  get fields(): Int32Array {
    if (fieldsHolder !== this) throw new Error("request head: its fields were overwritten by another head's parse");
    return sharedFields;
  }

  /** The shared table, now this head's (for the parser, which fills it). */
  takeFields(): Int32Array {
    fieldsHolder = this;
    return sharedFields;
  }

  /** Whether the shared table still holds this head's fields (no other head was parsed since). */
  get holdsFields(): boolean {
    return fieldsHolder === this;
  }

  reset(): void {
    this.method = "";
    this.target = "";
    this.version = 11;
    this.contentLength = -1;
    this.isChunked = false;
    this.hasConnectionClose = false;
    this.hasConnectionKeepAlive = false;
    this.expectsContinue = false;
    this.headerCount = 0;
  }

  /** The receive buffer's live bytes moved down by `by`: move the field offsets with them. */
  shift(by: number): void {
    if (fieldsHolder !== this) return; // offsets no longer held: they are parsed again before use
    for (let i = 0; i < this.headerCount * 4; i++) sharedFields[i] -= by;
  }

  /** Whether the connection may carry another request after this one (RFC 9112 §9.3). */
  get wantsKeepAlive(): boolean {
    if (this.hasConnectionClose) return false;
    return this.version === 11 || this.hasConnectionKeepAlive;
  }

  /** Value of the named field (lowercase name), repeated fields joined with ", "; `undefined` when absent. */
  header(buf: Uint8Array, lowercaseName: string): string | undefined {
    let found: string | undefined;
    const f = this.fields;
    const n = lowercaseName.length;
    for (let i = 0; i < this.headerCount * 4; i += 4) {
      if (f[i + 1] - f[i] !== n || !nameMatches(buf, f[i], lowercaseName)) continue;
      const value = latin1(buf, f[i + 2], f[i + 3]);
      found = found === undefined ? value : `${found}, ${value}`;
    }
    return found;
  }
}

function nameMatches(buf: Uint8Array, start: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = buf[start + i];
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Field values may carry obs-text bytes; latin1 keeps every byte as one character. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.prototype.latin1Slice.call(buf, start, end) as string;
}
