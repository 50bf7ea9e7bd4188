/** @module HTTaP protocol constants: the version date, reserved names and the header lines every reply carries. */

/** The protocol version this server speaks, as the root object's `HTTaP_version` (YYYYMMDD); chosen once (issue 3). */
export const HTTAP_VERSION = "20261126";
/** The root object's `Type`: what kind of HTTaP device this is. */
export const HTTAP_TYPE = "httap";
/** `HTTaP-Session` value on replies given outside any session: the one id the owner module never hands out. */
export { NO_SESSION_ID } from "../owner/session-id.ts";

/** Every HTTaP reply is dynamic and must never be cached by a browser or a proxy (DESIGN, protocol facts). */
export const NO_CACHE_LINE = "Cache-Control: no-cache, no-store, must-revalidate\r\n";
export const JSON_TYPE_LINE = "Content-Type: application/json\r\n";
export const HYX_MEDIA_TYPE = "text/x-hyx";
