/**
 * @module One client connection: receive buffer, parser state, send queue and deadline, in one class (STYLE rule 3),
 * with its states changed only by `#enter` (rule 4). Requests are answered strictly in arrival order: the loop in
 * `#process` answers every complete request, stops while the send queue is busy, and compacts once (rule 7).
 *
 *   waiting-for-slot ──slot freed──▶ awaiting-request        waiting-for-slot ──wait over──▶ 503, draining
 *   awaiting-request ──head──▶ reading-body ──body──▶ (handler) ──▶ awaiting-request | responding | draining
 *   responding ──queue empty──▶ awaiting-request
 *   draining ──queue empty, FIN──▶ lingering ──peer's FIN or linger over──▶ closed
 * Any state but closed may go straight to closed (`close(reason)`: timeout, eviction, reset, stop).
 */
import { CR, LF } from "./ascii.ts";
import { ChunkedDecoder } from "./chunked-decoder.ts";
import { EVICTABLE_AFTER_IDLE_MS, FIRST_REQUEST_TIMEOUT_MS, LINGER_MS, MAX_LEADING_BLANK_LINES } from "./limits.ts";
import { protocolErrorReply, protocolErrorStatus, type ProtocolError } from "./protocol-errors.ts";
import { ReceiveBuffer, receiveLimitBytes } from "./receive-buffer.ts";
import { RequestHead } from "./request-head.ts";
import { parseRequestHead } from "./request-parser.ts";
import { RequestView } from "./request-view.ts";
import { connectionLine, writeReply } from "./response-writer.ts";
import { SendQueue, type StreamSocket } from "./send-queue.ts";
import type { EvictionKind, ServerStats } from "./server-stats.ts";
import type { CloseReason, Reply, RequestHandler } from "./types.ts";
import { dynamicReply } from "./reply.ts";

/**
 * Every state a connection can be in. `draining`: the final answer is queued, input is dropped. `lingering`: the
 * answer is all out and FIN sent; input is still read and dropped until the peer's FIN or LINGER_MS, so it never
 * turns into a reset that destroys the answer (RFC 9112 §9.6).
 */
export type ConnectionState = "waiting-for-slot" | "awaiting-request" | "reading-body" | "responding" | "draining" | "lingering" | "closed";
export type DeadlineKind = "request-head" | "keep-alive" | "body" | "send" | "linger" | "slot-wait";

/** The socket operations a connection uses (a Bun socket; a fake in unit tests). */
export type ConnectionSocket = StreamSocket;

/** What every connection shares with its server. */
export interface ConnectionContext {
  readonly handler: RequestHandler;
  readonly keepAliveMs: number;
  readonly maxBodyBytes: number;
  readonly now: () => number;
  readonly accessLog: ((line: string) => void) | null;
  readonly errorLog: (line: string) => void;
  readonly isStopping: () => boolean;
  /** The server's counters (issue 11). */
  readonly stats: ServerStats;
  /** A newcomer without a slot is about to get its 503: the server moves it among the refused (issue 11). */
  onRefused(connection: Connection): void;
  onClosed(connection: Connection, reason: CloseReason): void;
}

/** Stray blank-line bytes between requests that start no request: exactly what the parser skips (CRLF each). */
const MAX_STRAY_BLANK_BYTES = 2 * MAX_LEADING_BLANK_LINES;
const CONTINUE_BYTES = new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n");
const EMPTY = new Uint8Array(0);
const HANDLER_FAILED: Reply = dynamicReply(
  500,
  "Content-Type: text/plain; charset=utf-8\r\n",
  "500 Internal Server Error: the request handler failed; the server keeps running\n",
);

export class Connection {
  readonly id: number; // server-wide unique, for logs and sessions
  readonly remoteAddress: string; // peer address without "::ffff:"
  state: ConnectionState = "awaiting-request"; // written only by #enter
  deadlineAt: number; // clock ms when `deadlineKind` fires
  deadlineKind: DeadlineKind = "request-head"; // what happens at deadlineAt
  lastActiveAt: number; // clock ms of the last byte in or out (LRU eviction); read once per
  // socket event and used as "now" while that event is handled
  requestCount = 0; // requests answered on this connection
  #socket: ConnectionSocket; // the TCP socket
  #context: ConnectionContext; // shared server settings and callbacks
  readonly #received: ReceiveBuffer; // bytes received, not yet consumed; the offsets below index into it
  #head = new RequestHead(); // the request being read
  #headEnd = 0; // offset of the body (first byte after the head)
  #chunked: ChunkedDecoder | null = null; // decoder while a chunked body is read
  #bodyCursor = 0; // next chunked byte to decode
  #view: RequestView; // what the handler sees
  #queue: SendQueue; // output not yet taken by the socket
  #isReadPaused = false; // socket.pause() in force while responding
  #isPeerEnded = false; // the peer sent FIN: answer what is complete, then close
  #hasReceived = false; // any byte ever arrived (an unused connection is a browser's spare)
  #isCloseAsked = false; // the client's last request said it sends no more (Connection: close, HTTP/1.0)

  constructor(id: number, socket: ConnectionSocket, remoteAddress: string, context: ConnectionContext) {
    this.id = id;
    this.#socket = socket;
    this.remoteAddress = remoteAddress;
    this.#context = context;
    this.#received = new ReceiveBuffer(receiveLimitBytes(context.maxBodyBytes));
    this.#queue = new SendQueue(context.stats);
    this.#view = new RequestView(this.#head, remoteAddress, id);
    const now = context.now();
    this.lastActiveAt = now;
    this.deadlineAt = now + FIRST_REQUEST_TIMEOUT_MS;
  }

  /** Idle: between requests with nothing buffered, so closing it loses nothing (the LRU eviction candidate). */
  get isIdle(): boolean {
    return this.state === "awaiting-request" && this.#holdsNoRequest();
  }

  /** Answered, FIN sent, only waiting out the linger: closing it loses nothing either (evicted first). */
  get isLingering(): boolean {
    return this.state === "lingering";
  }

  /**
   * Whether a newcomer may take this connection's slot, and as what (issue 11): a lingering one always; an idle one
   * only after EVICTABLE_AFTER_IDLE_MS, so a keep-alive client between two requests is never thrown out.
   */
  evictableAs(now: number): EvictionKind | null {
    if (this.isLingering) return "lingering";
    if (!this.isIdle || now - this.lastActiveAt < EVICTABLE_AFTER_IDLE_MS) return null;
    return this.#hasReceived ? "keep-alive" : "unused";
  }

  /**
   * A newcomer with no slot: its 503 (Retry-After, Connection: close) in full, FIN, then a linger reading and
   * dropping whatever it sent, so the answer is never destroyed by a reset (issue 11). The server hears of it first,
   * so the connection is among the refused before anything can close it.
   */
  refuse(): void {
    this.#context.onRefused(this);
    this.#fail("server-busy");
  }

  /**
   * Over the limit with nothing evictable: the newcomer waits up to `waitMs` for a slot, its bytes buffered but not
   * answered. A slot freed in time admits it (`admit()`); otherwise the tick refuses it. The wait also paces clients
   * that ignore Retry-After, so an accept storm costs the served clients little (issue 11).
   */
  waitForSlot(waitMs: number): void {
    this.#enter("waiting-for-slot"); // only from the initial state, before any byte was looked at
    this.#setDeadline("slot-wait", this.lastActiveAt + waitMs);
  }

  /** A slot is free: the waiting newcomer becomes an ordinary connection, its first request deadline from now. */
  admit(now: number): void {
    if (this.state !== "waiting-for-slot") throw new Error(`connection ${this.id}: admitted while ${this.state}`);
    this.lastActiveAt = now; // its wait does not count as idleness: not evictable the moment it is admitted
    this.#enter("awaiting-request");
    this.#setDeadline("request-head", now + FIRST_REQUEST_TIMEOUT_MS);
    this.#process();
  }

  /** Bytes from the socket: a fresh Buffer per event, lent to the receive buffer for this event only. */
  onData(chunk: Buffer): void {
    this.#context.stats.bytesIn += chunk.length;
    // After the final answer, input is dropped (read, so it never turns into a reset).
    if (this.state === "draining" || this.state === "lingering" || this.state === "closed") {
      this.#isCloseAsked = false; // more came after all: linger, so the answer is not destroyed by a reset
      return;
    }
    const now = this.#context.now();
    this.lastActiveAt = now;
    this.#hasReceived = true;
    // Nothing held (the usual case): the chunk is parsed in place, and only a rest left unconsumed is copied (issue 22).
    const movedBy = this.#received.lend(chunk);
    if (movedBy === "over-limit") {
      // A flood. While waiting for a slot it is too much to hold for later: refuse now (503, linger), never reset.
      return this.state === "waiting-for-slot" ? this.refuse() : this.close("protocol-error");
    }
    if (movedBy > 0) this.#shift(movedBy);
    if (this.state !== "waiting-for-slot") {
      // (waiting for a slot: held, answered once admitted)
      if (this.state === "awaiting-request" && this.deadlineKind === "keep-alive" && !this.#holdsNoRequest()) {
        this.#setDeadline("request-head", now + FIRST_REQUEST_TIMEOUT_MS); // a new request has begun
      }
      this.#process();
    }
    const keptMovedBy = this.#received.keep(); // the lent chunk's rest into the connection's own storage
    if (keptMovedBy > 0) this.#shift(keptMovedBy);
  }

  onDrain(): void {
    if (this.state === "closed" || this.state === "lingering") return; // nothing left to send
    const sent = this.#queue.flush(this.#socket);
    if (sent > 0) {
      this.lastActiveAt = this.#context.now();
      if (!this.#queue.isEmpty) this.#setDeadline("send", this.lastActiveAt + this.#context.keepAliveMs);
    }
    if (!this.#queue.isEmpty) return;
    if (this.state === "draining") return this.#finish();
    if (this.state === "responding") {
      this.#enterIdleOrNext();
      if (this.#isReadPaused) {
        this.#isReadPaused = false;
        this.#socket.resume();
      }
      this.#process();
    }
  }

  /** The peer half-closed: requests already received are still answered, then the connection closes. */
  onPeerEnd(): void {
    this.#isPeerEnded = true;
    if (this.isLingering) return this.close("done"); // both sides said FIN: nothing left to wait for
    this.#closeIfPeerGone();
  }

  /** One deadline check; the server's single tick calls it for every connection (STYLE rule 11). */
  onTick(now: number): void {
    if (this.state === "closed" || now < this.deadlineAt) return;
    const kind = this.deadlineKind;
    if (kind !== "linger" && kind !== "slot-wait") this.#context.stats.timedOut[kind]++;
    switch (kind) {
      case "slot-wait":
        return this.refuse();
      case "request-head":
      case "body":
        return this.#fail("request-timeout");
      case "keep-alive":
        return this.close("idle-timeout");
      case "send":
        return this.close("send-stalled");
      case "linger":
        return this.close("done"); // the peer had its time to read the answer
    }
  }

  /** Answers the final response (if any is queued) and closes: the graceful way out. */
  drainThenClose(): void {
    if (this.state === "closed" || this.state === "draining" || this.state === "lingering") return;
    this.#enter("draining");
    if (this.#queue.isEmpty) this.#finish();
    else this.#setDeadline("send", this.#context.now() + this.#context.keepAliveMs); // the request deadline is over
  }

  /** The one way out (STYLE rule 10): frees the connection and tells the server, exactly once. */
  close(reason: CloseReason): void {
    if (this.state === "closed") return;
    const hadUnsent = !this.#queue.isEmpty;
    const wasLingering = this.isLingering;
    this.#enter("closed");
    this.#queue.clear();
    // end() would drop unsent bytes anyway; a stalled or broken peer gets a reset, everyone else a FIN. A lingering
    // connection whose peer never answered our FIN (linger over, or evicted) is cut: it had its time to read.
    const isAbrupt = hadUnsent || reason === "send-stalled" || reason === "protocol-error" || (wasLingering && !this.#isPeerEnded);
    if (isAbrupt) this.#socket.terminate();
    else this.#socket.end();
    this.#context.onClosed(this, reason);
  }

  /** The socket is gone (peer reset or closed, or our own close completed). */
  onSocketClosed(): void {
    this.close(this.state === "draining" || this.state === "lingering" ? "done" : "peer-closed");
  }

  #process(): void {
    const received = this.#received;
    while (this.state === "awaiting-request" || this.state === "reading-body") {
      if (this.state === "awaiting-request") {
        if (received.length === 0) break;
        this.#head.reset();
        const used = parseRequestHead(received.bytes, received.start, received.end, this.#head);
        if (used === 0) break;
        if (typeof used === "string") return this.#fail(used);
        this.#headEnd = received.start + used;
        const head = this.#head;
        if (head.contentLength > this.#context.maxBodyBytes) return this.#fail("body-too-large");
        if (head.isChunked || head.contentLength > 0) {
          this.#chunked = head.isChunked ? new ChunkedDecoder(this.#context.maxBodyBytes) : null;
          this.#bodyCursor = this.#headEnd;
          this.#enter("reading-body");
          this.#setDeadline("body", this.lastActiveAt + this.#context.keepAliveMs);
          if (head.expectsContinue && this.#headEnd === received.end) this.#queue.send(this.#socket, CONTINUE_BYTES);
          continue;
        }
        this.#dispatch(EMPTY, this.#headEnd);
      } else {
        let body: Uint8Array;
        let requestEnd: number;
        if (this.#chunked !== null) {
          const progress = this.#chunked.feed(received.bytes, this.#bodyCursor, received.end);
          this.#bodyCursor += this.#chunked.consumed;
          if (progress === "more") break;
          if (progress !== "done") return this.#fail(progress);
          body = this.#chunked.body;
          requestEnd = this.#bodyCursor;
        } else {
          requestEnd = this.#headEnd + this.#head.contentLength;
          if (received.end < requestEnd) break;
          body = received.bytes.subarray(this.#headEnd, requestEnd);
        }
        this.#dispatch(body, requestEnd);
      }
      // after a dispatch: answered, maybe queued or closing
      if (this.state !== "awaiting-request" && this.state !== "reading-body") break;
      if (!this.#queue.isEmpty) {
        this.#enter("responding");
        // A reader that takes no byte for the keep-alive time is gone (issue 11: slow readers are cut, counted).
        this.#setDeadline("send", this.lastActiveAt + this.#context.keepAliveMs);
        this.#isReadPaused = true; // backpressure: read no more until the answer is out (rule 12)
        this.#socket.pause();
        break;
      }
      this.#enterIdleOrNext();
    }
    received.compact(this.state === "awaiting-request"); // once per chunk (rule 7); idle: a large buffer goes back
    this.#closeIfPeerGone();
  }

  /** Every complete request has been answered by now; with the peer's FIN nothing more can come. */
  #closeIfPeerGone(): void {
    if (!this.#isPeerEnded) return;
    if (this.state === "awaiting-request" || this.state === "reading-body") this.close("peer-closed");
  }

  #dispatch(body: Uint8Array, requestEnd: number): void {
    const head = this.#head;
    const view = this.#view;
    if (!head.holdsFields) this.#parseHeadAgain();
    view.fill(this.#received.bytes, body);
    let reply: Reply;
    try {
      reply = this.#context.handler(view);
    } catch (error) {
      this.#context.errorLog(`handler failed on ${head.method} ${head.target}: ${(error as Error)?.stack ?? error}`);
      reply = HANDLER_FAILED;
    }
    view.release();
    this.requestCount++;
    const stats = this.#context.stats;
    stats.requests++;
    stats.countStatus(reply.status);
    this.#received.consume(requestEnd - this.#received.start);
    this.#chunked = null;
    const keepAlive = head.wantsKeepAlive && !this.#context.isStopping();
    this.#isCloseAsked = !head.wantsKeepAlive;
    const sent = writeReply(this.#queue, this.#socket, reply, view.isHead, connectionLine(keepAlive, head.version === 10));
    this.#context.accessLog?.(
      `${this.remoteAddress} "${head.method} ${head.target} HTTP/1.${head.version === 11 ? 1 : 0}" ${reply.status} ${sent}`,
    );
    if (!keepAlive) this.drainThenClose();
  }

  /**
   * The body came in later socket events and another connection's parse took the shared field table meanwhile
   * (`RequestHead.fields`): the head, still unconsumed at the front of the receive buffer, is parsed again. It parsed
   * once, so it parses the same; anything else is a bug.
   */
  #parseHeadAgain(): void {
    const received = this.#received;
    this.#head.reset();
    const used = parseRequestHead(received.bytes, received.start, this.#headEnd, this.#head);
    if (used !== this.#headEnd - received.start) throw new Error(`connection ${this.id}: the head parsed again gave ${used}`);
  }

  /** A protocol failure: its prebuilt reply, then close (the framing can no longer be trusted). */
  #fail(code: ProtocolError): void {
    this.#queue.send(this.#socket, protocolErrorReply(code));
    const status = protocolErrorStatus(code);
    this.#context.stats.countStatus(status);
    this.#context.accessLog?.(`${this.remoteAddress} (${code}) ${status}`);
    this.drainThenClose();
  }

  /**
   * The queue is empty: send FIN but keep reading (and dropping) input for a moment. Closing outright while the
   * peer still sends (the rest of a refused body, pipelined requests) makes the kernel answer with a reset, which
   * can destroy our last answer in the peer's receive buffer before it is read (RFC 9112 §9.6).
   */
  #finish(): void {
    // The client said it sends no more, and nothing more came: no input to drop, so no reset can destroy the answer,
    // and the connection closes at once rather than lingering for the peer's FIN, as nginx's lingering_close does by
    // default. A client opening a connection per request (ab, HTTP/1.0 tools) then frees its slot at once (issue 22).
    if (this.#isCloseAsked && this.#received.length === 0 && !this.#isReadPaused) return this.close("done");
    this.#enter("lingering");
    this.#socket.shutdown();
    this.#setDeadline("linger", this.#context.now() + LINGER_MS);
    if (this.#isPeerEnded) this.close("done");
  }

  #enterIdleOrNext(): void {
    this.#enter("awaiting-request");
    const now = this.lastActiveAt;
    if (this.#holdsNoRequest()) this.#setDeadline("keep-alive", now + this.#context.keepAliveMs);
    else this.#setDeadline("request-head", now + FIRST_REQUEST_TIMEOUT_MS);
  }

  /**
   * Nothing buffered but, at most, the stray CRLFs old clients send after a body (RFC 9112 §2.2): those start no
   * request, so the connection is still idle (evictable, on the keep-alive deadline).
   */
  #holdsNoRequest(): boolean {
    const { bytes, start, end } = this.#received;
    if (end - start > MAX_STRAY_BLANK_BYTES) return false;
    for (let i = start; i < end; i++) if (bytes[i] !== CR && bytes[i] !== LF) return false;
    return true;
  }

  /** The one place `state` is written; the invariants of each transition are checked here (STYLE rule 4). */
  #enter(next: ConnectionState): void {
    const from = this.state;
    if (from === "closed") this.#badTransition(next, "nothing leaves closed");
    switch (next) {
      case "waiting-for-slot":
        if (from !== "awaiting-request" || this.#hasReceived) this.#badTransition(next, "only a new connection waits for a slot");
        break;
      case "awaiting-request":
        if (from === "draining" || from === "lingering") this.#badTransition(next, "the final answer was given");
        break;
      case "reading-body":
        if (from !== "awaiting-request") this.#badTransition(next, "a body follows a head");
        break;
      case "responding":
        if (from !== "awaiting-request" && from !== "reading-body") this.#badTransition(next, "only an answer just given is queued");
        if (this.#queue.isEmpty) this.#badTransition(next, "responding with an empty queue");
        break;
      case "draining":
        if (from === "draining" || from === "lingering") this.#badTransition(next, "the final answer was given already");
        break;
      case "lingering":
        if (from !== "draining" || !this.#queue.isEmpty) this.#badTransition(next, "lingering only once the final answer is all out");
        break;
      case "closed":
        break;
    }
    this.state = next;
  }

  #badTransition(next: ConnectionState, why: string): never {
    throw new Error(`connection ${this.id}: ${this.state} → ${next}: ${why}`);
  }

  #setDeadline(kind: DeadlineKind, at: number): void {
    // The linger deadline belongs to the lingering state alone, and a lingering connection waits for nothing else.
    if ((kind === "linger") !== (this.state === "lingering")) {
      throw new Error(`connection ${this.id}: ${kind} deadline while ${this.state}`);
    }
    this.deadlineKind = kind;
    this.deadlineAt = at;
  }

  /** The receive buffer moved its unconsumed bytes down by `by`: the offsets held here into it move with them. */
  #shift(by: number): void {
    this.#headEnd -= by;
    this.#bodyCursor -= by;
    this.#head.shift(by);
  }
}
