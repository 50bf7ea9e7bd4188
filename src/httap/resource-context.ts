/**
 * @module What a resource routine gets (STYLE rule 18): the session, the decoded address, the body decoded lazily,
 * and reply constructors. Nothing of the HTTP engine leaks through it.
 */
import type { SessionInfo } from "../owner/session.ts";
import type { Selector } from "./resource-address.ts";
import { errorStatus } from "./httap-error.ts";
import type { ResourceErrorCode } from "./httap-error.ts";
import { decodeJsonBody } from "./json-body.ts";
import type { JsonBodyResult } from "./json-body.ts";
import { encodeHyx } from "./hyx.ts";

/** A routine's answer, made only by `context.reply.*`. */
export interface ResourceReply {
  readonly kind: "resource-reply";
  readonly status: number;
  readonly format: "json" | "hyx";
  readonly body: string;
  /** Set by `reply.error()`: the refusal code, which the server wraps in the standard error body. */
  readonly errorCode: ResourceErrorCode | null;
}

export interface ResourceReplies {
  /** 200 (or another 2xx) with `value` as JSON. */
  json(value: unknown, status?: number): ResourceReply;
  /**
   * Bytes found at address `start`: HYX text when the client asked for it (`Accept: text/x-hyx` or `?hyx`),
   * else JSON `{"start":n,"data":[…]}`.
   */
  bytes(data: Uint8Array, start: number): ResourceReply;
  /** Bytes at `start` as HYX text, whatever the client asked. */
  hyx(data: Uint8Array, start: number): ResourceReply;
  /** A refusal from the closed set; the server adds the resource name and the standard error shape. */
  error(code: ResourceErrorCode, message: string): ResourceReply;
}

export interface ResourceContext {
  /** The resource's name ("REG"). */
  readonly name: string;
  readonly method: "GET" | "POST";
  /** The part addressed: all, members (`/a,b`, already checked against the definition) or a range (checked too). */
  readonly selector: Selector;
  /** The session this request belongs to; null for a read by someone who does not own the device (a viewer). */
  readonly session: SessionInfo | null;
  /** True when the client prefers HYX for byte ranges. */
  readonly wantsHyx: boolean;
  /** The request body decoded as JSON, on first call. Throws when it is not JSON: the server then answers 400 itself. */
  body(): unknown;
  readonly reply: ResourceReplies;
}

/** Thrown by `body()` out of the routine, so the routine needs no error handling for bad input. */
export class BadJsonBody extends Error {
  constructor(readonly result: Extract<JsonBodyResult, { ok: false }>) {
    super(`the body is not JSON: ${result.reason} at line ${result.line}, column ${result.column}`);
  }
}

export class RequestResourceContext implements ResourceContext, ResourceReplies {
  readonly name: string;
  readonly method: "GET" | "POST";
  readonly selector: Selector;
  readonly session: SessionInfo | null;
  readonly wantsHyx: boolean;
  readonly #body: Uint8Array; // raw body, only valid during the routine call
  #decoded: JsonBodyResult | null = null; // the lazy decode, kept for a second body() call

  constructor(name: string, method: "GET" | "POST", selector: Selector, session: SessionInfo | null, wantsHyx: boolean, body: Uint8Array) {
    this.name = name;
    this.method = method;
    this.selector = selector;
    this.session = session;
    this.wantsHyx = wantsHyx;
    this.#body = body;
  }

  get reply(): ResourceReplies {
    return this;
  }

  body(): unknown {
    this.#decoded ??= decodeJsonBody(this.#body);
    if (!this.#decoded.ok) throw new BadJsonBody(this.#decoded);
    return this.#decoded.value;
  }

  json(value: unknown, status = 200): ResourceReply {
    if (!(Number.isInteger(status) && status >= 200 && status <= 299)) throw new RangeError(`reply.json status must be 2xx, got ${status}`);
    const body = JSON.stringify(value);
    if (body === undefined) throw new TypeError("reply.json was given a value JSON cannot represent");
    return { kind: "resource-reply", status, format: "json", body, errorCode: null };
  }

  bytes(data: Uint8Array, start: number): ResourceReply {
    if (this.wantsHyx) return this.hyx(data, start);
    return { kind: "resource-reply", status: 200, format: "json", body: `{"start":${start},"data":[${data.join(",")}]}`, errorCode: null };
  }

  hyx(data: Uint8Array, start: number): ResourceReply {
    const last = (start + Math.max(data.length, 1) - 1).toString(16).toUpperCase();
    const body = encodeHyx(data, start, `${this.name} ${start.toString(16).toUpperCase()}-${last}`);
    return { kind: "resource-reply", status: 200, format: "hyx", body, errorCode: null };
  }

  error(code: ResourceErrorCode, message: string): ResourceReply {
    return { kind: "resource-reply", status: errorStatus(code), format: "json", body: String(message), errorCode: code };
  }
}
