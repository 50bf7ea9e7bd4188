/**
 * @module DNS-SD records for `_httap._tcp` (RFC 6763), pure: this device's PTR, SRV and TXT, and what a received
 * mDNS response says about a peer (its announcement, or its goodbye: TTL 0, RFC 6762 §10.1). The TXT keys: id,
 * name, board, version, port, and the live state (drv: who drives, own, wait, lock: paused by the leader).
 */
import type { Answer, TxtAnswer } from "dns-packet";
import { FLEET_SERVICE } from "./fleet-limits.ts";

/** What a device says about itself. */
export interface FleetFacts {
  readonly id: string;
  readonly name: string;
  readonly board: string;
  readonly version: string;
  readonly port: number;
  /** The driver's display name (null: none given, or nobody drives). */
  readonly driver: string | null;
  readonly owned: boolean;
  readonly waiting: number;
  readonly paused: boolean;
}

/** A peer heard: its facts, its instance name and how long they hold. */
export interface PeerAnnouncement {
  readonly instance: string;
  /** 0: a goodbye. */
  readonly ttlS: number;
  /** null in a goodbye. */
  readonly facts: FleetFacts | null;
}

/** The instance name of a device: its id, made safe for one DNS label. */
export function instanceName(id: string): string {
  return `${id.replace(/[.\\]/g, "-").slice(0, 63)}.${FLEET_SERVICE}`;
}

/** This device's records with `ttlS` (0: the goodbye). */
export function ownRecords(facts: FleetFacts, hostName: string, ttlS: number): Answer[] {
  const instance = instanceName(facts.id);
  const txt = [
    `id=${facts.id}`,
    `name=${facts.name}`,
    `board=${facts.board}`,
    `version=${facts.version}`,
    `port=${facts.port}`,
    `drv=${facts.driver ?? ""}`,
    `own=${facts.owned ? 1 : 0}`,
    `wait=${facts.waiting}`,
    `lock=${facts.paused ? 1 : 0}`,
  ];
  return [
    { name: FLEET_SERVICE, type: "PTR", ttl: ttlS, data: instance },
    { name: instance, type: "SRV", ttl: ttlS, flush: true, data: { port: facts.port, target: `${hostName}.local` } },
    { name: instance, type: "TXT", ttl: ttlS, flush: true, data: txt.map((t) => Buffer.from(t.slice(0, 255))) },
  ];
}

/** Whether a question asks for this service or this instance. */
export function asksFor(question: { name: string; type: string }, instance: string): boolean {
  const name = question.name.toLowerCase();
  return (name === FLEET_SERVICE && ["PTR", "ANY"].includes(question.type)) || name === instance.toLowerCase();
}

/** The peers a response announces (or says goodbye for); records of other services are ignored. */
export function announcementsIn(records: readonly Answer[]): PeerAnnouncement[] {
  const found: PeerAnnouncement[] = [];
  for (const r of records) {
    if (r.type !== "PTR" || r.name.toLowerCase() !== FLEET_SERVICE || typeof r.data !== "string") continue;
    const instance = r.data;
    const ttlS = r.ttl ?? 0;
    if (ttlS === 0) {
      found.push({ instance, ttlS: 0, facts: null });
      continue;
    }
    const srv = records.find((x) => x.type === "SRV" && x.name.toLowerCase() === instance.toLowerCase());
    const txt = records.find((x): x is TxtAnswer => x.type === "TXT" && x.name.toLowerCase() === instance.toLowerCase());
    if (srv === undefined || srv.type !== "SRV" || txt === undefined) continue;
    const kv = txtPairs(txt);
    found.push({
      instance,
      ttlS,
      facts: {
        id: kv.get("id") ?? instance.split(".")[0],
        name: kv.get("name") ?? instance.split(".")[0],
        board: kv.get("board") ?? "unknown",
        version: kv.get("version") ?? "unknown",
        port: srv.data.port,
        driver: kv.get("drv") || null,
        owned: kv.get("own") === "1",
        waiting: Number.parseInt(kv.get("wait") ?? "0", 10) || 0,
        paused: kv.get("lock") === "1",
      },
    });
  }
  return found;
}

function txtPairs(txt: TxtAnswer): Map<string, string> {
  const pairs = new Map<string, string>();
  const data = Array.isArray(txt.data) ? txt.data : [txt.data];
  for (const item of data) {
    const text = typeof item === "string" ? item : Buffer.from(item).toString("utf8");
    const eq = text.indexOf("=");
    if (eq > 0 && !pairs.has(text.slice(0, eq))) pairs.set(text.slice(0, eq).toLowerCase(), text.slice(eq + 1));
  }
  return pairs;
}
