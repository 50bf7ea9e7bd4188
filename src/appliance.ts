/**
 * @module The appliance: who owns the device (one session manager, created first), the board, and the front ends
 * that share both: one HTTP server whose handler sends "/?" targets to the HTTaP domain and everything else to the
 * static file cache, and the SCPI port. Built at start (assets read, responses prebuilt), then only served.
 */
import { nodeFs, nodeOs } from "./os/node-builtins.ts";
import type { Config } from "./config.ts";
import { HttpServer } from "./http/http-server.ts";
import { dynamicReply } from "./http/reply.ts";
import type { Reply, RequestHandler } from "./http/types.ts";
import { createStaticHandler } from "./static/static-handler.ts";
import { createHttapDomain, type HttapDomain } from "./httap/httap-domain.ts";
import { ResourceRegistry } from "./httap/resource-registry.ts";
import { Board } from "./devices/board.ts";
import { Hardware } from "./devices/hardware.ts";
import { LoopLag } from "./engine/loop-lag.ts";
import { openGpio } from "./gpio/open-backend.ts";
import { hardwareResources } from "./resources/hardware-resources.ts";
import { scpiCommands, type ScpiCommands } from "./scpi/scpi-commands.ts";
import { scpiOverHttp } from "./scpi/scpi-http.ts";
import { ScpiServer } from "./scpi/scpi-server.ts";
import { VERSION } from "./version.ts";
import { SessionManager } from "./owner/session-manager.ts";
import type { VocabularyWord } from "./httap/vocabulary.ts";
import { appsFor } from "./devices/board-apps.ts";
import { deviceWord } from "./device-word.ts";
import { deviceUrls } from "./device-urls.ts";
import { FleetMdns } from "./fleet/fleet-mdns.ts";
import { FLEET_START_DELAY_MS } from "./fleet/fleet-limits.ts";
import type { FleetFacts } from "./fleet/fleet-records.ts";
import { fleetWord } from "./fleet/fleet-word.ts";
import { fleetCors } from "./fleet/fleet-cors.ts";
import { leaderWord, type LeaderTarget } from "./leader/leader-word.ts";
import { pauseGate } from "./leader/pause-gate.ts";
import type { StateStore } from "./state/state-store.ts";
import { ProgramStore } from "./programs/program-store.ts";
import { programsWord } from "./programs/programs-word.ts";

export interface ApplianceOptions {
  /** Where informational lines go (start-up, access log). Default: stdout. */
  readonly log?: (line: string) => void;
  /** Application resources for the HTTaP domain (issue 3); frozen at start. */
  readonly resources?: ResourceRegistry;
  /** Drive the board (issue 7): GPIO, the profile's devices and their resources. Default true. */
  readonly hardware?: boolean;
}

const FILES_DISABLED: Reply = dynamicReply(
  404,
  "Content-Type: text/plain; charset=utf-8\r\n",
  "404 Not Found: the file server is disabled on this device (HTTAP_FILES=0)\n",
);

export class Appliance {
  readonly config: Config;
  /**
   * Who owns the device, for every front end (HTTaP, SCPI): one session at a time, the fair line, start and end
   * events (the board stops on every end). Exists from construction, so listeners may subscribe before start.
   */
  readonly sessions: SessionManager;
  readonly #options: ApplianceOptions;
  #server: HttpServer | null = null;
  /** The HTTaP domain once started. */
  httap: HttapDomain | null = null;
  /** The board's hardware once started (null without GPIO or with hardware off): its life (start, close). */
  hardware: Hardware | null = null;
  /** The board's commands, for every front end (null as `hardware`). */
  board: Board | null = null;
  /**
   * The state store (`HTTAP_STATE_DIR`), set by main once it is open (after the sandbox is entered); null: the
   * features that keep state (saved programs) say they are off.
   */
  state: StateStore | null = null;
  /** Measures while an HTTP connection is open: on an idle device nothing waits behind the loop. */
  readonly #loopLag = new LoopLag(() => this.#server?.isTicking === true);
  /** Whether requests wake the loop-lag measurement (the hardware's `/?rt` reports it). */
  #measuresLoopLag = false;
  #unavailable = "GPIO is disabled on this device (HTTAP_GPIO=none)";
  #scpi: ScpiServer | null = null;
  /** The room over mDNS (issue 21); null with HTTAP_FLEET=0 or before start. */
  #fleet: FleetMdns | null = null;

  constructor(config: Config, options: ApplianceOptions = {}) {
    this.config = config;
    this.#options = options;
    // A monotonic clock: a Pi has no real-time clock, and its wall time jumps when NTP first syncs.
    this.sessions = new SessionManager({
      timeoutS: config.keepAliveS,
      turnS: config.turnS,
      awayS: config.awayS,
      now: () => performance.now(),
      log: options.log ?? ((line) => console.log(line)),
    });
  }

  /** Prepares every response that can be prepared, then listens. Throws ConfigError or ListenError. */
  async start(): Promise<{ port: number; files: number; scpiPort: number }> {
    const config = this.config;
    const log = this.#options.log ?? ((line: string) => console.log(line));
    const files = config.files ? await createStaticHandler({ staticPath: config.staticPath, rootPage: config.rootPage }) : null;
    const serveFile: RequestHandler = files?.handle ?? (() => FILES_DISABLED);

    const resources = this.#options.resources ?? new ResourceRegistry();
    // HTTAP_GPIO=none: an appliance without a board (no hardware resources at all); a board that cannot be opened
    // keeps its resources, which then answer 503 no-gpio with the reason.
    if (this.#options.hardware !== false && config.gpio !== "none") this.#startHardware(resources, log);

    const sessions = this.sessions;
    const id = nodeOs().hostname();
    const board = this.board;
    if (board !== null) {
      // The dead-man rule's second half: the owner gone, the car stops; the status LED shows that someone drives.
      sessions.on("start", () => board.showOwned(true));
      // every end (lapsed, invalid, a turn over, the SCPI owner gone, server stop) quiets the board the same way
      sessions.on("end", () => {
        board.quiet("session-end");
        board.showOwned(false);
      });
    }
    sessions.startSweeping();

    // SCPI (issue 10): its commands first, then the port; its HTTaP word only when the port listens, so Services
    // says only what answers.
    const words: VocabularyWord[] = [];
    if (config.scpiPort !== 0) {
      const commands: ScpiCommands = scpiCommands({
        board,
        unavailable: this.#unavailable,
        sessions,
        resources,
        log,
        identity: { id, board: config.gpio === "none" ? "none" : config.board.name, version: VERSION },
      });
      const scpi = new ScpiServer({
        host: config.host,
        port: config.scpiPort,
        keepAliveS: config.keepAliveS,
        log,
        commands,
        onOwnerGone: (host) => sessions.endIfOwner(host, "closed"),
      });
      try {
        scpi.start();
        this.#scpi = scpi;
        words.push(scpiOverHttp(commands));
      } catch (error) {
        log(`scpi: ${(error as Error).message}; SCPI is off, the web server goes on`);
      }
    }

    const hasBoard = config.gpio !== "none" && this.#options.hardware !== false;
    const boardName = hasBoard ? config.board.name : "none";
    words.push(
      deviceWord({
        id,
        board: boardName,
        apps: hasBoard ? appsFor(config.board) : [],
        version: VERSION,
        urls: () => deviceUrls(config.host, this.#server?.port ?? config.port),
      }),
    );

    // the participants' programs (issue 20), kept in the state directory once main has opened it; without one the
    // word is not offered, so Services says only what answers
    if (config.stateDir !== null) words.push(programsWord(new ProgramStore(() => this.state, log)));

    // The room (issue 21): what this device tells its peers, the leader's word, the fleet's word.
    const leader: LeaderTarget = {
      sessions,
      stopBoard: () => board?.quiet("reset"),
      name: id,
      changed: () => this.#fleet?.changed(),
    };
    const facts = (): FleetFacts => {
      const q = sessions.queue("", performance.now());
      const port = this.#server?.port ?? config.port;
      return {
        id,
        name: leader.name,
        board: boardName,
        version: VERSION,
        port,
        driver: q.owner,
        owned: q.owned,
        waiting: q.waiting,
        paused: q.paused !== undefined,
      };
    };
    // a device listening on loopback only cannot be reached by its peers: it announces nothing
    const reachable = !/^(127\.|::1$|localhost$)/.test(config.host);
    const fleet = config.fleet && reachable ? new FleetMdns({ facts, hostName: id, now: () => performance.now(), log }) : null;
    sessions.on("start", () => fleet?.changed());
    sessions.on("end", () => fleet?.changed());
    words.push(leaderWord({ pinHash: config.leaderPinHash, target: leader, log }));
    words.push(fleetWord({ facts, peers: fleet?.peers ?? null }));

    // HTTaP wiring (issue 3): the handler for every target that starts with "/?".
    // the server's counters, and the engine's state: a participant whose car does not move can see why (issue 16)
    const stats = () => ({ ...this.#server?.stats(), ...(board !== null ? { engine: board.engineStatus() } : {}) });
    const domain = createHttapDomain({
      sessions,
      id,
      keepAliveS: config.keepAliveS,
      files: config.files,
      loopback: config.loopback,
      cors: config.cors,
      resources,
      stats,
      words,
    });
    this.httap = domain;
    // issue 21: device commands answer 423 while the leader pauses; peers' pages reach /?fleet, /?queue, /?leader
    const gated = pauseGate(
      domain.handle,
      sessions,
      (request) => domain.corsLines(request),
      () => performance.now(),
    );
    const httap: RequestHandler = fleetCors(gated, (origin) => fleet?.peers.isPeerOrigin(origin, performance.now()) ?? false);

    const route: RequestHandler = (request) => {
      if (this.#measuresLoopLag) this.#loopLag.start();
      return request.path === "/" && request.query !== null ? httap(request) : serveFile(request);
    };
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
    if (fleet !== null) {
      fleet.startSoon(FLEET_START_DELAY_MS); // after the first answers: a peer learns of this car within seconds anyway
      this.#fleet = fleet;
    }
    return { port, files: files?.fileCount ?? 0, scpiPort: this.#scpi?.port ?? 0 };
  }

  /**
   * Before the sandbox takes every path away (issue 9): opens now what is otherwise opened on first use (the engine
   * Worker, which maps its pins itself), and removes the simulator file this run made (both threads have it mapped;
   * after the chroot its path could not be removed, and it would be left in /tmp).
   */
  async prepareForSandbox(log: (line: string) => void): Promise<void> {
    const hardware = this.hardware;
    if (hardware === null) return;
    await hardware.startEngineNow();
    if (hardware.simPath !== null && this.config.simFile === null) {
      nodeFs().rmSync(hardware.simPath, { force: true });
      log(
        `gpio: the simulator file ${hardware.simPath} is removed already (the sandbox could not remove it at exit); ` +
          "set HTTAP_SIM_FILE to watch the pins",
      );
    }
  }

  async stop(): Promise<void> {
    await this.#fleet?.stop(); // the goodbye first: peers drop this device at once
    this.#fleet = null;
    this.#scpi?.stop();
    this.#scpi = null;
    await this.#server?.stop();
    this.#server = null;
    this.sessions.stop(); // ends the session: "end" listeners stop the hardware
    this.httap = null;
    this.#loopLag.stop();
    await this.hardware?.close(); // the engine drives its pins low, then every output goes low
    this.hardware = null;
    this.board = null;
  }

  /** The crash path (an uncaught exception, exit): the safe state without yielding. */
  stopNow(): void {
    this.hardware?.closeNow();
    this.hardware = null;
    this.board = null;
  }

  #startHardware(resources: ResourceRegistry, log: (line: string) => void): void {
    const c = this.config;
    const gpio = openGpio({ choice: c.gpio, simFile: c.simFile, env: process.env });
    for (const line of gpio.notices) log(line);
    this.#unavailable = gpio.unavailable ?? this.#unavailable;
    if (gpio.backend !== null) {
      this.hardware = new Hardware(gpio.backend, {
        profile: c.board,
        gpio,
        pwmSysfs: c.pwmSysfs,
        motorPwmHz: c.motorPwmHz,
        deadmanMs: c.deadmanMs,
        realtime: c.realtime,
        log,
      });
      this.board = new Board(this.hardware);
    }
    this.#measuresLoopLag = true;
    this.#loopLag.start();
    const shape = { leds: Object.keys(c.board.leds), buttons: Object.keys(c.board.buttons), hasMotors: c.board.motors !== null };
    const sim = gpio.soc === null ? null : { file: gpio.simPath, soc: gpio.soc };
    const made = hardwareResources(this.board, gpio.unavailable ?? "no GPIO", sim, this.#loopLag, shape);
    for (const r of made.list) resources.add(r);
    this.board?.watchButtons(() => made.buttons.changed()); // a debounced press shows in /?changes
  }
}
