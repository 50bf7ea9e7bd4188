/**
 * @module The room over mDNS (issue 21): this device announces `_httap._tcp` and browses for its peers with
 * `multicast-dns` (the wire layer; the DNS-SD on top is fleet-records.ts). The socket binds UDP 5353 with
 * SO_REUSEADDR, so an Avahi on the same machine keeps working. Announced at start and every few seconds (so a car
 * that died leaves within its records' TTL), on a change of state, in answer to a query; a goodbye (TTL 0) on stop.
 */
import { createSocket, type Socket } from "node:dgram";
import { networkInterfaces } from "node:os";
import makeMdns from "multicast-dns";
import type { Answer } from "dns-packet";
import { FLEET_ANNOUNCE_EVERY_MS, FLEET_CHANGE_MIN_MS, FLEET_RECORD_TTL_S, FLEET_SERVICE } from "./fleet-limits.ts";
import { announcementsIn, asksFor, instanceName, ownRecords, type FleetFacts } from "./fleet-records.ts";
import { PeerList } from "./peer-list.ts";

export interface FleetOptions {
  /** What this device says about itself, asked at each announcement. */
  readonly facts: () => FleetFacts;
  /** The machine's host name (the SRV target `<host>.local`). */
  readonly hostName: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export class FleetMdns {
  readonly peers = new PeerList();
  readonly #o: FleetOptions;
  #mdns: ReturnType<typeof makeMdns> | null = null;
  #socket: Socket | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #changeTimer: ReturnType<typeof setTimeout> | null = null;
  #lastAnnouncedAt = Number.NEGATIVE_INFINITY;
  #startTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(options: FleetOptions) {
    this.#o = options;
  }

  /** Starts after `delayMs` (FLEET_START_DELAY_MS: after the first answers); `stop()` before then cancels it. */
  startSoon(delayMs: number): void {
    if (this.#startTimer !== null || this.#mdns !== null) return;
    this.#startTimer = setTimeout(() => {
      this.#startTimer = null;
      this.start();
    }, delayMs);
    this.#startTimer.unref?.();
  }

  /** Opens the socket, asks who is there and announces this device. */
  start(): void {
    // our own socket, so each announcement can go out on every interface (a Pi on its hotspot has no default route)
    const socket = createSocket({ type: "udp4", reuseAddr: true });
    this.#socket = socket;
    const mdns = makeMdns({ socket, reuseAddr: true, loopback: true });
    this.#mdns = mdns;
    mdns.on("error", (e: Error) => this.#o.log(`fleet: mDNS is off (${e.message}); /?fleet lists only this device`));
    mdns.on("warning", () => {}); // an interface without multicast: joined again on the next update
    mdns.on("response", (packet, rinfo) => this.#heard([...packet.answers, ...(packet.additionals ?? [])], rinfo.address));
    mdns.on("query", (packet) => {
      const instance = instanceName(this.#o.facts().id);
      if (packet.questions.some((q) => asksFor(q, instance))) this.announce();
    });
    mdns.on("ready", () => {
      mdns.query([{ name: FLEET_SERVICE, type: "PTR" }]);
      this.announce();
    });
    this.#timer = setInterval(() => this.announce(), FLEET_ANNOUNCE_EVERY_MS);
    this.#timer.unref?.();
  }

  /** Something peers show changed (who drives, paused, the name): announced soon, at most once a second. */
  changed(): void {
    if (this.#mdns === null || this.#changeTimer !== null) return;
    const wait = Math.max(0, this.#lastAnnouncedAt + FLEET_CHANGE_MIN_MS - this.#o.now());
    this.#changeTimer = setTimeout(() => {
      this.#changeTimer = null;
      this.announce();
    }, wait);
    this.#changeTimer.unref?.();
  }

  announce(): void {
    this.#lastAnnouncedAt = this.#o.now();
    this.#send(FLEET_RECORD_TTL_S);
  }

  /** Says goodbye (TTL 0) and closes the socket. */
  async stop(): Promise<void> {
    if (this.#startTimer !== null) clearTimeout(this.#startTimer);
    this.#startTimer = null;
    const mdns = this.#mdns;
    if (mdns === null) return;
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#changeTimer !== null) clearTimeout(this.#changeTimer);
    this.#timer = this.#changeTimer = null;
    await new Promise<void>((done) => this.#send(0, done));
    this.#mdns = null;
    await new Promise<void>((done) => mdns.destroy(() => done()));
  }

  /** Our records out of every IPv4 interface in turn (each send waits for the one before: one socket option). */
  #send(ttlS: number, done: () => void = () => {}): void {
    const mdns = this.#mdns;
    const socket = this.#socket;
    if (mdns === null || socket === null) return done();
    const packet = { answers: ownRecords(this.#o.facts(), this.#o.hostName, ttlS) };
    const addresses = Object.values(networkInterfaces()).flatMap((list) =>
      (list ?? []).filter((a) => a.family === "IPv4" && !a.internal).map((a) => a.address),
    );
    const next = (i: number): void => {
      if (i >= addresses.length) return done();
      try {
        socket.setMulticastInterface(addresses[i]);
      } catch {
        return next(i + 1); // an interface going away: the others still hear us
      }
      mdns.respond(packet, () => next(i + 1));
    };
    next(0);
  }

  #heard(records: Answer[], address: string): void {
    const own = instanceName(this.#o.facts().id).toLowerCase();
    const now = this.#o.now();
    for (const a of announcementsIn(records)) if (a.instance.toLowerCase() !== own) this.peers.heard(a, address, now);
  }
}
