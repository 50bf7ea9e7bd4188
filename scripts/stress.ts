/**
 * @module Robustness harness (issue 11): the compiled server (default configuration, embedded pages) under
 * overload, side by side with a compiled `Bun.serve` where one applies. Prints one table, each row a figure beside
 * its target. Exits 1 when a correctness check fails (a failed request, a dead server, an unanswered probe, memory
 * growth past MEMORY_BOUND_MIB), and in the full run also when a row misses its target; with --quick (CI) the
 * targets, which measure a shared machine's speed, are printed and never gate. Load comes from Debian's `wrk` and `ab` (installed by
 * `scripts/stress-setup.sh`, npm's prestress). Traffic goes to 127.0.0.1 only; every phase is bounded in time.
 *
 *   npm run stress                  # the full run
 *   npm run stress -- --quick       # shorter phases (CI)
 *   npm run stress -- --fuzz 200000 --seed 7   # more fuzz cases (default 20,000, seed 1)
 *   npm run stress -- --soak 3600             # a longer soak, in seconds (default 600, --quick 30)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { MAX_CONNECTIONS_DEFAULT } from "../src/http/limits.ts";
import { rssMiB } from "./bench/proc-stats.ts";
import { defaultSpecs, freePort, startServer, stopAll, type Server, type ServerSpec } from "./bench/servers.ts";
import { Table } from "./bench/table.ts";
import { createWorkspace, ensureHttapBinary } from "./bench/workspace.ts";
import { fuzz, loadCorpus } from "./stress/fuzz.ts";
import { churn, holdIdle, wrk } from "./stress/load-tools.ts";
import { nonReaderPhase } from "./stress/non-reader.ts";
import { room } from "./stress/room.ts";
import { slowAttack, type SlowKind } from "./stress/slow-clients.ts";
import { soak } from "./stress/soak.ts";

const ROOT = resolve(import.meta.dir, "..");
const QUICK = process.argv.includes("--quick");
const GOODPUT_S = QUICK ? 3 : 8;
const CONNECTION_COUNTS = [16, 64, 256, 1024] as const;
const DEFAULT_LIMIT = MAX_CONNECTIONS_DEFAULT;
const CHURN_REQUESTS = 20_000;
const CHURN_CONCURRENCY = 200;
const IDLE_CONNECTIONS = 256;
/** A goodput row that misses is measured again, up to this many times, the best counting: this machine is shared. */
const TRIES = 3;
const argValue = (flag: string, fallback: number) => {
  const i = process.argv.indexOf(flag);
  const n = i < 0 ? fallback : Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${flag} takes a whole number`);
  return n;
};
const FUZZ_CASES = argValue("--fuzz", 20_000);
const FUZZ_SEED = argValue("--seed", 1);
const SOAK_S = argValue("--soak", QUICK ? 30 : 600);
/** Soak time before the RSS reference is taken: caches filled, JIT settled, the heap at its working size. */
const SOAK_WARM_UP_S = Math.min(60, Math.round(SOAK_S / 3));
const ROOM_BROWSERS = 20;
const ROOM_ROUNDS = 5;
/** A page load in the room, worst of 100: what a participant waits for, on loopback (a Pi's Wi-Fi adds its own). */
const ROOM_P99_TARGET_MS = 500;
const SLOW_KEEPALIVE_S = 5;
/** slowhttptest run time per attack: past the 5 s deadlines with room, so every slow connection must be cut. */
const SLOW_ATTACK_S = QUICK ? 8 : 20;
/**
 * Memory a phase may add (idle connections, slow readers, the soak's drift) before even CI fails: twice the tightest
 * target, so a leak fails every run while a GC cycle or a busy machine (a 3.0 MiB soak drift with 0 errors in 612,198
 * requests) does not.
 */
const MEMORY_BOUND_MIB = 16;
/** The example appliance (REG, MEM: HTTaP resources with JSON writes), for the fuzzer; run from source by Bun. */
const EXAMPLE: ServerSpec = {
  name: "example",
  file: process.execPath,
  args: ["src/examples/register-file.ts"],
  env: {},
  portVariable: "HTTAP_TCPPORT",
  cwd: ROOT,
};

async function main(): Promise<number> {
  const HTTAP = ensureHttapBinary(ROOT);
  const ws = createWorkspace(ROOT);
  try {
    const { httap: httapSpec, base: baseSpec } = defaultSpecs(HTTAP, ws.baselineBinary, ws.floorBinary, ws.webRoot, ws.emptyDir);
    const t = new Table();
    // Two kinds of verdict. A row's target (a rate, a ratio, a latency, the tight memory figures) measures a shared
    // machine: a miss fails the full run only. must() checks correctness, which no busy machine excuses: every run.
    let missed = 0;
    let failed = 0;
    const row = (metric: string, h: number, b: number, digits: number, target = "", ok: boolean | null = null) => {
      t.add(metric, { httap: h, base: b }, digits, target === "" ? undefined : { text: target, ok });
      if (ok === false) missed++;
    };
    const must = (ok: boolean, what: string) => {
      if (ok) return;
      failed++;
      console.log(`stress: FAIL: ${what}`);
    };

    // RSS first, on a fresh server: idle, then holding 256 idle keep-alive connections (best of TRIES servers:
    // one GC cycle more or less moves the reading by a few MiB).
    let idleRss = NaN;
    let added = Infinity;
    let opened = 0;
    for (let i = 0; i < TRIES && !(added <= 8 && opened === IDLE_CONNECTIONS); i++) {
      const fresh = await startServer(httapSpec, false);
      await Bun.sleep(1000);
      const idle = rssMiB(fresh.proc.pid);
      const held = await holdIdle(fresh.port, IDLE_CONNECTIONS);
      await Bun.sleep(500);
      const delta = rssMiB(fresh.proc.pid) - idle;
      console.log(`stress: RSS idle ${idle.toFixed(1)} MiB, +${delta.toFixed(1)} MiB with ${held.opened} idle keep-alive connections`);
      if (delta < added) {
        added = delta;
        idleRss = idle;
        opened = held.opened;
      }
      held.close();
      fresh.proc.kill("SIGTERM");
      await fresh.proc.exited;
    }
    // Informational: a freshly written binary reads ~5 MiB higher; `npm run bench` owns the ≤ 30 MiB idle target.
    row("RSS idle, default config, binary warm (info) (MiB)", idleRss, NaN, 1);
    row(
      `RSS added by ${IDLE_CONNECTIONS} idle keep-alive connections (MiB)`,
      added,
      NaN,
      1,
      "≤ 8 MiB",
      opened === IDLE_CONNECTIONS && added <= 8,
    );
    must(opened === IDLE_CONNECTIONS, `${opened} of ${IDLE_CONNECTIONS} idle keep-alive connections answered`);
    must(
      added <= MEMORY_BOUND_MIB,
      `${IDLE_CONNECTIONS} idle keep-alive connections added ${added.toFixed(1)} MiB (bound ${MEMORY_BOUND_MIB})`,
    );

    const servers: Server[] = [await startServer(httapSpec), await startServer(baseSpec)];
    const goodput = new Map<number, number[]>();
    for (const c of CONNECTION_COUNTS) {
      const pair: number[] = [];
      for (const s of servers) {
        const r = await wrk(s.port, "/", c, GOODPUT_S);
        console.log(
          `stress: goodput ${c} conns on ${s.name}: ${r.goodput.toFixed(0)} 2xx/s, ${r.non2xx} non-2xx, ${r.socketErrors} socket errors`,
        );
        pair.push(r.goodput);
        if (s.name === "httap" && c <= DEFAULT_LIMIT)
          must(r.socketErrors + r.non2xx === 0, `errors with ${c} connections, within the connection limit`);
      }
      goodput.set(c, pair);
    }
    for (const c of CONNECTION_COUNTS) {
      const [h, b] = goodput.get(c)!;
      if (c <= DEFAULT_LIMIT) row(`goodput, ${c} conns (2xx/s)`, h, b, 0);
    }
    // 4× the limit: 768 clients hammer a full server; the 256 served must keep their throughput.
    let over = goodput.get(1024)![0];
    const atLimit = goodput.get(DEFAULT_LIMIT)![0];
    for (let i = 1; i < TRIES && over < 0.9 * atLimit; i++)
      over = Math.max(over, (await wrk(servers[0].port, "/", 1024, GOODPUT_S)).goodput);
    row("goodput, 1024 conns = 4× the limit (2xx/s)", over, goodput.get(1024)![1], 0, "≥ 0.90× httap at 256", over >= 0.9 * atLimit);

    const ch = [
      await churn(servers[0].port, "/", CHURN_REQUESTS, CHURN_CONCURRENCY),
      await churn(servers[1].port, "/", CHURN_REQUESTS, CHURN_CONCURRENCY),
    ];
    console.log(
      `stress: churn httap ${ch[0].complete} complete, ${ch[0].failed} failed; ` +
        `Bun.serve ${ch[1].complete} complete, ${ch[1].failed} failed`,
    );
    row(`churn, new connection per request, ${CHURN_CONCURRENCY} at a time (req/s)`, ch[0].rps, ch[1].rps, 0);
    row(
      `churn: failed of ${CHURN_REQUESTS}`,
      ch[0].failed,
      ch[1].failed,
      0,
      "= 0",
      ch[0].failed === 0 && ch[0].complete === CHURN_REQUESTS,
    );
    must(
      ch[0].failed === 0 && ch[0].complete === CHURN_REQUESTS,
      `churn: ${ch[0].failed} failed, ${ch[0].complete} of ${CHURN_REQUESTS} complete`,
    );

    // The room: 20 browsers × 6 connections load the dashboard and its assets together, 5 times.
    const rooms = [await room(servers[0].port, ROOM_BROWSERS, ROOM_ROUNDS), await room(servers[1].port, ROOM_BROWSERS, ROOM_ROUNDS)];
    for (const [i, r] of rooms.entries()) {
      console.log(
        `stress: room on ${servers[i].name}: ${r.complete}/${r.loads} loads complete, ${r.requestsPerLoad.toFixed(1)} requests each, ` +
          `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, max ${r.maxMs.toFixed(1)} ms`,
      );
      for (const f of r.failures.slice(0, 5)) console.log(`stress: room on ${servers[i].name}: ${f}`);
    }
    const [rh, rb] = rooms;
    row(
      `room: ${ROOM_BROWSERS} browsers × 6 conns × ${ROOM_ROUNDS}, loads complete`,
      rh.complete,
      rb.complete,
      0,
      `= ${rh.loads}`,
      rh.complete === rh.loads,
    );
    must(rh.complete === rh.loads, `room: ${rh.complete} of ${rh.loads} page loads complete`);
    row(
      `room: page load p99, ${rh.requestsPerLoad.toFixed(0)} requests each (ms)`,
      rh.p99Ms,
      rb.p99Ms,
      1,
      `< ${ROOM_P99_TARGET_MS} ms`,
      rh.p99Ms < ROOM_P99_TARGET_MS,
    );
    const stats = await (await fetch(`http://127.0.0.1:${servers[0].port}/?stats`)).json();
    console.log(`stress: httap /?stats after the load: ${JSON.stringify(stats)}`);

    // Slow clients against a directory-mode server with a 4 MiB file and a 5 s keep-alive (so the body and send
    // deadlines fall inside a short run); the head deadline is the fixed 3 s.
    const slowRoot = join(ws.emptyDir, "..", "slow-root");
    mkdirSync(slowRoot, { recursive: true });
    writeFileSync(join(slowRoot, "index.html"), "<!doctype html><title>probe</title>\n");
    writeFileSync(join(slowRoot, "big.bin"), Buffer.alloc(4 * 1024 * 1024, "httap-slow-read-"));
    const slowServer = await startServer(
      { ...httapSpec, env: { HTTAP_STATICPATH: slowRoot, HTTAP_KEEPALIVE: String(SLOW_KEEPALIVE_S) } },
      false,
    );
    const deadlineOf: Record<SlowKind, ["request-head" | "body" | "send", number]> = {
      slowloris: ["request-head", 3],
      "slow-body": ["body", SLOW_KEEPALIVE_S],
      "slow-read": ["send", SLOW_KEEPALIVE_S],
    };
    for (const kind of ["slowloris", "slow-body", "slow-read"] as const) {
      const n = kind === "slow-read" ? 100 : 200;
      const rssBefore = rssMiB(slowServer.proc.pid);
      const [deadline, seconds] = deadlineOf[kind];
      const cutBetween = (before: any, after: any): number => after.timedOut[deadline] - before.timedOut[deadline];
      // The attack lasts until the server has cut all n (or 30 s more): a busy machine delays a deadline, never fails it.
      const allCut = (before: any, after: any) => cutBetween(before, after) >= n && after.connections.open <= 1;
      const r = await slowAttack(kind, slowServer.port, kind === "slow-read" ? "/big.bin" : "/", n, SLOW_ATTACK_S, 1, allCut);
      const rssAdded = rssMiB(slowServer.proc.pid) - rssBefore;
      const cut = cutBetween(r.before, r.after);
      console.log(
        `stress: ${kind}: ${n} conns, ${cut} cut by the ${deadline} deadline (${seconds} s), ` +
          `probe ${r.probes - r.probeFailures}/${r.probes} answered, p95 ${r.probeP95Ms.toFixed(1)} ms, ` +
          `max ${r.probeMaxMs.toFixed(1)} ms, RSS +${rssAdded.toFixed(1)} MiB, open after ${r.after.connections.open}`,
      );
      const closedAll = r.toolRan && allCut(r.before, r.after);
      row(`${kind}, ${n} conns: cut by the ${seconds} s ${deadline} deadline`, cut, NaN, 0, `= ${n}, all closed`, closedAll);
      must(
        closedAll,
        `${kind}: ${cut} of ${n} connections cut by the ${deadline} deadline, ` +
          `${r.after.connections.open} open after${r.toolRan ? "" : ", slowhttptest did not run"}`,
      );
      row(
        `${kind}: probe GET / p95 (max ${r.probeMaxMs.toFixed(0)}) (ms)`,
        r.probeP95Ms,
        NaN,
        1,
        "all answered, p95 < 100 ms",
        r.probeFailures === 0 && r.probeP95Ms < 100,
      );
      must(r.probeFailures === 0, `${kind}: ${r.probeFailures} of ${r.probes} probes unanswered`);
      if (kind === "slow-read") {
        row("slow-read: RSS added (MiB)", rssAdded, NaN, 1, "≤ 8 MiB", rssAdded <= 8);
        must(rssAdded <= MEMORY_BOUND_MIB, `slow-read added ${rssAdded.toFixed(1)} MiB (bound ${MEMORY_BOUND_MIB})`);
      }
    }
    slowServer.proc.kill("SIGTERM");

    // Clients that send and never read, SCPI *IDN? then HTTP pipelined GET / (STYLE rule 21), probed meanwhile.
    const nonReaders = await nonReaderPhase(httapSpec, QUICK, 5, MEMORY_BOUND_MIB);
    for (const r of nonReaders.rows) row(r.metric, r.value, NaN, r.digits, r.target, r.ok);
    for (const f of nonReaders.failures) must(false, f);

    // The fuzzer, against the example appliance so HTTaP writes reach real resources.
    const example = await startServer(EXAMPLE, false);
    try {
      const corpus = loadCorpus(resolve(ROOT, "../shared"));
      const alive = async () =>
        example.proc.exitCode === null &&
        (await fetch(`http://127.0.0.1:${example.port}/?ping`).then(
          (r) => r.status === 200,
          () => false,
        ));
      const t0 = performance.now();
      const f = await fuzz(example.port, corpus, FUZZ_CASES, FUZZ_SEED, alive);
      console.log(
        `stress: fuzz seed ${FUZZ_SEED}: ${f.cases} cases from ${corpus.length} vectors ` +
          `in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${f.failures.length} failures`,
      );
      for (const failure of f.failures) console.log(`stress: FUZZ FAILURE ${failure}`);
      row(
        `fuzz: failed of ${FUZZ_CASES} mutated requests (seed ${FUZZ_SEED})`,
        f.failures.length,
        NaN,
        0,
        "= 0, alive",
        f.failures.length === 0 && f.cases === FUZZ_CASES,
      );
      must(f.failures.length === 0 && f.cases === FUZZ_CASES, `fuzz: ${f.failures.length} failures in ${f.cases} of ${FUZZ_CASES} cases`);
    } finally {
      example.proc.kill("SIGTERM");
    }

    // The soak, on a fresh example appliance (pages, ping, HTTaP writes and SCPI in one process), watched through /proc.
    const soakScpiPort = freePort();
    const soaked = await startServer({ ...EXAMPLE, env: { HTTAP_SCPIPORT: String(soakScpiPort) } }, false);
    try {
      console.log(`stress: soak for ${SOAK_S} s (warm-up ${SOAK_WARM_UP_S} s)`);
      const s = await soak(soaked.port, soaked.proc.pid, SOAK_S, SOAK_WARM_UP_S, soakScpiPort);
      const drift = s.rssEndMiB - s.rssAfterWarmUpMiB;
      console.log(
        `stress: soak: ${s.requests} requests, ${s.errors.length} errors, ` +
          `RSS ${s.rssAfterWarmUpMiB.toFixed(1)} → ${s.rssEndMiB.toFixed(1)} MiB, fds ${s.fdsBefore} → ${s.fdsAfter}, ` +
          `alive ${soaked.proc.exitCode === null}`,
      );
      for (const e of s.errors) console.log(`stress: SOAK ERROR ${e}`);
      const soakOk = s.errors.length === 0 && s.requests > 0 && soaked.proc.exitCode === null;
      row(`soak ${SOAK_S} s, mixed load: errors of ${s.requests} requests`, s.errors.length, NaN, 0, "= 0, alive", soakOk);
      must(soakOk, `soak: ${s.errors.length} errors in ${s.requests} requests, alive ${soaked.proc.exitCode === null}`);
      row("soak: RSS drift after warm-up (MiB)", drift, NaN, 1, "≤ 2 MiB", drift <= 2);
      must(drift <= MEMORY_BOUND_MIB, `soak: RSS grew ${drift.toFixed(1)} MiB after the warm-up (bound ${MEMORY_BOUND_MIB})`);
      row(
        `soak: open fds, before → after (${s.fdsBefore} → ${s.fdsAfter})`,
        s.fdsAfter - s.fdsBefore,
        NaN,
        0,
        "no growth",
        s.fdsAfter <= s.fdsBefore,
      );
      must(s.fdsAfter <= s.fdsBefore, `soak: open fds grew from ${s.fdsBefore} to ${s.fdsAfter}`);
    } finally {
      soaked.proc.kill("SIGTERM");
    }

    console.log("");
    t.print();
    console.log(
      `\nstress: ${process.arch}, ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}; wrk -t2 for ${GOODPUT_S} s per goodput row`,
    );
    const targets = QUICK ? "reported, not gating with --quick" : "gating";
    console.log(`stress: ${failed} correctness checks failed; ${missed} rows missed their target (${targets})`);
    return failed > 0 || (!QUICK && missed > 0) ? 1 : 0;
  } finally {
    await stopAll();
    ws.remove();
  }
}

process.exit(
  await main().catch(async (err) => {
    await stopAll();
    console.error(`stress: ${err instanceof Error ? err.message : err}`);
    return 1;
  }),
);
