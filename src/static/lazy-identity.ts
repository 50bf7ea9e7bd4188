/**
 * @module The identity representation of a file that also has a gzip variant: browsers always get a compressed
 * body, so its identity body is not kept resident from start; it is made from the gzip body (`Bun.gunzipSync`, the
 * runtime's native zlib, exact by construction) the first time a client needs it (one that refuses compression, a
 * Range request), and kept from then on (issue 22: blockly.js and codemirror.js alone are 1.2 MB of identity that no
 * browser is sent). Its ETag and 304 stay prebuilt: validating a cached copy never makes the body.
 */
import { prebuiltReply } from "../http/reply.ts";
import type { PrebuiltReply } from "../http/types.ts";
import type { Representation } from "./static-cache.ts";

export class LazyIdentity implements Representation {
  readonly coding = "identity";
  readonly etag: string;
  readonly notModified: PrebuiltReply;
  readonly #head: Uint8Array; // the complete 200 head, Content-Length included
  readonly #gzipBody: Uint8Array; // what the identity body is made from
  #ok: PrebuiltReply | null = null; // made on first need, then kept

  constructor(etag: string, notModified: PrebuiltReply, okHead: Uint8Array, gzipBody: Uint8Array) {
    this.etag = etag;
    this.notModified = notModified;
    this.#head = okHead;
    this.#gzipBody = gzipBody;
  }

  /** Whether the identity body has been made (for tests and memory accounting). */
  get isResident(): boolean {
    return this.#ok !== null;
  }

  /** The 200: head and identity body in one buffer, made once. */
  get ok(): PrebuiltReply {
    if (this.#ok === null) {
      const body = Bun.gunzipSync(this.#gzipBody as Uint8Array<ArrayBuffer>);
      const bytes = new Uint8Array(this.#head.length + body.length);
      bytes.set(this.#head);
      bytes.set(body, this.#head.length);
      this.#ok = prebuiltReply(200, bytes, this.#head.length);
    }
    return this.#ok;
  }
}
