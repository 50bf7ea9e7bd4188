/** @module Every limit of the SCPI port, with its unit and the reason for its value (STYLE rules 8 and 21). */

/**
 * Simultaneous SCPI connections. A bench has one program per instrument, a classroom a few PCs: 16 is plenty, and
 * bounds what SCPI can hold to ~10 MiB of a Pi Zero 2 W's 512 MiB (16 × a full receive buffer, MAX_RECEIVE_BYTES,
 * plus one message's replies). A newcomer beyond it gets one error line, then FIN.
 */
export const MAX_SCPI_CONNECTIONS = 16;
/** Refused newcomers reading their error line at once (FIN sent, input dropped); beyond it the oldest is cut. */
export const MAX_SCPI_REFUSED_LINGERING = 16;
/** Longest program message in bytes, without its LF; over it: -363 logged, the connection closed. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/**
 * Largest receive buffer in bytes: a message being read, plus complete messages not yet run because replies wait
 * (Bun delivers up to 512 KiB per read, and reading pauses only after it). More is a peer sending while paused.
 */
export const MAX_RECEIVE_BYTES = MAX_MESSAGE_BYTES + 512 * 1024;
/**
 * Messages run in one turn of the event loop; then other clients' events run before this one's next messages. A
 * 512 KiB read of pipelined `*IDN?` is 87,000 messages (~60 ms here, ~10× that on a Pi Zero 2 W); 128 take ~0.1 ms.
 */
export const MAX_MESSAGES_PER_TURN = 128;
/** Initial receive buffer per connection in bytes: a message is a line of ~10-100 bytes; it grows for longer ones. */
export const RECEIVE_BUFFER_INITIAL_BYTES = 1024;
/**
 * Longest error detail kept in the error queue, in characters (printable ASCII): the longest this device writes (an
 * engine failure with its reason) fits; a client's text quoted in a detail is cut here, so 16 entries hold < 4 KiB.
 */
export const MAX_ERROR_DETAIL_CHARS = 200;
/** After the last reply, FIN is sent and input read and dropped this long, so the reply is not lost to a reset. */
export const LINGER_MS = 2_000;
/** How often the one deadline tick runs: deadlines fire, and `*OPC?` / `*WAI` answer, up to this late. */
export const TICK_INTERVAL_MS = 50;
/** Refusals over the connection limit are logged as a count at most this often (a flood must not flood the log). */
export const REFUSAL_LOG_INTERVAL_MS = 10_000;
