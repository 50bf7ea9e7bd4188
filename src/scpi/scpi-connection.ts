/**
 * @module One SCPI client on raw TCP (issue 10): receive buffer, interpreter, send queue and deadline in one class
 * (STYLE rule 3), states changed only by `#enter` (rule 4), the backpressure HTTP has (rules 12 and 21). Program
 * messages end in LF (CR LF accepted) and run in arrival order, one at a time, only while nothing waits in the send
 * queue: a client that does not read its replies is not read either (its bytes wait in the kernel, not here), and
 * after the keep-alive time without taking a byte it is closed, the reason logged. Every deadline is the
 * keep-alive time: silent (idle), a message begun but not ended (a trickle), replies not taken (a non-reader).
 *
 *   reading ──a reply the socket did not take──▶ sending ──queue empty──▶ reading
 *   reading ──*WAI / *OPC? while a tone plays──▶ waiting ──tone over──▶ reading
 *   reading ──MAX_MESSAGES_PER_TURN run, more complete──▶ yielding ──next turn of the event loop──▶ reading
 *   any ──drainThenClose(reason)──▶ draining ──queue empty──▶ FIN, lingering
 *   lingering ──peer FIN or linger over──▶ closed
 */
import { ReceiveBuffer } from "../http/receive-buffer.ts";
import { SendQueue, type StreamSocket } from "../http/send-queue.ts";
import { printableAscii } from "./printable-text.ts";
import type { ScpiCommands } from "./scpi-commands.ts";
import { ScpiError } from "./scpi-errors.ts";
import { ScpiInterpreter, type RunResult } from "./scpi-interpreter.ts";
import type { MessageUnit } from "./scpi-lexer.ts";
import { LINGER_MS, MAX_MESSAGE_BYTES, MAX_MESSAGES_PER_TURN, MAX_RECEIVE_BYTES, RECEIVE_BUFFER_INITIAL_BYTES } from "./scpi-limits.ts";
import { boundedEntry } from "./scpi-status.ts";

export type ScpiConnectionState = "reading" | "waiting" | "yielding" | "sending" | "draining" | "lingering" | "closed";
export type ScpiDeadlineKind = "idle" | "message" | "operation" | "send" | "linger";
export type ScpiCloseReason =
  | "peer-closed"
  | "idle-timeout"
  | "message-timeout"
  | "send-stalled"
  | "protocol-error"
  | "refused"
  | "server-stop";

/** The socket operations a connection uses (a Bun socket; a fake in unit tests). */
export type ScpiSocket = StreamSocket;

/** What every connection shares with its server. */
export interface ScpiConnectionContext {
  readonly commands: ScpiCommands;
  readonly keepAliveMs: number;
  readonly now: () => number;
  readonly log: (line: string) => void;
  onClosed(connection: ScpiConnection, reason: ScpiCloseReason): void;
}

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const NO_RESPONSES: readonly string[] = [];
const TOO_LONG = `a message over ${MAX_MESSAGE_BYTES} bytes`;
/** Shared empty receive buffer: a connection allocates its own only when bytes arrive. */

export class ScpiConnection {
  readonly host: string; // client host without "::ffff:" (the session rule's unit)
  state: ScpiConnectionState = "reading"; // written only by #enter
  deadlineAt: number; // clock ms when `deadlineKind` fires
  deadlineKind: ScpiDeadlineKind = "idle"; // what happens at deadlineAt
  #socket: ScpiSocket; // the TCP socket
  #context: ScpiConnectionContext; // shared settings and callbacks
  #interpreter: ScpiInterpreter; // path, error queue and status registers of this client
  #queue = new SendQueue(); // replies not yet taken by the socket
  readonly #received = new ReceiveBuffer(MAX_RECEIVE_BYTES, RECEIVE_BUFFER_INITIAL_BYTES); // [start, end) not yet run
  #scanFrom = 0; // where the search for the next LF resumes (each byte scanned once)
  #paused: { units: readonly MessageUnit[]; responses: readonly string[] } | null = null; // the rest of a waiting message
  #closeReason: ScpiCloseReason = "peer-closed"; // why draining / lingering ends in close
  #isReadPaused = false; // socket.pause() in force (waiting, yielding, sending)
  #isPeerEnded = false; // the peer sent FIN: answer what is complete, then close

  constructor(socket: ScpiSocket, host: string, context: ScpiConnectionContext) {
    this.#socket = socket;
    this.host = host;
    this.#context = context;
    this.#interpreter = new ScpiInterpreter(context.commands, host);
    this.deadlineAt = context.now() + context.keepAliveMs;
  }

  /** This client held the device: its close ends the session if its host still owns it. */
  get hasOwned(): boolean {
    return this.#interpreter.hasOwned;
  }

  /** A newcomer over the connection limit: one error line, then FIN and a short linger so the line is read. */
  refuse(line: Uint8Array): void {
    this.#queue.send(this.#socket, line);
    this.drainThenClose("refused");
  }

  onData(chunk: Uint8Array): void {
    if (this.state === "draining" || this.state === "lingering" || this.state === "closed") return; // dropped
    if (chunk.includes(NUL)) return this.#fail(new ScpiError(-101, "a NUL byte: SCPI messages are text"));
    const movedBy = this.#received.append(chunk);
    if (movedBy === "over-limit") return this.#fail(new ScpiError(-363, `over ${MAX_RECEIVE_BYTES} bytes received while replies wait`));
    this.#scanFrom -= movedBy; // copied once; the LF search resumes where it was
    if (this.state === "reading") this.#process();
  }

  onDrain(): void {
    if (this.state === "closed") return;
    const sent = this.#queue.flush(this.#socket);
    if (sent > 0 && !this.#queue.isEmpty) this.#setDeadline("send", this.#context.now() + this.#context.keepAliveMs);
    if (!this.#queue.isEmpty) return; // also the spurious drains pause() and resume() cause: nothing to do
    if (this.state === "draining") return this.#finish();
    if (this.state === "sending") {
      this.#enter("reading");
      this.#process();
    }
  }

  /** The peer half-closed: messages already received are still answered and their replies sent, then FIN. */
  onPeerEnd(): void {
    this.#isPeerEnded = true;
    if (this.state === "lingering") return this.close(this.#closeReason); // both sides said FIN
    if (this.state === "reading") this.#process();
  }

  /** One deadline check; the server's single tick calls it (STYLE rule 11). */
  onTick(now: number): void {
    if (this.state === "closed" || now < this.deadlineAt) return;
    const seconds = this.#context.keepAliveMs / 1000;
    switch (this.deadlineKind) {
      case "operation":
        return this.#resumeWaiting();
      case "idle":
        this.#log(`silent for ${seconds} s; closing the connection`);
        return this.drainThenClose("idle-timeout");
      case "message":
        this.#log(`a message still without its LF after ${seconds} s (${this.#received.length} bytes); closing the connection`);
        return this.drainThenClose("message-timeout");
      case "send":
        this.#log(`took no reply byte for ${seconds} s (${this.#queue.queuedBytes} bytes unsent); closing the connection`);
        return this.close("send-stalled");
      case "linger":
        return this.close(this.#closeReason);
    }
  }

  /** Reads no more messages; sends the replies already queued, then FIN, then closes: the graceful way out. */
  drainThenClose(reason: ScpiCloseReason): void {
    if (this.state === "draining" || this.state === "lingering" || this.state === "closed") return;
    this.#closeReason = reason;
    this.#paused = null;
    this.#enter("draining");
    if (this.#queue.isEmpty) this.#finish();
    else this.#setDeadline("send", this.#context.now() + this.#context.keepAliveMs);
  }

  /** The one way out (STYLE rule 10): frees the connection and tells the server, exactly once. */
  close(reason: ScpiCloseReason): void {
    if (this.state === "closed") return;
    const unsent = this.#queue.queuedBytes;
    const wasLingering = this.state === "lingering";
    this.#enter("closed");
    this.#queue.clear();
    this.#paused = null;
    this.#received.release();
    // end() would drop unsent bytes: say so. A stalled peer, or one that never answered our FIN, gets a reset.
    if (unsent > 0 && reason !== "send-stalled") this.#log(`closing with ${unsent} bytes of replies unsent (${reason})`);
    if (unsent > 0 || reason === "send-stalled" || (wasLingering && !this.#isPeerEnded)) this.#socket.terminate();
    else this.#socket.end();
    this.#context.onClosed(this, reason);
  }

  /** The socket is gone (peer reset, or our own close completed). */
  onSocketClosed(): void {
    this.close(this.state === "lingering" ? this.#closeReason : "peer-closed");
  }

  /** Runs every complete message in order while nothing waits in the send queue; compacts once (STYLE rule 7). */
  #process(): void {
    let runs = 0;
    while (this.state === "reading") {
      const lf = this.#findLf();
      if (lf < 0) {
        if (this.#received.length > MAX_MESSAGE_BYTES) return this.#fail(new ScpiError(-363, TOO_LONG));
        break;
      }
      const start = this.#received.start;
      if (lf - start > MAX_MESSAGE_BYTES) return this.#fail(new ScpiError(-363, TOO_LONG));
      if (runs === MAX_MESSAGES_PER_TURN) {
        this.#yieldTurn();
        break;
      }
      const bytes = this.#received.bytes;
      const lineEnd = lf > start && bytes[lf - 1] === CR ? lf - 1 : lf;
      const line = bytes.toString("latin1", start, lineEnd);
      this.#received.consume(lf + 1 - start);
      this.#scanFrom = lf + 1;
      runs++;
      this.#answer(this.#interpreter.run(line, true), NO_RESPONSES);
      if (this.state === "reading" && !this.#queue.isEmpty) this.#waitForReader();
    }
    this.#received.compact(true);
    if (this.#received.length === 0) this.#scanFrom = 0;
    if (this.state !== "reading") return;
    if (this.#isReadPaused) {
      this.#isReadPaused = false;
      this.#socket.resume();
    }
    const now = this.#context.now();
    if (this.#isPeerEnded) {
      // A message cut off by the FIN is not run: a crashed client's half-written "MOT:LEFT 1.0E-1" must not drive at 1.
      if (this.#received.length > 0) this.#log(`${this.#received.length} bytes without an LF at the client's FIN, not run`);
      return this.drainThenClose("peer-closed");
    }
    if (this.#received.length === 0) this.#setDeadline("idle", now + this.#context.keepAliveMs);
    else if (runs > 0 || this.deadlineKind !== "message") this.#setDeadline("message", now + this.#context.keepAliveMs);
  }

  /** Queues a message's responses as one line, or keeps them while it waits on `*WAI` / `*OPC?` (in order). */
  #answer(r: RunResult, carried: readonly string[]): void {
    const responses = carried.length === 0 ? r.responses : [...carried, ...r.responses];
    if (r.paused === null) {
      if (responses.length > 0) this.#queue.send(this.#socket, Buffer.from(`${responses.join(";")}\n`, "latin1"));
      return;
    }
    this.#paused = { units: r.paused.units, responses };
    this.#enter("waiting");
    this.#pauseReading();
    this.#setDeadline("operation", this.#context.now() + r.paused.waitMs);
  }

  /** The operation is over: the rest of the waiting message runs, then the messages after it. */
  #resumeWaiting(): void {
    const paused = this.#paused!;
    this.#paused = null;
    this.#enter("reading");
    this.#answer(this.#interpreter.resume(paused.units, true, true), paused.responses);
    if (this.state !== "reading") return;
    if (!this.#queue.isEmpty) return this.#waitForReader();
    this.#process();
  }

  /** Enough for one turn: the other clients' events run first, then this one's next messages (setImmediate). */
  #yieldTurn(): void {
    this.#enter("yielding");
    this.#pauseReading();
    setImmediate(() => {
      if (this.state !== "yielding") return; // closed meanwhile
      this.#enter("reading");
      this.#process();
    });
  }

  /** A reply the socket did not take: run nothing more and read nothing more until it is out (rule 12). */
  #waitForReader(): void {
    this.#enter("sending");
    this.#pauseReading();
    this.#setDeadline("send", this.#context.now() + this.#context.keepAliveMs);
  }

  /** A broken rule: logged as its SCPI error (the log is all such a client gets), then the graceful close. */
  #fail(error: ScpiError): void {
    this.#log(`${boundedEntry(error)}; closing the connection`);
    this.drainThenClose("protocol-error");
  }

  /** The queue is empty: FIN, then read and drop input for a moment, so the last reply is not lost to a reset. */
  #finish(): void {
    if (this.#isPeerEnded) return this.close(this.#closeReason);
    this.#socket.shutdown();
    this.#enter("lingering");
    if (this.#isReadPaused) {
      this.#isReadPaused = false;
      this.#socket.resume();
    }
    this.#setDeadline("linger", this.#context.now() + LINGER_MS);
  }

  #pauseReading(): void {
    if (this.#isReadPaused) return;
    this.#isReadPaused = true;
    this.#socket.pause();
  }

  #log(text: string): void {
    this.#context.log(`scpi ${this.host}: ${text}`);
  }

  #enter(next: ScpiConnectionState): void {
    // Invariants at transitions: nothing leaves "closed"; a message runs only with the queue empty; "sending" only
    // with something queued; "waiting" and "yielding" only from "reading".
    if (this.state === "closed") throw new Error(`scpi ${this.host}: transition from closed to ${next}`);
    if (next === "reading" && !this.#queue.isEmpty) throw new Error(`scpi ${this.host}: reading with replies queued`);
    if (next === "sending" && this.#queue.isEmpty) throw new Error(`scpi ${this.host}: sending with an empty queue`);
    if ((next === "waiting" || next === "yielding") && this.state !== "reading") {
      throw new Error(`scpi ${this.host}: ${next} from ${this.state}`);
    }
    this.state = next;
  }

  #setDeadline(kind: ScpiDeadlineKind, at: number): void {
    this.deadlineKind = kind;
    this.deadlineAt = at;
  }

  /** The next LF at or after #scanFrom, or -1 (then every byte up to the end has been looked at once). */
  #findLf(): number {
    // a view bounds the search at the end (indexOf on the whole storage would scan its stale tail too)
    const i = this.#received.bytes.subarray(this.#scanFrom, this.#received.end).indexOf(LF);
    if (i < 0) {
      this.#scanFrom = this.#received.end;
      return -1;
    }
    return this.#scanFrom + i;
  }
}
