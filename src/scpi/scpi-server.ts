/**
 * @module SCPI over raw TCP (issue 10, the instrument port 5025 by convention): one interpreter per connection,
 * program messages ending in LF (CR LF accepted), responses ending in LF, all on the one thread. A message over
 * 64 KiB, a NUL byte, or a client silent for the keep-alive time closes the connection, the reason logged first.
 * Closing a connection that held the device ends the session at once (the motors stop through its "end" event).
 */
import type { Socket, TCPSocketListener } from "bun";
import { SendQueue } from "../http/send-queue.ts";
import type { ScpiCommands } from "./scpi-commands.ts";
import { ScpiError } from "./scpi-errors.ts";
import { ScpiInterpreter, type RunResult } from "./scpi-interpreter.ts";

export const MAX_MESSAGE_BYTES = 64 * 1024;
const LF = 0x0a;
const CR = 0x0d;

export interface ScpiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly keepAliveS: number;
  /** The command set; asked for when the first client connects (it needs the session manager made after us). */
  readonly commands: () => ScpiCommands;
  /** The client's connection closed after it held the device: end the session if its host still owns it. */
  readonly onOwnerGone: (host: string) => void;
  readonly log: (line: string) => void;
}

const plain = (address: string) => (address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address);

class ScpiConnection {
  readonly host: string;
  readonly #socket: Socket<ScpiConnection>;
  readonly #interpreter: ScpiInterpreter;
  readonly #queue = new SendQueue();
  readonly #o: ScpiServerOptions;
  #received: Buffer = Buffer.alloc(0);
  #lastHeardAt = performance.now();
  #isWaiting = false; // a message waits on *WAI / *OPC?: read no further
  #isClosed = false;

  constructor(socket: Socket<ScpiConnection>, o: ScpiServerOptions) {
    this.#socket = socket;
    this.#o = o;
    this.host = plain(socket.remoteAddress);
    this.#interpreter = new ScpiInterpreter(o.commands(), this.host);
  }

  get isIdle(): boolean {
    return performance.now() - this.#lastHeardAt > this.#o.keepAliveS * 1000;
  }

  onData(chunk: Buffer): void {
    this.#lastHeardAt = performance.now();
    if (chunk.includes(0)) return this.close(new ScpiError(-101, "a NUL byte: SCPI messages are text"));
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    this.#drainLines();
  }

  onDrain(): void {
    this.#queue.flush(this.#socket);
  }

  /** Closes, saying why first (the log is all a client that broke the rules will get). */
  close(why: ScpiError | string | null): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (why !== null) this.#o.log(`scpi ${this.host}: ${why instanceof ScpiError ? why.entry : why}; closing the connection`);
    this.#socket.end();
  }

  onClosed(): void {
    this.#isClosed = true;
    if (this.#interpreter.hasOwned) this.#o.onOwnerGone(this.host);
  }

  #drainLines(): void {
    while (!this.#isWaiting && !this.#isClosed) {
      const end = this.#received.indexOf(LF);
      if (end < 0) {
        if (this.#received.length > MAX_MESSAGE_BYTES) this.close(new ScpiError(-363, `a message over ${MAX_MESSAGE_BYTES} bytes`));
        return;
      }
      if (end > MAX_MESSAGE_BYTES) return this.close(new ScpiError(-363, `a message over ${MAX_MESSAGE_BYTES} bytes`));
      const lineEnd = end > 0 && this.#received[end - 1] === CR ? end - 1 : end;
      const line = this.#received.subarray(0, lineEnd).toString("latin1");
      this.#received = this.#received.subarray(end + 1);
      this.#answer(this.#interpreter.run(line, true), []);
    }
  }

  /**
   * Sends a message's responses as one line; when it waits on `*WAI` / `*OPC?`, reading stops (later messages wait
   * their turn, in order) and the rest of it runs when the tone is over.
   */
  #answer(r: RunResult, carried: readonly string[]): void {
    const responses = [...carried, ...r.responses];
    const paused = r.paused;
    if (paused === null) {
      if (responses.length > 0) this.#send(responses.join(";"));
      return;
    }
    this.#isWaiting = true;
    setTimeout(() => {
      this.#isWaiting = false;
      if (this.#isClosed) return;
      this.#answer(this.#interpreter.resume(paused.units, true, true), responses);
      this.#drainLines();
    }, paused.waitMs);
  }

  #send(text: string): void {
    this.#queue.send(this.#socket, Buffer.from(`${text}\n`, "latin1"));
  }
}

export class ScpiServer {
  readonly #o: ScpiServerOptions;
  readonly #connections = new Set<ScpiConnection>();
  #listener: TCPSocketListener<ScpiConnection> | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;

  constructor(o: ScpiServerOptions) {
    this.#o = o;
  }

  get port(): number {
    return this.#listener?.port ?? 0;
  }

  /** Listens; throws with a sentence when the port cannot be had. */
  start(): number {
    try {
      this.#listener = Bun.listen<ScpiConnection>({
        hostname: this.#o.host,
        port: this.#o.port,
        exclusive: true,
        data: undefined as unknown as ScpiConnection,
        socket: {
          binaryType: "buffer",
          open: (s) => {
            s.setNoDelay(true);
            s.data = new ScpiConnection(s, this.#o);
            this.#connections.add(s.data);
          },
          data: (s, chunk) => s.data?.onData(chunk),
          drain: (s) => s.data?.onDrain(),
          close: (s) => { if (s.data !== undefined) { this.#connections.delete(s.data); s.data.onClosed(); } },
          error: (s) => s.data?.close(null),
        },
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new Error(`cannot listen for SCPI on [${this.#o.host}]:${this.#o.port}: ${code === "EADDRINUSE" ? "the port is in use" : (error as Error).message}`);
    }
    // Silent clients are let go after the keep-alive time (checked once a second: the precision needed).
    this.#tick = setInterval(() => { for (const c of this.#connections) if (c.isIdle) c.close(`silent for ${this.#o.keepAliveS} s`); }, 1000);
    this.#tick.unref();
    return this.#listener.port;
  }

  stop(): void {
    if (this.#tick !== null) clearInterval(this.#tick);
    for (const c of this.#connections) c.close(null);
    this.#listener?.stop(true);
    this.#listener = null;
  }
}
