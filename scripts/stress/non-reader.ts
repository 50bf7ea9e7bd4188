/**
 * @module Clients that send and never read (STYLE rule 21; SCPI once grew 39 → 1,097 MiB in 8 s under one): a
 * non-reader sends `*IDN?` to the SCPI port, or pipelines `GET /` to the HTTP port, as fast as the kernel takes it
 * and never reads a byte; when the server cuts it, it connects again, until the phase ends. Meanwhile a probe asks
 * `*IDN?` on its own SCPI connection and `GET /?ping` on a fresh HTTP connection every 100 ms. The server's RSS is
 * sampled from /proc throughout, against a reference taken after a client that reads sent as many queries as fast:
 * the figure is what not reading costs, not what a high message rate costs (the allocator keeps ~10 MiB of garbage
 * churned through at 100,000 queries a second, reader or not). Rows and failures go back to the harness, which
 * decides what gates.
 */
import type { Socket } from "bun";
import { KEEPALIVE_DEFAULT_S } from "../../src/http/limits.ts";
import { rssMiB } from "../bench/proc-stats.ts";
import { startServer, type ServerSpec } from "../bench/servers.ts";
import { ClientConnection } from "./http-client.ts";
import { freePort } from "../bench/servers.ts";
import { ScpiLines } from "./scpi-client.ts";

export type NonReaderProtocol = "scpi" | "http";

/** Seconds each non-reader phase sends; the full run with the shipped keep-alive, --quick (CI) shorter. */
const PHASE_S = { full: 60, quick: 15 } as const;
const KEEPALIVE_S = { full: KEEPALIVE_DEFAULT_S, quick: 5 } as const;
/** A non-reader not cut when its phase ends is held (not sending) up to this much longer: slow is not wrong. */
const CUT_WAIT_MS = 30_000;

const PROBE_EVERY_MS = 100;
const SAMPLE_MS = 500;
/** Samples at the end of a phase whose median is its end figure: one GC cycle more or less must not count. */
const MEDIAN_OF = 5;
/**
 * Before the RSS reference: SCPI queries pipelined by a client that reads every reply (as many as a non-reader gets
 * run before the kernel's buffers fill), and HTTP requests in lock-step: code compiled, the allocator at its size.
 */
const WARM_UP_SCPI_BATCHES = 50;
const WARM_UP_SCPI_BATCH = 4096;
const WARM_UP_HTTP_REQUESTS = 2_000;
/** What a non-reader repeats: many requests per write, so the kernel fills in a few writes. */
const FLOOD: Record<NonReaderProtocol, Buffer> = {
  scpi: Buffer.from("*IDN?\n".repeat(4096)),
  http: Buffer.from("GET / HTTP/1.1\r\nHost: stress\r\n\r\n".repeat(1024)),
};

export interface NonReaderResult {
  readonly protocol: NonReaderProtocol;
  readonly sentBytes: number; // what the kernel took from the non-readers
  readonly cuts: number; // times the server closed a non-reader
  readonly probes: number;
  readonly probeFailures: number;
  readonly probeMaxMs: number;
  readonly rssStartMiB: number; // after the warm-up, before the first non-reader
  readonly rssPeakMiB: number;
  readonly rssEndMiB: number; // median of the last samples, the non-reader still sending
}

export interface PhaseRow {
  metric: string;
  value: number;
  digits: number;
  target: string;
  ok: boolean;
}

/** One non-reader connection: writes until `endAt` (when the kernel takes it), never reads, holds until `holdUntil`. */
async function nonReaderConnection(
  port: number,
  flood: Buffer,
  endAt: number,
  holdUntil: number,
): Promise<{ sent: number; wasCut: boolean }> {
  let sent = 0;
  let offset = 0;
  let isClosed = false;
  const pump = (s: Socket<undefined>) => {
    for (let writes = 0; writes < 64 && performance.now() < endAt; writes++) {
      const n = s.write(flood, offset, flood.length - offset);
      if (n <= 0) return; // full (the drain event resumes) or closed
      sent += n;
      offset = (offset + n) % flood.length;
    }
    if (performance.now() < endAt) setTimeout(() => !isClosed && pump(s), 1); // let the probes run between bursts
  };
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open: (s) => {
        s.pause();
        pump(s);
      }, // never read: replies pile up in the kernel, then at the server
      data: () => {},
      drain: (s) => pump(s),
      close: () => void (isClosed = true),
      error: () => void (isClosed = true),
    },
  });
  while (!isClosed && performance.now() < holdUntil) await Bun.sleep(20);
  const wasCut = isClosed;
  if (!isClosed) socket.terminate();
  return { sent, wasCut };
}

/** Runs non-readers of `protocol` for `seconds` against the server `pid`, probing both ports throughout. */
export async function nonReader(
  protocol: NonReaderProtocol,
  ports: { http: number; scpi: number },
  pid: number,
  seconds: number,
): Promise<NonReaderResult> {
  const scpi = await ScpiLines.open(ports.scpi);
  for (let i = 0; i < WARM_UP_SCPI_BATCHES; i++) await scpi.askMany("*IDN?", WARM_UP_SCPI_BATCH);
  const http = await ClientConnection.open(ports.http);
  for (let i = 0; i < WARM_UP_HTTP_REQUESTS; i++) await http.request("GET", i % 2 === 0 ? "/" : "/?ping", "", "");
  http.close();
  await Bun.sleep(1000);
  const rssStartMiB = rssMiB(pid);
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(rssMiB(pid)), SAMPLE_MS);
  const endAt = performance.now() + seconds * 1000;

  let sentBytes = 0;
  let cuts = 0;
  let isAttacking = true;
  const attacker = (async () => {
    while (performance.now() < endAt) {
      const holdUntil = cuts === 0 ? endAt + CUT_WAIT_MS : endAt; // the first cut is waited for
      const r = await nonReaderConnection(protocol === "scpi" ? ports.scpi : ports.http, FLOOD[protocol], endAt, holdUntil);
      sentBytes += r.sent;
      if (r.wasCut) cuts++;
    }
  })().finally(() => (isAttacking = false));

  let probes = 0;
  let probeFailures = 0;
  let probeMaxMs = 0;
  while (isAttacking) {
    const t0 = performance.now();
    try {
      if (!(await scpi.ask("*IDN?")).startsWith("httap,")) throw new Error("not an identity");
      const c = await ClientConnection.open(ports.http);
      try {
        if ((await c.request("GET", "/?ping", "", "")).status !== 200) throw new Error("not 200");
      } finally {
        c.close();
      }
    } catch {
      probeFailures++;
    }
    probes++;
    probeMaxMs = Math.max(probeMaxMs, performance.now() - t0);
    await Bun.sleep(PROBE_EVERY_MS);
  }
  await attacker;
  clearInterval(sampler);
  scpi.close();
  const last = samples.slice(-MEDIAN_OF).sort((a, b) => a - b);
  return {
    protocol,
    sentBytes,
    cuts,
    probes,
    probeFailures,
    probeMaxMs,
    rssStartMiB,
    rssPeakMiB: Math.max(rssStartMiB, ...samples),
    rssEndMiB: last[Math.floor(last.length / 2)] ?? NaN,
  };
}

/**
 * The phase: a server of `spec` with SCPI on, a SCPI non-reader then an HTTP one (60 s each with the shipped 15 s
 * keep-alive; --quick 15 s with 5 s). The rows carry the targets (RSS within `targetMiB` of its start at the end,
 * the peak shown); the failures are correctness, for every run: the server alive, every probe answered, each
 * non-reader cut, RSS at the end within `boundMiB` of its start (before the fix: +1 GiB in 8 s).
 */
export async function nonReaderPhase(
  spec: ServerSpec,
  isQuick: boolean,
  targetMiB: number,
  boundMiB: number,
): Promise<{ rows: PhaseRow[]; failures: string[] }> {
  const seconds = isQuick ? PHASE_S.quick : PHASE_S.full;
  const keepAliveS = isQuick ? KEEPALIVE_S.quick : KEEPALIVE_S.full;
  const scpiPort = freePort();
  const server = await startServer(
    { ...spec, env: { ...spec.env, HTTAP_SCPIPORT: String(scpiPort), HTTAP_KEEPALIVE: String(keepAliveS) } },
    false,
  );
  const rows: PhaseRow[] = [];
  const failures: string[] = [];
  try {
    for (const protocol of ["scpi", "http"] as const) {
      const r = await nonReader(protocol, { http: server.port, scpi: scpiPort }, server.proc.pid, seconds);
      const name = protocol === "scpi" ? "SCPI *IDN?" : "HTTP pipelined GET /";
      const added = r.rssEndMiB - r.rssStartMiB;
      const peak = r.rssPeakMiB - r.rssStartMiB;
      const alive = server.proc.exitCode === null;
      console.log(
        `stress: non-reader ${name}, ${seconds} s, keep-alive ${keepAliveS} s: ` +
          `${(r.sentBytes / 1e6).toFixed(1)} MB taken, cut ${r.cuts}×, ` +
          `probes ${r.probes - r.probeFailures}/${r.probes} answered (max ${r.probeMaxMs.toFixed(0)} ms), ` +
          `RSS ${r.rssStartMiB.toFixed(1)} → peak ${r.rssPeakMiB.toFixed(1)}, end ${r.rssEndMiB.toFixed(1)} MiB, alive ${alive}`,
      );
      const correct = alive && r.cuts >= 1 && r.probeFailures === 0;
      rows.push({
        metric: `non-reader ${name} ${seconds} s: cut, probes answered`,
        value: r.cuts,
        digits: 0,
        target: "≥ 1 cut, all answered, alive",
        ok: correct,
      });
      rows.push({
        metric: `non-reader ${name}: RSS added at the end (peak +${peak.toFixed(1)}) (MiB)`,
        value: added,
        digits: 1,
        target: `≤ ${targetMiB} MiB`,
        ok: added <= targetMiB,
      });
      if (!alive) failures.push(`non-reader ${name}: the server died`);
      if (r.cuts < 1) failures.push(`non-reader ${name}: never cut in ${seconds} s (keep-alive ${keepAliveS} s)`);
      if (r.probeFailures > 0) failures.push(`non-reader ${name}: ${r.probeFailures} of ${r.probes} probes unanswered`);
      if (added > boundMiB) failures.push(`non-reader ${name}: RSS ended ${added.toFixed(1)} MiB over its start (bound ${boundMiB})`);
      if (!alive) break;
    }
  } finally {
    server.proc.kill("SIGTERM");
    await server.proc.exited;
  }
  return { rows, failures };
}
