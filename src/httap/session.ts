/**
 * @module One HTTaP session: the host that owns the device, its id, when it was last heard from, and what it has
 * already seen (`HTTaP_open`, `/?changes`).
 */
import type { Resource } from "./resource.ts";
import { NO_CACHE_LINE, JSON_TYPE_LINE } from "./protocol.ts";

/** What handlers and event listeners may know of a session. */
export interface SessionInfo {
  /** The `HTTaP-Session` id, 8 lowercase alphanumeric characters. */
  readonly id: string;
  /** Remote address of the owner (no "::ffff:" prefix). */
  readonly owner: string;
  /** When the session started: ms on the monotonic session clock (performance.now(), not wall time). */
  readonly startedAt: number;
}

export class Session implements SessionInfo {
  readonly id: string;                 // HTTaP-Session value
  readonly owner: string;              // remote address of the owning host
  readonly startedAt: number;          // ms, the injected clock
  lastSeenAt: number;                  // ms of the owner's last HTTaP request; Remain counts from here
  hasOpenedRoot = false;               // the root object was served once: HTTaP_open turns 1
  /** Prebuilt head lines (Principle 3: prepare once): the id alone, and the id with the JSON reply lines. */
  readonly idLine: string;
  readonly jsonHeadLines: string;
  readonly #seenVersions = new Map<Resource, number>(); // per resource, the version `/?changes` last reported

  constructor(id: string, owner: string, now: number) {
    this.id = id;
    this.owner = owner;
    this.startedAt = now;
    this.lastSeenAt = now;
    this.idLine = `HTTaP-Session: ${id}\r\n`;
    this.jsonHeadLines = `${this.idLine}${JSON_TYPE_LINE}${NO_CACHE_LINE}`;
  }

  /** Milliseconds left before the session lapses at `now` (≤ 0: lapsed). */
  remainMs(now: number, timeoutMs: number): number {
    return timeoutMs - (now - this.lastSeenAt);
  }

  /** Resources whose version moved since this session last asked, and records their versions as seen. */
  takeChanges(resources: readonly Resource[]): Resource[] {
    const changed: Resource[] = [];
    for (const r of resources) {
      if (this.#seenVersions.get(r) !== r.version) {
        changed.push(r);
        this.#seenVersions.set(r, r.version);
      }
    }
    return changed;
  }

  info(): SessionInfo {
    return { id: this.id, owner: this.owner, startedAt: this.startedAt };
  }
}
