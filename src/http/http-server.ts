/**
 * @module The TCP listener: accepts connections (bounded, LRU eviction of idle ones), routes socket events to
 * their Connection, and runs the one deadline tick with one injected clock (STYLE rule 11).
 */
import type { Socket, TCPSocketListener } from "bun";
import { Connection, type ConnectionContext } from "./connection.ts";
import { STOP_GRACE_MS, TICK_INTERVAL_MS } from "./limits.ts";
import { protocolErrorReply } from "./protocol-errors.ts";
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
}

/** Thrown by `start()` when the port cannot be had; main turns it into exit status 1. */
export class ListenError extends Error {}

/** "::ffff:192.0.2.1" → "192.0.2.1": dual-stack listeners see IPv4 peers as mapped IPv6. */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

export class HttpServer {
  readonly #options: HttpServerOptions;
  readonly #connections = new Map<number, Connection>(); // open connections by id
  readonly #context: ConnectionContext;
  #listener: TCPSocketListener<Connection | undefined> | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;
  #nextId = 1;
  #isStopping = false;

  constructor(options: HttpServerOptions) {
    this.#options = options;
    const now = options.now ?? (() => performance.now());
    this.#context = {
      handler: options.handler,
      keepAliveMs: options.keepAliveS * 1000,
      maxBodyBytes: options.maxBodyBytes,
      now,
      accessLog: options.accessLog ?? null,
      errorLog: options.errorLog ?? ((line) => console.error(line)),
      isStopping: () => this.#isStopping,
      onClosed: (c, reason) => {
        this.#connections.delete(c.id);
        options.onConnectionClose?.(c.id, c.remoteAddress, reason);
      },
    };
  }

  get port(): number {
    return this.#listener?.port ?? 0;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  start(): { port: number } {
    try {
      this.#listener = Bun.listen<Connection | undefined>({
        hostname: this.#options.host,
        port: this.#options.port,
        exclusive: true,          // a second server on the same port must fail, not share it
        allowHalfOpen: true,      // a client that sends FIN after its request still gets the answer
        data: undefined,
        socket: {
          binaryType: "uint8array",
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
    this.#tick = setInterval(() => this.#onTick(), TICK_INTERVAL_MS);
    return { port: this.#listener.port };
  }

  /** Stops accepting, lets idle connections go and answers in flight finish briefly, then cuts the rest. */
  async stop(): Promise<void> {
    if (this.#isStopping) return;
    this.#isStopping = true;
    this.#listener?.stop(false);
    for (const c of this.#connections.values()) {
      if (c.isIdle || c.isLingering) c.close("server-stop");
      else c.drainThenClose();
    }
    const deadline = performance.now() + STOP_GRACE_MS;
    while (this.#connections.size > 0 && performance.now() < deadline) await Bun.sleep(10);
    for (const c of [...this.#connections.values()]) c.close("server-stop");
    if (this.#tick !== null) clearInterval(this.#tick);
    this.#tick = null;
    this.#listener = null;
  }

  #accept(socket: Socket<Connection | undefined>): void {
    socket.setNoDelay(true); // lock-step small messages: Nagle would add ~40 ms per round trip
    if (this.#isStopping) return void socket.terminate();
    if (this.#connections.size >= this.#options.maxConnections && !this.#evictIdle()) {
      // Every slot is working: say so instead of letting the client hang (DESIGN: busy, not a hang).
      socket.write(protocolErrorReply("server-busy"));
      socket.end();
      return;
    }
    const id = this.#nextId++;
    const connection = new Connection(id, socket, plainAddress(socket.remoteAddress), this.#context);
    socket.data = connection;
    this.#connections.set(id, connection);
  }

  /** Closes a lingering connection (already answered), else the least recently active idle one; false if none. */
  #evictIdle(): boolean {
    let victim: Connection | null = null;
    for (const c of this.#connections.values()) {
      if (c.isLingering) { victim = c; break; }
      if (c.isIdle && (victim === null || c.lastActiveAt < victim.lastActiveAt)) victim = c;
    }
    victim?.close("evicted");
    return victim !== null;
  }

  #onTick(): void {
    const now = this.#context.now();
    for (const c of this.#connections.values()) if (now >= c.deadlineAt) c.onTick(now);
  }
}
