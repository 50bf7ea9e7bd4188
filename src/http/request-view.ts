/** @module The HttpRequest a handler sees: a thin view over the connection's RequestHead and receive buffer. */
import type { RequestHead } from "./request-head.ts";
import type { HttpRequest, HttpVersion } from "./types.ts";

/** The body of a request without one, and the buffer before the first request: shared, never written. */
const EMPTY = new Uint8Array(0);

export class RequestView implements HttpRequest {
  method = "";
  isHead = false;
  target = "";
  path = "";
  query: string | null = null;
  version: HttpVersion = 11;
  body: Uint8Array = EMPTY;
  readonly remoteAddress: string;
  readonly connectionId: number;
  #head: RequestHead;
  #buffer: Uint8Array = EMPTY;

  constructor(head: RequestHead, remoteAddress: string, connectionId: number) {
    this.#head = head;
    this.remoteAddress = remoteAddress;
    this.connectionId = connectionId;
  }

  /** Points the view at the request just parsed; valid until the handler returns. */
  fill(buffer: Uint8Array, body: Uint8Array): void {
    const h = this.#head;
    this.#buffer = buffer;
    this.method = h.method;
    this.isHead = h.method === "HEAD";
    this.target = h.target;
    const q = h.target.indexOf("?");
    this.path = q < 0 ? h.target : h.target.slice(0, q);
    this.query = q < 0 ? null : h.target.slice(q + 1);
    this.version = h.version;
    this.body = body;
  }

  /** The handler has returned: let go of the buffer and body, which may be a socket's chunk (no idle connection holds one). */
  release(): void {
    this.#buffer = EMPTY;
    this.body = EMPTY;
  }

  header(lowercaseName: string): string | undefined {
    return this.#head.header(this.#buffer, lowercaseName);
  }
}
