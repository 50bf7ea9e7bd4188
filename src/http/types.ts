/**
 * @module The contract between the HTTP engine and whatever answers requests (static files, HTTaP).
 * The engine knows nothing of those layers: it hands a parsed request to one handler and sends the reply it returns.
 */

export type HttpVersion = 10 | 11;

/**
 * One parsed request. Views into the connection's receive buffer: valid only during the synchronous handler call
 * (handlers are synchronous by contract, so nothing can read it later).
 */
export interface HttpRequest {
  /** Method token as sent, e.g. "GET". */
  readonly method: string;
  /** `true` for HEAD: answer as for GET; the engine drops the body in one place. */
  readonly isHead: boolean;
  /** Request-target in origin form ("/a/b?x"); an absolute-form target ("http://h/a?x") is reduced to it. */
  readonly target: string;
  /** The target up to the first "?" ("/" for "/?ping"). */
  readonly path: string;
  /** What follows the first "?", or `null` when there is no "?" ("ping" for "/?ping", "" for "/?"). */
  readonly query: string | null;
  readonly version: HttpVersion;
  /** Decoded body (Content-Length or chunked); empty when there is none. */
  readonly body: Uint8Array;
  /** Peer address without the IPv4-mapped "::ffff:" prefix. */
  readonly remoteAddress: string;
  /** Engine-wide unique id of the connection the request came on. */
  readonly connectionId: number;
  /** Value of a header field, name in lowercase; fields repeated are joined with ", " (RFC 9110 §5.3). */
  header(lowercaseName: string): string | undefined;
}

/**
 * A complete response prepared in advance (status line, headers, blank line, body), with no `Connection` header:
 * the engine adds one where the connection's fate needs saying. Serving it is one write of the view.
 */
export interface PrebuiltReply {
  readonly kind: "prebuilt";
  readonly status: number;
  /** Head and body, contiguous. */
  readonly bytes: Uint8Array;
  /** Length of the head including its final CRLFCRLF; the body is `bytes.subarray(headLength)`. */
  readonly headLength: number;
}

/** A response made for this request; the engine writes the status line, `Content-Length` and `Connection`. */
export interface DynamicReply {
  readonly kind: "dynamic";
  readonly status: number;
  /** Extra header lines, each "Name: value\r\n" (may be empty). No Content-Length, no Connection. */
  readonly headers: string;
  readonly body: Uint8Array | string;
}

export type Reply = PrebuiltReply | DynamicReply;

/**
 * Answers one request, synchronously, on the one thread (DESIGN principle 1). A handler that throws gets the
 * client a 500 and the server keeps running.
 */
export type RequestHandler = (request: HttpRequest) => Reply;

/** Why a connection ended; handed to `onConnectionClose` so sessions and devices can react in one place. */
export type CloseReason = "peer-closed" | "idle-timeout" | "protocol-error" | "server-stop" | "evicted" | "send-stalled" | "done";
