/**
 * @module The room over mDNS (issue 21): this device announces `_httap._tcp` and browses for its peers over one mDNS
 * socket (mdns-socket.ts: UDP 5353, shared with an Avahi on the same machine; the DNS-SD records are
 * fleet-records.ts). Announced at start and every few seconds (so a car that died leaves within its records' TTL), on
 * a change of state, in answer to a query (at most once a second, like a change: a flood of queries is not echoed); a
 * goodbye (TTL 0) on stop.
 */
import type { Answer, DecodedPacket } from "dns-packet";
import { FLEET_ANNOUNCE_EVERY_MS, FLEET_CHANGE_MIN_MS, FLEET_RECORD_TTL_S, FLEET_SERVICE } from "./fleet-limits.ts";
import { announcementsIn, asksFor, instanceName, ownRecords, type FleetFacts } from "./fleet-records.ts";
import { AUTHORITATIVE_ANSWER, MdnsSocket, type MdnsSocketOptions } from "./mdns-socket.ts";
import { PeerList } from "./peer-list.ts";

export interface FleetOptions {
  /** What this device says about itself, asked at each announcement. */
  readonly facts: () => FleetFacts;
  /** The machine's host name (the SRV target `<host>.local`). */
  readonly hostName: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  /** Another port than mDNS's 5353 (tests). */
  readonly port?: number;
  /** Another socket than MdnsSocket (tests: one that keeps what is sent). */
  readonly openSocket?: (o: MdnsSocketOptions) => Promise<FleetSocket>;
}

/** What the room needs of its socket. */
export type FleetSocket = Pick<MdnsSocket, "send" | "encode" | "sendOwnRecords" | "joinGroup" | "close">;

export class FleetMdns {
  readonly peers = new PeerList();
  readonly #o: FleetOptions;
  #socket: FleetSocket | null = null;
  #isStopped = false;
  #timer: ReturnType<typeof setInterval> | null = null;
  #changeTimer: ReturnType<typeof setTimeout> | null = null;
  #lastAnnouncedAt = Number.NEGATIVE_INFINITY;
  #startTimer: ReturnType<typeof setTimeout> | null = null;
  /** The records last sent, encoded, and what they were made of (the TTL and the facts, as JSON). */
  #encoded: { readonly key: string; readonly bytes: Uint8Array } | null = null;

  constructor(options: FleetOptions) {
    this.#o = options;
  }

  /** Starts after `delayMs` (FLEET_START_DELAY_MS: after the first answers); `stop()` before then cancels it. */
  startSoon(delayMs: number): void {
    if (this.#startTimer !== null || this.#socket !== null || this.#isStopped) return;
    this.#startTimer = setTimeout(() => {
      this.#startTimer = null;
      this.start();
    }, delayMs);
    this.#startTimer.unref?.();
  }

  /** Opens the socket, asks who is there and announces this device; a socket that cannot open is logged, not fatal. */
  start(): void {
    if (this.#socket !== null || this.#isStopped) return;
    const open = this.#o.openSocket ?? ((o: MdnsSocketOptions) => MdnsSocket.open(o));
    open({ port: this.#o.port, onPacket: (packet, from) => this.#received(packet, from) }).then(
      (socket) => {
        if (this.#isStopped) return socket.close(); // stopped while it opened
        this.#socket = socket;
        socket.send({ type: "query", questions: [{ name: FLEET_SERVICE, type: "PTR" }] });
        this.#announce();
        this.#timer = setInterval(() => {
          socket.joinGroup(); // an interface that came up since (the hotspot) joins the room
          this.#announce();
        }, FLEET_ANNOUNCE_EVERY_MS);
        this.#timer.unref?.();
      },
      (error: Error) => this.#o.log(`fleet: mDNS is off (${error.message}); /?fleet lists only this device`),
    );
  }

  /** Something peers show changed (who drives, paused, the name): announced soon, at most once a second. */
  changed(): void {
    if (this.#socket === null || this.#changeTimer !== null) return;
    const wait = Math.max(0, this.#lastAnnouncedAt + FLEET_CHANGE_MIN_MS - this.#o.now());
    this.#changeTimer = setTimeout(() => {
      this.#changeTimer = null;
      this.#announce();
    }, wait);
    this.#changeTimer.unref?.();
  }

  #announce(): void {
    this.#lastAnnouncedAt = this.#o.now();
    this.#send(FLEET_RECORD_TTL_S);
  }

  /** Says goodbye (TTL 0) and closes the socket. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    if (this.#startTimer !== null) clearTimeout(this.#startTimer);
    this.#startTimer = null;
    if (this.#timer !== null) clearInterval(this.#timer);
    if (this.#changeTimer !== null) clearTimeout(this.#changeTimer);
    this.#timer = this.#changeTimer = null;
    const socket = this.#socket;
    if (socket === null) return;
    this.#send(0);
    this.#socket = null;
    socket.close();
  }

  /** Our records, with `ttlS` (0: the goodbye); encoded again only when they changed. */
  #send(ttlS: number): void {
    const socket = this.#socket;
    if (socket === null) return;
    const facts = this.#o.facts();
    const key = `${ttlS} ${JSON.stringify(facts)}`;
    if (this.#encoded?.key !== key) {
      const answers = ownRecords(facts, this.#o.hostName, ttlS);
      this.#encoded = { key, bytes: socket.encode({ type: "response", flags: AUTHORITATIVE_ANSWER, answers }) };
    }
    socket.sendOwnRecords(this.#encoded.bytes);
  }

  #received(packet: DecodedPacket, from: string): void {
    if (packet.type === "response") this.#heard([...(packet.answers ?? []), ...(packet.additionals ?? [])], from);
    else if (packet.type === "query") {
      const instance = instanceName(this.#o.facts().id);
      if ((packet.questions ?? []).some((q) => asksFor(q, instance))) this.changed();
    }
  }

  #heard(records: Answer[], address: string): void {
    const own = instanceName(this.#o.facts().id).toLowerCase();
    const now = this.#o.now();
    for (const a of announcementsIn(records)) if (a.instance.toLowerCase() !== own) this.peers.heard(a, address, now);
  }
}
