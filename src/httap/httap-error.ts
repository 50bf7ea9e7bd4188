/**
 * @module The closed set of HTTaP refusals (STYLE rule 9), each with its status and a JSON body
 * `{"error":"<code>","message":"…", …details}`. Bad input is answered with one of these, never thrown.
 */
import type { Reply } from "../http/types.ts";
import { dynamicReply } from "../http/reply.ts";

export type HttapErrorCode =
  | "busy" // another host owns the session (503 + Retry-After)
  | "not-owner" // a read only the owner may make (`/?changes`) from someone who does not own the device
  | "not-found" // no such resource, member or vocabulary word
  | "method-not-allowed" // 405 + Allow
  | "bad-json" // the body is not JSON; says where it failed
  | "bad-address" // a member list or range that does not parse
  | "out-of-range" // a range outside the resource's addresses
  | "bad-value" // a routine refused the value written
  | "bad-filename" // `/?loopback?name=` with an unusable name
  | "forbidden-origin" // a cross-origin write or preflight from an origin the CORS policy does not allow
  | "invalid" // `/?invalid`: never decoded, always an error (it ends the owner's session)
  | "routine-failed" // an application routine threw or returned no reply
  | "device-error" // a routine reports the hardware failed
  | "engine-unavailable" // the real-time engine (tones, motors) could not start or died; the message says why (503)
  | "no-gpio" // the hardware resources without GPIO (no device, no permission, HTTAP_GPIO=none)
  | "pin-owned"; // a write to a pin that a board role or a peripheral owns

/** The codes a resource routine may answer with `reply.error()`. */
export type ResourceErrorCode =
  | "not-found"
  | "out-of-range"
  | "bad-value"
  | "device-error"
  | "engine-unavailable"
  | "no-gpio"
  | "pin-owned";

const STATUS: Readonly<Record<HttapErrorCode, number>> = {
  busy: 503,
  "not-owner": 409,
  "not-found": 404,
  "method-not-allowed": 405,
  "bad-json": 400,
  "bad-address": 400,
  "out-of-range": 416,
  "bad-value": 400,
  "bad-filename": 400,
  "forbidden-origin": 403,
  invalid: 400,
  "routine-failed": 500,
  "device-error": 500,
  "engine-unavailable": 503,
  "no-gpio": 503,
  "pin-owned": 409,
};

export function errorStatus(code: HttapErrorCode): number {
  return STATUS[code];
}

/** The JSON body of a refusal; `details` adds fields such as the resource name or where a body failed. */
export function errorBody(code: HttapErrorCode, message: string, details?: Record<string, unknown>): string {
  return JSON.stringify({ error: code, message, ...details });
}

/** A refusal from the closed set, with the standard JSON body. `lines` already holds session, type and CORS lines. */
export function refusal(lines: string, code: HttapErrorCode, message: string, details?: Record<string, unknown>): Reply {
  return dynamicReply(errorStatus(code), lines, errorBody(code, message, details));
}
