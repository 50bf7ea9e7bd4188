/**
 * @module Turns a handler's Reply into bytes on a SendQueue: adds `Connection` where the connection's fate must be
 * said, `Content-Length` for dynamic replies, and drops bodies for HEAD in this one place (STYLE rule 14).
 */
import type { SendQueue, WritableSocket } from "./send-queue.ts";
import { statusText } from "./status-text.ts";
import type { Reply } from "./types.ts";

const encoder = new TextEncoder();
const CONNECTION_CLOSE = "Connection: close\r\n";
const CONNECTION_KEEP_ALIVE = "Connection: keep-alive\r\n";
/**
 * A reply that needs a Connection line is assembled here when it fits (head, line and a body up to ~64 KiB), so it
 * leaves in one write (one syscall, one segment with TCP_NODELAY) rather than a head segment and a body segment. One
 * buffer for the whole server (one thread): a copy per answer made garbage at every close answer (measured: +18 MiB
 * RSS peak at 256 new connections per request at a time), and the send queue copies only what the socket refused.
 * Larger replies send the head from here and the body from the prebuilt bytes.
 */
export const SCRATCH_BYTES = 72 * 1024;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

/** Which Connection line a reply needs: none for HTTP/1.1 keep-alive (the default), else close or keep-alive. */
export function connectionLine(keepAlive: boolean, isHttp10: boolean): string | null {
  if (!keepAlive) return CONNECTION_CLOSE;
  return isHttp10 ? CONNECTION_KEEP_ALIVE : null;
}

/** Queues the reply's bytes; returns the number of body bytes sent (for the access log). */
export function writeReply(queue: SendQueue, socket: WritableSocket, reply: Reply, isHead: boolean, connection: string | null): number {
  if (reply.kind === "prebuilt") {
    const { bytes, headLength } = reply;
    const bodyEnd = isHead ? headLength : bytes.length;
    if (connection === null) {
      queue.send(socket, bytes, 0, bodyEnd); // the common case: one write of a view, no copy
    } else if (bodyEnd + connection.length <= SCRATCH_BYTES) {
      // one write: a copy into the scratch buffer beats a second packet; only what the socket refuses is kept
      queue.sendTransient(socket, scratch, 0, withExtraHeader(bytes, headLength, connection, bodyEnd, scratch));
    } else {
      queue.sendTransient(socket, scratch, 0, withExtraHeader(bytes, headLength, connection, headLength, scratch));
      queue.send(socket, bytes, headLength, bodyEnd);
    }
    return bodyEnd - headLength;
  }
  const body = typeof reply.body === "string" ? encoder.encode(reply.body) : reply.body;
  const noBody = reply.status === 204 || reply.status === 304 || (reply.status >= 100 && reply.status < 200);
  const length = noBody ? "" : `Content-Length: ${body.length}\r\n`;
  const head = `HTTP/1.1 ${reply.status} ${statusText(reply.status)}\r\n${reply.headers}${length}${connection ?? ""}\r\n`;
  const sendBody = !isHead && !noBody;
  // One buffer for head and body: one write, and a copy that outlives the receive buffer the body may view.
  const out = Buffer.allocUnsafe(head.length + (sendBody ? body.length : 0));
  out.write(head, 0, "latin1");
  if (sendBody) out.set(body, head.length);
  queue.send(socket, out);
  return sendBody ? body.length : 0;
}

/**
 * Writes into `out` a prebuilt reply's head with one more header line before the blank line, followed by its body up
 * to `bodyEnd` (`headLength`: the head alone); returns the length written. Taken for close and HTTP/1.0 answers: a
 * new connection per request (issue 22's churn row) sends every answer this way.
 */
function withExtraHeader(bytes: Uint8Array, headLength: number, line: string, bodyEnd: number, out: Buffer): number {
  out.set(bytes.subarray(0, headLength - 2), 0);
  out.write(`${line}\r\n`, headLength - 2, "latin1");
  if (bodyEnd > headLength) out.set(bytes.subarray(headLength, bodyEnd), headLength + line.length);
  return bodyEnd + line.length;
}
