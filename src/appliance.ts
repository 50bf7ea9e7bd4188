/**
 * @module The appliance: one HTTP server whose handler sends "/?" targets to the HTTaP domain and everything else
 * to the static file cache. Built at start (assets read, responses prebuilt), then only served.
 */
import type { Config } from "./config.ts";
import { HttpServer } from "./http/http-server.ts";
import { dynamicReply } from "./http/reply.ts";
import type { Reply, RequestHandler } from "./http/types.ts";
import { createStaticHandler } from "./static/static-handler.ts";
import { createHttapDomain, type HttapDomain } from "./httap/httap-domain.ts";
import { ResourceRegistry } from "./httap/resource-registry.ts";

export interface ApplianceOptions {
  /** Where informational lines go (start-up, access log). Default: stdout. */
  readonly log?: (line: string) => void;
  /** Application resources for the HTTaP domain (issue 3); frozen at start. */
  readonly resources?: ResourceRegistry;
}

const FILES_DISABLED: Reply = dynamicReply(404, "Content-Type: text/plain; charset=utf-8\r\n", "404 Not Found: the file server is disabled on this device (HTTAP_FILES=0)\n");

export class Appliance {
  readonly config: Config;
  readonly #options: ApplianceOptions;
  #server: HttpServer | null = null;
  /** The HTTaP domain once started: its `sessions` emit "start"/"end" for the device layer. */
  httap: HttapDomain | null = null;

  constructor(config: Config, options: ApplianceOptions = {}) {
    this.config = config;
    this.#options = options;
  }

  /** Prepares every response that can be prepared, then listens. Throws ConfigError or ListenError. */
  async start(): Promise<{ port: number; files: number }> {
    const config = this.config;
    const log = this.#options.log ?? ((line: string) => console.log(line));
    const files = config.files ? await createStaticHandler({ staticPath: config.staticPath, rootPage: config.rootPage }) : null;
    const serveFile: RequestHandler = files?.handle ?? (() => FILES_DISABLED);

    // HTTaP wiring (issue 3): the handler for every target that starts with "/?".
    const stats = () => this.#server?.stats() ?? {};
    this.httap = createHttapDomain({ keepAliveS: config.keepAliveS, files: config.files, loopback: config.loopback, cors: config.cors, resources: this.#options.resources ?? new ResourceRegistry(), stats });
    const httap: RequestHandler = this.httap.handle;

    const route: RequestHandler = (request) => (request.path === "/" && request.query !== null ? httap(request) : serveFile(request));
    this.#server = new HttpServer({
      host: config.host,
      port: config.port,
      keepAliveS: config.keepAliveS,
      maxConnections: config.maxConnections,
      maxBodyBytes: config.maxBodyBytes,
      handler: route,
      accessLog: config.verbose ? log : undefined,
    });
    const { port } = this.#server.start();
    return { port, files: files?.fileCount ?? 0 };
  }

  async stop(): Promise<void> {
    await this.#server?.stop();
    this.#server = null;
    this.httap?.stop(); // ends the session: "end" listeners stop the hardware
    this.httap = null;
  }
}
