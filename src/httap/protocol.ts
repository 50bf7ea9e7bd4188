/** @module HTTaP protocol constants: the version date, reserved names and the header lines every reply carries. */

/** The protocol version this server speaks, as the root object's `HTTaP_version` (YYYYMMDD); chosen once (issue 3). */
export const HTTAP_VERSION = "20261126";
/** The root object's `Type`: what kind of HTTaP device this is. */
export const HTTAP_TYPE = "httap";
/**
 * `HTTaP-Session` value on replies given outside any session (busy refusals, `/?invalid`, preflights from
 * non-owners). Real ids are never this value, so a client cannot mistake it for its own session.
 */
export const NO_SESSION_ID = "00000000";
/** How often the session lapse is checked without traffic, so "end" fires on time (the motors' dead-man stop). */
export const SESSION_SWEEP_INTERVAL_MS = 250;

/** Every HTTaP reply is dynamic and must never be cached by a browser or a proxy (DESIGN, protocol facts). */
export const NO_CACHE_LINE = "Cache-Control: no-cache, no-store, must-revalidate\r\n";
export const JSON_TYPE_LINE = "Content-Type: application/json\r\n";
export const HYX_MEDIA_TYPE = "text/x-hyx";

/**
 * Names the protocol itself answers; no resource may take them. `ping` is a prefix: `/?ping<anything>` is ping,
 * so a resource named "pingX" could never be reached.
 */
export const VOCABULARY_NAMES: readonly string[] = ["ping", "list", "changes", "loopback", "invalid", "stats", "scpi", "queue"];
