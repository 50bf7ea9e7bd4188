/**
 * @module The peers this device has heard (issue 21): each kept until its records' TTL runs out or it says
 * goodbye, a TTL capped at FLEET_PEER_TTL_MAX_S (a record saying "a day" must not keep a dead car listed); its
 * addresses are where its announcements came from. When the list is full, a newcomer takes the place of the peer
 * heard least recently (a room that changed cars, or a flood, never locks new cars out). Pure: the clock is
 * passed in.
 */
import { FLEET_PEER_TTL_MAX_S, FLEET_PEERS_MAX } from "./fleet-limits.ts";
import type { FleetFacts, PeerAnnouncement } from "./fleet-records.ts";

export interface Peer {
  readonly instance: string;
  facts: FleetFacts;
  /** IPv4 addresses its announcements came from, newest first. */
  addresses: string[];
  lastSeenAt: number;
  expiresAt: number;
}

export class PeerList {
  readonly #peers = new Map<string, Peer>(); // instance name (lowercase) → peer

  /** A response heard at `now` from `address`. */
  heard(a: PeerAnnouncement, address: string, now: number): void {
    const key = a.instance.toLowerCase();
    if (a.ttlS === 0 || a.facts === null) {
      this.#peers.delete(key);
      return;
    }
    const expiresAt = now + Math.min(a.ttlS, FLEET_PEER_TTL_MAX_S) * 1000;
    const known = this.#peers.get(key);
    if (known === undefined) {
      if (this.#peers.size >= FLEET_PEERS_MAX) this.#dropStalest(now);
      this.#peers.set(key, { instance: a.instance, facts: a.facts, addresses: [address], lastSeenAt: now, expiresAt });
      return;
    }
    known.facts = a.facts;
    known.addresses = [address, ...known.addresses.filter((x) => x !== address)].slice(0, 4);
    known.lastSeenAt = now;
    known.expiresAt = expiresAt;
  }

  /** Forgets the expired peers, and if none was, the one heard least recently. */
  #dropStalest(now: number): void {
    let stalest: [string, Peer] | null = null;
    for (const [k, p] of this.#peers) {
      if (now >= p.expiresAt) this.#peers.delete(k);
      else if (stalest === null || p.lastSeenAt < stalest[1].lastSeenAt) stalest = [k, p];
    }
    if (this.#peers.size >= FLEET_PEERS_MAX && stalest !== null) this.#peers.delete(stalest[0]);
  }

  /** The live peers at `now` (those expired are forgotten). */
  live(now: number): Peer[] {
    this.#forgetExpired(now);
    return [...this.#peers.values()].sort((a, b) => a.facts.name.localeCompare(b.facts.name));
  }

  #forgetExpired(now: number): void {
    for (const [k, p] of this.#peers) if (now >= p.expiresAt) this.#peers.delete(k);
  }

  /** Whether `origin` is a live peer's page (`http://<address or name>.local:<port>`): fleet CORS (issue 21). */
  isPeerOrigin(origin: string, now: number): boolean {
    const m = /^http:\/\/([^/:]+|\[[0-9a-fA-F:]+\])(?::(\d+))?$/.exec(origin);
    if (m === null) return false;
    const host = m[1].toLowerCase();
    const port = m[2] === undefined ? 80 : Number(m[2]);
    this.#forgetExpired(now); // asked on a peer page's every poll: no copy, no sort
    for (const p of this.#peers.values()) {
      if (p.facts.port === port && (p.addresses.includes(host) || host === `${p.facts.id.toLowerCase()}.local`)) return true;
    }
    return false;
  }
}
