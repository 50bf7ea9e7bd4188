/**
 * @module The library API (STYLE rule 18): embed the appliance in your own program, register resources, start and
 * stop. Nothing from the HTTP engine is exported.
 *
 * @example
 * const server = createServer();                       // configuration from HTTAP_* variables
 * server.register(defineResource({
 *   name: "LED",
 *   get: (c) => c.reply.json(led),
 *   post: (c) => { led = Number(c.body()); return c.reply.json(led); },
 * }));
 * server.onSession("end", () => motors.stop());        // dead-man stop
 * const { port } = await server.start();
 *
 * Routines are synchronous by contract and run on the one thread in the order requests arrive (DESIGN principle 1):
 * a routine never races another one, so hardware registers need no lock, and a routine cannot stall the server
 * waiting on something else. Work that takes time belongs in the device layer, driven by its own timers.
 */
import { Appliance } from "./appliance.ts";
import { readConfig } from "./config.ts";
import type { Config } from "./config.ts";
import { ResourceRegistry } from "./httap/resource-registry.ts";
import type { Resource } from "./httap/resource.ts";
import type { SessionEvents } from "./owner/session-manager.ts";

export { defineResource } from "./httap/resource.ts";
export { readConfig, ConfigError } from "./config.ts";
export { untilStopSignal } from "./os/stop-signals.ts";
export type { Config } from "./config.ts";
export type { Resource, ResourceDefinition, ResourceRoutine } from "./httap/resource.ts";
export type { ResourceContext, ResourceReplies, ResourceReply } from "./httap/resource-context.ts";
export type { Selector } from "./httap/resource-address.ts";
export type { ResourceErrorCode } from "./httap/httap-error.ts";
export type { SessionInfo } from "./owner/session.ts";
export type { SessionEndReason, SessionEvents } from "./owner/session-manager.ts";

export interface ServerOptions {
  /** Default: read from `process.env` (HTTAP_* variables). */
  readonly config?: Config;
  /** Resources to register now; more may be added with `register()` until `start()`. */
  readonly resources?: readonly Resource[];
  /** Informational lines (start-up, access log); default stdout. */
  readonly log?: (line: string) => void;
}

export interface HttapServer {
  readonly config: Config;
  /** Adds a resource; throws once the server has started (resources are frozen then, STYLE rule 13). */
  register(resource: Resource): HttapServer;
  /** Subscribes to session start or end (e.g. stop the motors on "end"); may be called before or after start. */
  onSession<E extends keyof SessionEvents>(event: E, listener: SessionEvents[E]): () => void;
  /** Prepares every response, freezes the resources and listens; resolves with the port (useful with port 0). */
  start(): Promise<{ port: number }>;
  /** Stops listening and ends the session ("end" listeners run with reason "server-stop"). */
  stop(): Promise<void>;
  /**
   * The board's safe state without yielding (every output low, the hardware let go), for where `stop` cannot be
   * awaited: a crash, `process.on("exit")`, a second stop signal (`untilStopSignal`).
   */
  stopNow(): void;
}

export function createServer(options: ServerOptions = {}): HttapServer {
  return new EmbeddedServer(options);
}

class EmbeddedServer implements HttapServer {
  readonly config: Config;
  readonly #registry = new ResourceRegistry();
  readonly #appliance: Appliance;

  constructor(o: ServerOptions) {
    this.config = o.config ?? readConfig(process.env);
    for (const r of o.resources ?? []) this.#registry.add(r);
    this.#appliance = new Appliance(this.config, { resources: this.#registry, log: o.log });
  }

  register(resource: Resource): HttapServer {
    this.#registry.add(resource);
    return this;
  }

  onSession<E extends keyof SessionEvents>(event: E, listener: SessionEvents[E]): () => void {
    return this.#appliance.sessions.on(event, listener); // the session manager exists before start
  }

  async start(): Promise<{ port: number }> {
    const { port } = await this.#appliance.start();
    return { port };
  }

  stop(): Promise<void> {
    return this.#appliance.stop();
  }

  stopNow(): void {
    this.#appliance.stopNow();
  }
}
