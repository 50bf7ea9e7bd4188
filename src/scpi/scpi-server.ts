/**
 * @module SCPI over raw TCP (issue 10, the instrument port 5025 by convention): the listener, the connection limit
 * and the one deadline tick (STYLE rule 11); each client is a `ScpiConnection`. The limits HTTP has (rule 21): at
 * most MAX_SCPI_CONNECTIONS clients (a newcomer beyond gets one error line, then FIN), a message at most 64 KiB and
 * finished within the keep-alive time, a client silent or not reading its replies for that long is closed, the
 * reason logged first. Closing a connection that held the device ends the session at once (the motors stop).
 */
import type { Socket, TCPSocketListener } from "bun";
import { ScpiConnection, type ScpiCloseReason, type ScpiConnectionContext } from "./scpi-connection.ts";
import type { ScpiCommands } from "./scpi-commands.ts";
import { ScpiError } from "./scpi-errors.ts";
import { MAX_SCPI_CONNECTIONS, MAX_SCPI_REFUSED_LINGERING, REFUSAL_LOG_INTERVAL_MS, TICK_INTERVAL_MS } from "./scpi-limits.ts";

export interface ScpiServerOptions {
  readonly host: string;
  readonly port: number;
  readonly keepAliveS: number;
  /** The command set, built before the port opens (the appliance makes it first: no forward reference). */
  readonly commands: ScpiCommands;
  /** The client's connection closed after it held the device: end the session if its host still owns it. */
  readonly onOwnerGone: (host: string) => void;
  readonly log: (line: string) => void;
  /** Milliseconds clock; tests inject their own. */
  readonly now?: () => number;
}

/** What a newcomer over the limit reads before the FIN: a lab program's next query shows it as the answer. */
const REFUSAL = new ScpiError(101, `all ${MAX_SCPI_CONNECTIONS} SCPI connections are in use; try again later`);
const REFUSAL_LINE = Buffer.from(`${REFUSAL.entry}\n`);

const plain = (address: string) => (address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address);

export class ScpiServer {
  readonly #o: ScpiServerOptions;
  readonly #now: () => number;
  readonly #connections = new Set<ScpiConnection>(); // clients holding a slot
  readonly #refused = new Set<ScpiConnection>(); // newcomers over the limit reading their error line, oldest first
  #context: ScpiConnectionContext | null = null; // made on the first connection (it needs the commands)
  #listener: TCPSocketListener<ScpiConnection | undefined> | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;
  #refusedUnlogged = 0; // refusals since the last log line about them
  #refusalLoggedAt = -Infinity; // clock ms of that line

  constructor(o: ScpiServerOptions) {
    this.#o = o;
    this.#now = o.now ?? (() => performance.now());
  }

  get port(): number {
    return this.#listener?.port ?? 0;
  }

  /** Listens; throws with a sentence when the port cannot be had. */
  start(): number {
    try {
      this.#listener = Bun.listen<ScpiConnection | undefined>({
        hostname: this.#o.host,
        port: this.#o.port,
        exclusive: true,
        allowHalfOpen: true, // a client that sends FIN after its queries still gets the replies
        data: undefined,
        socket: {
          binaryType: "uint8array",
          open: (s) => this.#accept(s),
          data: (s, chunk) => s.data?.onData(chunk),
          drain: (s) => s.data?.onDrain(),
          end: (s) => s.data?.onPeerEnd(),
          close: (s) => s.data?.onSocketClosed(),
          error: (s) => s.data?.onSocketClosed(),
        },
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new Error(
        `cannot listen for SCPI on [${this.#o.host}]:${this.#o.port}: ` +
          `${code === "EADDRINUSE" ? "the port is in use" : (error as Error).message}`,
      );
    }
    this.#tick = setInterval(() => this.#onTick(), TICK_INTERVAL_MS);
    this.#tick.unref();
    return this.#listener.port;
  }

  /** Stops at once: a reply still queued is dropped, and the log says how many bytes. */
  stop(): void {
    if (this.#tick !== null) clearInterval(this.#tick);
    this.#tick = null;
    for (const c of [...this.#connections, ...this.#refused]) c.close("server-stop");
    this.#listener?.stop(true);
    this.#listener = null;
  }

  #accept(socket: Socket<ScpiConnection | undefined>): void {
    socket.setNoDelay(true); // lock-step queries: Nagle would add ~40 ms per round trip
    const connection = new ScpiConnection(socket, plain(socket.remoteAddress), this.#contextOnce());
    socket.data = connection;
    if (this.#connections.size < MAX_SCPI_CONNECTIONS) {
      this.#connections.add(connection);
      return;
    }
    if (this.#refused.size >= MAX_SCPI_REFUSED_LINGERING) this.#refused.values().next().value?.close("refused");
    this.#refused.add(connection);
    this.#refusedUnlogged++;
    connection.refuse(REFUSAL_LINE);
  }

  #contextOnce(): ScpiConnectionContext {
    this.#context ??= {
      commands: this.#o.commands,
      keepAliveMs: this.#o.keepAliveS * 1000,
      now: this.#now,
      log: this.#o.log,
      onClosed: (c, reason) => this.#onClosed(c, reason),
    };
    return this.#context;
  }

  #onClosed(connection: ScpiConnection, _reason: ScpiCloseReason): void {
    if (this.#refused.delete(connection)) return;
    this.#connections.delete(connection);
    if (connection.hasOwned) this.#o.onOwnerGone(connection.host);
  }

  #onTick(): void {
    const now = this.#now();
    for (const c of this.#connections) if (now >= c.deadlineAt) c.onTick(now);
    for (const c of this.#refused) if (now >= c.deadlineAt) c.onTick(now);
    if (this.#refusedUnlogged > 0 && now - this.#refusalLoggedAt >= REFUSAL_LOG_INTERVAL_MS) {
      const n = this.#refusedUnlogged;
      this.#o.log(
        `scpi: ${n} connection${n === 1 ? "" : "s"} refused, all ${MAX_SCPI_CONNECTIONS} in use ` +
          `(said once per ${REFUSAL_LOG_INTERVAL_MS / 1000} s)`,
      );
      this.#refusedUnlogged = 0;
      this.#refusalLoggedAt = now;
    }
  }
}
