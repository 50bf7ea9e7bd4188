/**
 * @module The TCP listener: accepts connections up to a limit, routes socket events to their Connection, and runs
 * the one deadline tick with one injected clock (STYLE rule 11), while any connection is open. Over the limit
 * (issue 11) a newcomer takes the slot of a truly idle connection (lingering, or idle for EVICTABLE_AFTER_IDLE_MS),
 * else it is refused with a complete 503: working clients are never evicted, so arrivals cannot thrash them.
 */
import type { Socket, TCPSocketListener } from "bun";
import { Connection, type ConnectionContext } from "./connection.ts";
import {
  COLLECT_AFTER_CLOSED,
  MAX_REFUSED_LINGERING,
  MAX_WAITING_FOR_SLOT,
  SLOT_WAIT_MS,
  STOP_GRACE_MS,
  TICK_INTERVAL_MS,
} from "./limits.ts";
import { ServerStats, type EvictionKind, type ServerStatsSnapshot } from "./server-stats.ts";
import type { CloseReason, RequestHandler } from "./types.ts";

export interface HttpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly keepAliveS: number;
  readonly maxConnections: number;
  readonly maxBodyBytes: number;
  readonly handler: RequestHandler;
  /** One line per request when set. */
  readonly accessLog?: (line: string) => void;
  readonly errorLog?: (line: string) => void;
  /** Told once per connection when it ends, with why (sessions and devices react here). */
  readonly onConnectionClose?: (connectionId: number, remoteAddress: string, reason: CloseReason) => void;
  /** Milliseconds clock; tests inject their own. */
  readonly now?: () => number;
  /** A full garbage collection, run once a burst of connections is over (COLLECT_AFTER_CLOSED); default Bun.gc(true). */
  readonly collectGarbage?: () => void;
}

/** Thrown by `start()` when the port cannot be had; main turns it into exit status 1. */
export class ListenError extends Error {}

/** "::ffff:192.0.2.1" → "192.0.2.1": dual-stack listeners see IPv4 peers as mapped IPv6. */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** Synchronous and full, so what the burst left is freed before the tick returns (1-7 ms measured, once per burst). */
function collectGarbage(): void {
  Bun.gc(true);
}

export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #connections = new Map<number, Connection>(); // connections holding a slot, by id
  readonly #waiting = new Map<number, Connection>(); // newcomers waiting for a slot, oldest first
  readonly #refused = new Map<number, Connection>(); // refused newcomers reading their 503 (no slot), oldest first
  readonly #context: ConnectionContext;
  readonly #stats: ServerStats; // counters for GET /?stats
  #listener: TCPSocketListener<Connection | undefined> | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;
  #nextId = 1;
  #isStopping = false;
  #closedSinceCollection = 0; // connections closed since the last collection (any, with a slot or not)
  #acceptedThisTick = 0; // connections accepted since the last tick: none means the burst is over

  constructor(options: HttpServerOptions) {
    this.#options = options;
    const now = options.now ?? (() => performance.now());
    this.#stats = new ServerStats(options.maxConnections, now());
    this.#context = {
      handler: options.handler,
      keepAliveMs: options.keepAliveS * 1000,
      maxBodyBytes: options.maxBodyBytes,
      now,
      accessLog: options.accessLog ?? null,
      errorLog: options.errorLog ?? ((line) => console.error(line)),
      isStopping: () => this.#isStopping,
      stats: this.#stats,
      onRefused: (c) => this.#onRefused(c),
      onClosed: (c, reason) => {
        this.#closedSinceCollection++;
        if (this.#refused.delete(c.id) || this.#waiting.delete(c.id)) return; // never had a slot: nobody above heard of it
        this.#connections.delete(c.id);
        options.onConnectionClose?.(c.id, c.remoteAddress, reason);
        this.#admitWaiting();
      },
    };
  }

  get port(): number {
    return this.#listener?.port ?? 0;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Whether the deadline tick runs: only while a connection is open or a collection waits (#isQuiet). */
  get isTicking(): boolean {
    return this.#tick !== null;
  }

  /** Every counter now, JSON-ready (issue 11: `GET /?stats`). */
  stats(): ServerStatsSnapshot {
    return this.#stats.snapshot(this.#context.now(), this.#connections.size, this.#waiting.size, this.#refused.size);
  }

  start(): { port: number } {
    try {
      this.#listener = Bun.listen<Connection | undefined>({
        hostname: this.#options.host,
        port: this.#options.port,
        exclusive: true, // a second server on the same port must fail, not share it
        allowHalfOpen: true, // a client that sends FIN after its request still gets the answer
        data: undefined,
        socket: {
          binaryType: "buffer", // a Buffer per event, lent to the receive buffer (Connection.onData)
          open: (socket) => this.#accept(socket),
          data: (socket, bytes) => socket.data?.onData(bytes),
          drain: (socket) => socket.data?.onDrain(),
          end: (socket) => socket.data?.onPeerEnd(),
          close: (socket) => socket.data?.onSocketClosed(),
          error: (socket, error) => {
            this.#context.errorLog(`connection ${socket.data?.id ?? "?"}: ${error.message}`);
            socket.data?.onSocketClosed();
          },
        },
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      const why = code === "EADDRINUSE" ? "the port is already in use (is another httap running?)" : (error as Error).message;
      throw new ListenError(`cannot listen on [${this.#options.host}]:${this.#options.port}: ${why}`);
    }
    return { port: this.#listener.port };
  }

  /** Stops accepting, lets idle connections go and answers in flight finish briefly, then cuts the rest. */
  async stop(): Promise<void> {
    if (this.#isStopping) return;
    this.#isStopping = true;
    this.#listener?.stop(false);
    for (const c of [...this.#waiting.values(), ...this.#refused.values()]) c.close("server-stop");
    for (const c of this.#connections.values()) {
      if (c.isIdle || c.isLingering) c.close("server-stop");
      else c.drainThenClose();
    }
    const deadline = performance.now() + STOP_GRACE_MS;
    while (this.#connections.size > 0 && performance.now() < deadline) await Bun.sleep(10);
    for (const c of [...this.#connections.values()]) c.close("server-stop");
    this.#stopTicking();
    this.#listener = null;
  }

  #accept(socket: Socket<Connection | undefined>): void {
    socket.setNoDelay(true); // lock-step small messages: Nagle would add ~40 ms per round trip
    if (this.#isStopping) return void socket.terminate();
    this.#acceptedThisTick++;
    this.#tick ??= setInterval(() => this.#onTick(), TICK_INTERVAL_MS); // ticks while anything is open (#isQuiet)
    const connection = new Connection(this.#nextId++, socket, plainAddress(socket.remoteAddress), this.#context);
    socket.data = connection;
    if (this.#connections.size < this.#options.maxConnections) return this.#giveSlot(connection);
    // The eviction's close gives the freed slot to the oldest newcomer already waiting, if one is: this one then
    // waits behind it, rather than taking a slot over the limit.
    if (this.#evictOneIdle(connection.lastActiveAt) && this.#connections.size < this.#options.maxConnections) {
      return this.#giveSlot(connection);
    }
    // Every slot is working: wait a moment for one (bounded), else say so rather than hang (DESIGN: busy, not a hang).
    if (this.#waiting.size < MAX_WAITING_FOR_SLOT) {
      this.#waiting.set(connection.id, connection);
      connection.waitForSlot(SLOT_WAIT_MS);
    } else {
      connection.refuse();
    }
  }

  #giveSlot(connection: Connection): void {
    const stats = this.#stats;
    this.#connections.set(connection.id, connection);
    stats.accepted++;
    if (this.#connections.size > stats.peak) stats.peak = this.#connections.size;
  }

  /**
   * Every refusal passes here (no slot and none evictable, a wait in vain, too much input while waiting): the
   * newcomer lingers outside the limit, bounded, so its 503 is read rather than reset.
   */
  #onRefused(connection: Connection): void {
    this.#stats.refusedBusy++;
    this.#waiting.delete(connection.id);
    if (this.#refused.size >= MAX_REFUSED_LINGERING) this.#refused.values().next().value?.close("evicted");
    this.#refused.set(connection.id, connection);
  }

  /** A slot was freed: the oldest newcomer still waiting takes it. */
  #admitWaiting(): void {
    if (this.#isStopping) return;
    const next = this.#waiting.values().next().value;
    if (next === undefined) return;
    this.#waiting.delete(next.id);
    this.#giveSlot(next);
    next.admit(this.#context.now());
  }

  /**
   * Frees one slot for a newcomer: a lingering connection (already answered) first, else the one idle the longest,
   * if it has been idle for EVICTABLE_AFTER_IDLE_MS. False when every connection is working.
   */
  #evictOneIdle(now: number): boolean {
    let victim: Connection | null = null;
    let victimKind: EvictionKind | null = null;
    for (const c of this.#connections.values()) {
      const kind = c.evictableAs(now);
      if (kind === null) continue;
      if (kind === "lingering") {
        victim = c;
        victimKind = kind;
        break;
      }
      if (victim === null || c.lastActiveAt < victim.lastActiveAt) {
        victim = c;
        victimKind = kind;
      }
    }
    if (victim === null || victimKind === null) return false;
    this.#stats.evicted[victimKind]++;
    victim.close("evicted");
    return true;
  }

  #onTick(): void {
    const now = this.#context.now();
    if (this.#acceptedThisTick === 0 && this.#closedSinceCollection >= COLLECT_AFTER_CLOSED) {
      this.#closedSinceCollection = 0;
      this.#stats.collections++;
      (this.#options.collectGarbage ?? collectGarbage)();
    }
    this.#acceptedThisTick = 0;
    for (const c of this.#connections.values()) if (now >= c.deadlineAt) c.onTick(now);
    for (const c of this.#waiting.values()) if (now >= c.deadlineAt) c.onTick(now); // a wait in vain: refused
    for (const c of this.#refused.values()) if (now >= c.deadlineAt) c.onTick(now);
    if (this.#isQuiet()) this.#stopTicking();
  }

  /**
   * No connection has a deadline, and no collection waits for its burst to end: the tick stops until the next
   * accept. An idle server then runs no JavaScript at all, so it makes no wake-ups on a Pi, and its functions are not
   * compiled by JSC's optimizing tier merely for ticking (that compiler's code is ~2 MiB of resident runtime; issue 22).
   */
  #isQuiet(): boolean {
    const isEmpty = this.#connections.size === 0 && this.#waiting.size === 0 && this.#refused.size === 0;
    return isEmpty && this.#closedSinceCollection < COLLECT_AFTER_CLOSED;
  }

  #stopTicking(): void {
    if (this.#tick !== null) clearInterval(this.#tick);
    this.#tick = null;
  }
}
