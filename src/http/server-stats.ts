/**
 * @module The HTTP engine's counters (issue 11): plain numbers bumped on the hot path (one add each, no
 * allocation), read as one JSON-ready snapshot by whoever shows them (`GET /?stats`, the stress harness).
 */

/** Why a connection was closed to make room for a newcomer (issue 11: only ever a truly idle one). */
export type EvictionKind = "lingering" | "unused" | "keep-alive";
/** Which deadline closed a connection. */
export type TimeoutKind = "request-head" | "body" | "keep-alive" | "send";

/** A snapshot of every counter, as `GET /?stats` shows it. */
export interface ServerStatsSnapshot {
  readonly uptimeS: number;
  readonly connections: {
    readonly open: number; // connections holding a slot now
    readonly peak: number; // most slots held at once since start
    readonly limit: number; // HTTAP_MAXCONN
    readonly accepted: number; // connections given a slot since start
    readonly refusedBusy: number; // newcomers answered 503 because every slot was working
    readonly waiting: number; // newcomers waiting for a slot now (up to 1 s, then 503)
    readonly refusing: number; // refused newcomers still reading their 503 now (no slot held)
    readonly collections: number; // garbage collections run once a burst of closed connections was over
  };
  readonly evicted: Readonly<Record<EvictionKind, number>>;
  readonly timedOut: Readonly<Record<TimeoutKind, number>>;
  readonly bytes: { readonly in: number; readonly out: number };
  readonly requests: number;
  /** Answers by status class, protocol refusals (400, 408, 413, 503 busy, …) included. */
  readonly responses: Readonly<Record<"1xx" | "2xx" | "3xx" | "4xx" | "5xx", number>>;
}

export class ServerStats {
  readonly #startedAt: number; // clock ms at start, for uptime
  readonly limit: number; // the connection limit in force
  peak = 0; // most open connections at once
  accepted = 0; // connections admitted to a slot
  refusedBusy = 0; // newcomers refused with 503 (no slot free, none evictable)
  bytesIn = 0; // bytes received on every connection
  bytesOut = 0; // bytes the sockets accepted from us
  requests = 0; // requests handed to the handler
  collections = 0; // full garbage collections after a burst (COLLECT_AFTER_CLOSED)
  readonly byStatusClass = [0, 0, 0, 0, 0, 0]; // index = status / 100
  readonly evicted: Record<EvictionKind, number> = { lingering: 0, unused: 0, "keep-alive": 0 };
  readonly timedOut: Record<TimeoutKind, number> = { "request-head": 0, body: 0, "keep-alive": 0, send: 0 };

  constructor(limit: number, startedAt: number) {
    this.limit = limit;
    this.#startedAt = startedAt;
  }

  countStatus(status: number): void {
    const k = (status / 100) | 0;
    if (k >= 1 && k <= 5) this.byStatusClass[k]++;
  }

  snapshot(now: number, open: number, waiting: number, refusing: number): ServerStatsSnapshot {
    const c = this.byStatusClass;
    return {
      uptimeS: Math.floor((now - this.#startedAt) / 1000),
      connections: {
        open,
        peak: this.peak,
        limit: this.limit,
        accepted: this.accepted,
        refusedBusy: this.refusedBusy,
        waiting,
        refusing,
        collections: this.collections,
      },
      evicted: { ...this.evicted },
      timedOut: { ...this.timedOut },
      bytes: { in: this.bytesIn, out: this.bytesOut },
      requests: this.requests,
      responses: { "1xx": c[1], "2xx": c[2], "3xx": c[3], "4xx": c[4], "5xx": c[5] },
    };
  }
}
