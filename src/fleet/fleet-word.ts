/**
 * @module `GET /?fleet` (issue 21): this device and the peers it has heard, for anyone, like `/?queue`: id, display
 * name, addresses, port, board, version, who drives (a display name, never an address), how many wait, paused or
 * not, seconds since last heard. With discovery off (HTTAP_FLEET=0), only this device.
 */
import { nodeOs } from "../os/node-builtins.ts";
import { dynamicReply } from "../http/reply.ts";
import { NO_SESSION_LINES } from "../httap/core-words.ts";
import type { PublicWord } from "../httap/vocabulary.ts";
import type { FleetFacts } from "./fleet-records.ts";
import type { PeerList } from "./peer-list.ts";

export interface FleetWordOptions {
  readonly facts: () => FleetFacts;
  /** null: discovery is off. */
  readonly peers: PeerList | null;
}

export function fleetWord(o: FleetWordOptions): PublicWord {
  return {
    name: "fleet",
    access: "public",
    methods: ["GET"],
    service: "Fleet",
    handle: ({ cors, now }) => {
      const self = { self: true, ...card(o.facts()), addresses: ownAddresses(), lastSeenS: 0 };
      const peers = (o.peers?.live(now) ?? []).map((p) => ({
        self: false,
        ...card(p.facts),
        addresses: p.addresses,
        lastSeenS: Math.max(0, Math.round((now - p.lastSeenAt) / 1000)),
      }));
      return dynamicReply(200, NO_SESSION_LINES + cors, JSON.stringify({ discovery: o.peers !== null, devices: [self, ...peers] }));
    },
  };
}

function card(f: FleetFacts) {
  return {
    id: f.id,
    name: f.name,
    port: f.port,
    board: f.board,
    version: f.version,
    driver: f.driver,
    owned: f.owned,
    waiting: f.waiting,
    paused: f.paused,
  };
}

function ownAddresses(): string[] {
  return Object.values(nodeOs().networkInterfaces()).flatMap((list) =>
    (list ?? []).filter((a) => a.family === "IPv4" && !a.internal).map((a) => a.address),
  );
}
