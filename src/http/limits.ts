/** @module Every limit of the HTTP engine, with its unit and the reason for its value (STYLE rule 8). */

/** Largest header block (everything after the request line up to the blank line); over it: 431. Browsers send ~1 KiB. */
export const MAX_HEAD_BYTES = 8 * 1024;
/** Most header fields in one request; over it: 431. Browsers send ~15; a cap keeps the offset table preallocated. */
export const MAX_HEADER_COUNT = 100;
/** Longest request-target in bytes; over it: 414. Static paths are ≤ 256 characters, HTTaP addresses a little longer. */
export const MAX_TARGET_LENGTH = 4096;
/** Default largest request body in bytes; over it: 413. Bodies are small JSON writes and loopback saves. */
export const MAX_BODY_BYTES_DEFAULT = 64 * 1024;
/** Longest chunk-size line (hex digits plus extensions) in bytes; a longer one is an attack, not a chunk. */
export const MAX_CHUNK_LINE_BYTES = 256;
/** Largest trailer section of a chunked body in bytes; trailers are read and dropped. */
export const MAX_TRAILER_BYTES = 4 * 1024;
/**
 * Default number of simultaneous connections: a workshop room is ~20 browsers with up to 6 connections each, plus
 * the leader's tools (issue 11). An idle keep-alive connection costs ~10 KiB (measured by `npm run stress`).
 */
export const MAX_CONNECTIONS_DEFAULT = 256;
/** Largest allowed connection limit: each connection is a file descriptor, and a Pi 3 has 1 GiB. */
export const MAX_CONNECTIONS_CEILING = 4096;
/**
 * A connection may be closed for a newcomer only when it has been idle this long (never sent a byte, or between
 * keep-alive requests). Shorter, a keep-alive client between two requests would be evicted and reconnect, evicting
 * another: the thrash of issue 11.
 */
export const EVICTABLE_AFTER_IDLE_MS = 1_000;
/**
 * Refused newcomers (503, then FIN) lingering at once, beyond the connection limit; over it the oldest is cut.
 * Bounds the file descriptors an accept storm can hold.
 */
export const MAX_REFUSED_LINGERING = 512;
/**
 * Over the limit, a newcomer waits this long for a slot to free before its 503: a browser in a full room is then
 * served late rather than shown an error, and a client that ignores Retry-After is paced to one refusal per wait
 * instead of thousands a second, which would starve the served clients (issue 11, accept storms).
 */
export const SLOT_WAIT_MS = 1_000;
/** Newcomers waiting for a slot at once; beyond it a newcomer is refused at once. Bounds the descriptors held. */
export const MAX_WAITING_FOR_SLOT = 1_024;
/** Blank lines tolerated before a request line (RFC 9112 §2.2: ignore at least one, left by sloppy clients). */
export const MAX_LEADING_BLANK_LINES = 4;
/** Longest method token accepted, in bytes; the longest known one is 7. */
export const MAX_METHOD_LENGTH = 16;
/** A new connection (or a started request head) must complete its request head within this time (DESIGN: 3 s). */
export const FIRST_REQUEST_TIMEOUT_MS = 3_000;
/** Idle keep-alive timeout defaults and bounds, in seconds (the seed's HTTAP_KEEPALIVE rules). */
export const KEEPALIVE_DEFAULT_S = 15;
export const KEEPALIVE_MIN_S = 3;
export const KEEPALIVE_MAX_S = 200;
/** After the final answer, FIN is sent and input read and dropped this long, so it does not turn into a reset. */
export const LINGER_MS = 2_000;
/** When the server stops, answers in flight get this long before their sockets are cut. */
export const STOP_GRACE_MS = 500;
/**
 * After this many connections closed, the first quiet tick (no connection accepted during it) runs a full garbage
 * collection. JSC collects only as JS allocates, so once a burst is over nothing runs it, and every closed connection
 * (its socket's native part too) stays resident until the next burst (issue 22: RSS kept 3 s after 1024 clients
 * churned, +18.6 MiB without, +9.1 with). One collection of the ~10 MiB heap takes 1-7 ms, once per burst.
 */
export const COLLECT_AFTER_CLOSED = 256;
/** How often the one deadline tick runs; deadlines therefore fire up to this late. */
export const TICK_INTERVAL_MS = 100;
/** Seconds a refused client is told to wait before retrying when every connection slot is busy. */
export const BUSY_RETRY_AFTER_S = 1;
/** Initial receive buffer per connection in bytes (a browser head is ~0.5-1.5 KiB); allocated only when a chunk ends inside a
 * request (a request that comes whole is parsed in the socket's own chunk, issue 22); it grows for bodies and pipelines. */
export const RECEIVE_BUFFER_INITIAL_BYTES = 2 * 1024;
/** Pipelined or body bytes a connection may hold beyond one maximal request before it is cut off as a flood. */
export const RECEIVE_SLACK_BYTES = 64 * 1024;
