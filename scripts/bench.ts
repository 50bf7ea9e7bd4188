/**
 * @module Benchmark: the compiled server (`dist/httap-linux-x64`) against a compiled `Bun.serve` baseline that
 * serves the same bytes from memory, both measured in the same run by a raw-socket load generator
 * (`Bun.connect`). Prints a table of ratios against the baseline and the design targets. Not a test.
 * Traffic goes to 127.0.0.1 only; every loop is bounded in count and time. The pieces are in `scripts/bench/`.
 *
 *   bun scripts/bench.ts
 */
import { join, resolve } from "node:path";
import { MAX_CONNECTIONS_DEFAULT } from "../src/http/limits.ts";
import { LOAD_MS, lockStep, PARALLEL_CONNECTIONS, parallel, throughput } from "./bench/load-phases.ts";
import { answersOk } from "./bench/load-generator.ts";
import { describeEvictions } from "./bench/page-cache.ts";
import { rssMiB } from "./bench/proc-stats.ts";
import { DEVICE_TRAFFIC_MS, IDLE_SETTLE_MS, measureResidentMemory, startCold } from "./bench/resident-memory.ts";
import {
  defaultSpecs,
  freePort,
  isPinning,
  OTHER_CPU,
  pinLoadGenerator,
  SERVER_CPU,
  startServer,
  stop,
  stopAll,
  type ServerSpec,
} from "./bench/servers.ts";
import { medianStartUpMs, STARTUP_RUNS } from "./bench/start-up.ts";
import { Table } from "./bench/table.ts";
import { createWorkspace, ensureHttapBinary } from "./bench/workspace.ts";
import { hardwarePhases, type HardwareFigures } from "./bench/hardware-phases.ts";
import { scpiPhase } from "./bench/scpi-phase.ts";
import { releaseToStop, type ReleaseFigure } from "./bench/drive-release.ts";
import { codePhases, leaderStop } from "./bench/room-phases.ts";
import { churn, wrk } from "./stress/load-tools.ts";

const ROOT = resolve(import.meta.dir, "..");
const HTTAP = join(ROOT, "dist/httap-linux-x64");
/** The goodput row's load: as many keep-alive clients as the default configuration admits. */
const ROOM_CONNECTIONS = MAX_CONNECTIONS_DEFAULT;
const ROOM_LOAD_S = 3;
const CHURN_REQUESTS = 20_000;
const CHURN_CONCURRENCY = 200;

async function main(): Promise<void> {
  ensureHttapBinary(ROOT, HTTAP);
  const ws = createWorkspace(ROOT);
  try {
    // The default configuration, as a device runs it: pages embedded in the binary, only the port set.
    const { httap, base } = defaultSpecs(HTTAP, ws.baselineBinary, ws.webRoot, ws.emptyDir);
    // Directory mode serves the bench files the 1 KB and 1 MiB rows need; it compresses them at start (node:zlib).
    const httapDirectory: ServerSpec = { ...httap, env: { HTTAP_STATICPATH: ws.webRoot } };

    console.log(`bench: start-up, ${STARTUP_RUNS} runs each`);
    const [startH, startB] = await medianStartUpMs([httap, base]);

    // Before the load servers start: each RSS server must be the only process mapping its binary (page-cache.ts).
    console.log("bench: RSS of the default configuration, each server alone, started with its binary out of the page cache");
    const rss = [await measureResidentMemory(httap, "/?ping"), await measureResidentMemory(base, "/ping")];

    const cold = [await startCold(httapDirectory), await startCold(base)];
    const servers = cold.map((c) => c.server);
    await Bun.sleep(IDLE_SETTLE_MS);
    const idle = servers.map((s) => rssMiB(s.proc.pid));

    const ls = await lockStep("1 KB", servers, ["/one-kb.txt", "/one-kb.txt"]);
    const par = await parallel("1 KB", servers, ["/one-kb.txt", "/one-kb.txt"]);
    const mb = await throughput(servers, "/one-mb.bin");

    // A room's worth of connections (issue 11), from Debian's wrk and ab (npm's prebench installs them), on the
    // load generator's CPU: keep-alive goodput at the default connection limit, and a new connection per request.
    pinLoadGenerator(OTHER_CPU);
    const room = [];
    for (const s of servers) {
      const g = await wrk(s.port, "/", ROOM_CONNECTIONS, ROOM_LOAD_S);
      const c = await churn(s.port, "/", CHURN_REQUESTS, CHURN_CONCURRENCY);
      console.log(
        `bench: ${ROOM_CONNECTIONS} connections on ${s.name}: ${g.goodput.toFixed(0)} 2xx/s, ` +
          `${g.non2xx + g.socketErrors} errors; churn ${c.complete} complete, ${c.failed} failed`,
      );
      room.push({
        goodput: g.goodput,
        goodputErrors: g.non2xx + g.socketErrors,
        churnRps: c.rps,
        churnFailed: c.failed + CHURN_REQUESTS - c.complete,
      });
    }

    // ---- EXTENSION POINT: HTTaP rows. GET /?ping on httap vs the baseline's dynamic JSON GET /ping. --------
    // Measured only when httap answers GET /?ping with 200 at bench time; otherwise the rows print "n/a".
    // If the HTTaP session rules need it (one session owner), put the request headers in PING_HEADERS[0].
    const PING_HEADERS = ["", ""] as const;
    const pingReady = await answersOk(servers[0].port, "/?ping");
    const pingLs = pingReady ? await lockStep("/?ping", servers, ["/?ping", "/ping"], PING_HEADERS) : null;
    const pingPar = pingReady ? await parallel("/?ping", servers, ["/?ping", "/ping"], PING_HEADERS) : null;
    // ---- end of the HTTaP extension point ------------------------------------------------------------------

    const loaded = servers.map((s) => rssMiB(s.proc.pid));

    // SCPI (issue 10): *IDN? round trips against /?ping round trips, one server, the same run.
    const scpiPort = freePort();
    const scpiServer = await startServer({ ...httap, env: { HTTAP_SCPIPORT: String(scpiPort) } });
    const scpi = await scpiPhase(scpiServer, scpiPort);
    await stop(scpiServer.proc);

    // Hardware (issue 7): the default configuration on the simulator, with and without real-time priority.
    const hardware: HardwareFigures[] = [];
    for (const realtime of ["1", "0"]) {
      const simFile = join(ws.emptyDir, `sim-${realtime}.bin`);
      const hw = await startServer({ ...httap, env: { HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile, HTTAP_REALTIME: realtime } });
      console.log(`bench: hardware rows, HTTAP_REALTIME=${realtime}`);
      hardware.push(await hardwarePhases(hw, simFile));
      await stop(hw.proc);
    }

    // Safe driving (issue 18): a phone lets go of the stick on a slow network; how long until the motors stop.
    const driveSim = join(ws.emptyDir, "sim-drive.bin");
    const driver = await startServer({ ...httap, env: { HTTAP_GPIO: "sim", HTTAP_SIM_FILE: driveSim } });
    console.log("bench: release-to-stop, the car page in Chromium as a phone on a throttled network");
    const release: ReleaseFigure[] = await releaseToStop(driver, driveSim);
    await stop(driver.proc);

    // The Code page's timing and Stop (issue 20), and the leader's STOP ALL (issue 21), on the simulator.
    const roomSim = join(ws.emptyDir, "sim-room.bin");
    const LEADER_PIN = "2468";
    const roomServer = await startServer({
      ...httap,
      env: { HTTAP_GPIO: "sim", HTTAP_SIM_FILE: roomSim, HTTAP_STATE_DIR: join(ws.emptyDir, "state"), HTTAP_LEADER_PIN: LEADER_PIN },
    });
    console.log("bench: the Code page and the leader's STOP ALL in Chromium");
    const code = await codePhases(roomServer, roomSim);
    const leaderStopMs = await leaderStop(roomServer, roomSim, LEADER_PIN);
    await stop(roomServer.proc);

    const t = new Table();
    t.add("1 KB lock-step, 1 conn (req/s)", ls[0].rps, ls[1].rps, 0, "≥ 1.00×", ls[0].rps >= ls[1].rps);
    t.add("1 KB lock-step p50 (µs)", ls[0].p50, ls[1].p50, 0);
    t.add("1 KB lock-step p99 (µs)", ls[0].p99, ls[1].p99, 0, "≤ 120 µs", ls[0].p99 <= 120);
    t.add(`1 KB, ${PARALLEL_CONNECTIONS} conns (req/s)`, par[0].rps, par[1].rps, 0);
    t.add(
      `1 KB, ${PARALLEL_CONNECTIONS} conns: server CPU per request (µs)`,
      par[0].cpuPerReq,
      par[1].cpuPerReq,
      2,
      "≤ 1.10×",
      par[0].cpuPerReq <= 1.1 * par[1].cpuPerReq,
    );
    t.add("1 MiB file, 1 conn (MB/s)", mb.mibPerS[0], mb.mibPerS[1], 0);
    t.add(
      `goodput, ${ROOM_CONNECTIONS} conns, GET / (2xx/s)`,
      room[0].goodput,
      room[1].goodput,
      0,
      "0 errors",
      room[0].goodputErrors === 0,
    );
    t.add(
      `churn, a connection per request, ${CHURN_CONCURRENCY} at a time (req/s)`,
      room[0].churnRps,
      room[1].churnRps,
      0,
      `0 of ${CHURN_REQUESTS} failed`,
      room[0].churnFailed === 0,
    );
    t.add("RSS idle, default config (MiB)", rss[0].idleMiB, rss[1].idleMiB, 1, "≤ 30 MiB", rss[0].idleMiB <= 30);
    t.add("RSS after load, default config (MiB)", rss[0].loadedMiB, rss[1].loadedMiB, 1, "≤ 45 MiB", rss[0].loadedMiB <= 45);
    t.add("RSS idle, directory mode (info) (MiB)", idle[0], idle[1], 1);
    t.add("RSS after the load rows, directory mode (info) (MiB)", loaded[0], loaded[1], 1);
    t.add(`exec to first response, median of ${STARTUP_RUNS} (ms)`, startH, startB, 1, "≤ 50 ms", startH <= 50);
    if (pingLs !== null && pingPar !== null) {
      t.add("HTTaP /?ping lock-step (req/s)", pingLs[0].rps, pingLs[1].rps, 0, "≥ 1.00×", pingLs[0].rps >= pingLs[1].rps);
      t.add("HTTaP /?ping lock-step p99 (µs)", pingLs[0].p99, pingLs[1].p99, 0, "≤ 120 µs", pingLs[0].p99 <= 120);
      t.add(`HTTaP /?ping, ${PARALLEL_CONNECTIONS} conns (req/s)`, pingPar[0].rps, pingPar[1].rps, 0);
      t.add(
        `HTTaP /?ping, ${PARALLEL_CONNECTIONS} conns: CPU per request (µs)`,
        pingPar[0].cpuPerReq,
        pingPar[1].cpuPerReq,
        2,
        "≤ 1.10×",
        pingPar[0].cpuPerReq <= 1.1 * pingPar[1].cpuPerReq,
      );
      const pingErrors = pingLs[0].errors + pingPar[0].errors;
      if (pingErrors > 0) console.log(`bench: warning: ${pingErrors} httap /?ping answers were not 2xx (session owner rules?)`);
    } else {
      t.addUnavailable("HTTaP /?ping lock-step (req/s)", "≥ 1.00×");
      t.addUnavailable(`HTTaP /?ping, ${PARALLEL_CONNECTIONS} conns (req/s)`);
    }
    t.add("SCPI *IDN? lock-step, raw TCP (round trips/s) vs /?ping (same server)", scpi.idnRps, scpi.pingRps, 0);
    for (const h of hardware) {
      const rtName = h.realtime ? "SCHED_FIFO" : "no RT priority";
      const toneTarget = h.realtime ? "p99 ≤ 20 µs, max ≤ 500 µs" : "";
      const toneOk = (e: { p99Us: number; maxUs: number }) => (h.realtime ? e.p99Us <= 20 && e.maxUs <= 500 : null);
      t.add(
        `1 kHz tone edge error, idle, ${rtName}: p99 (p50 ${h.toneIdle.p50Us}, max ${h.toneIdle.maxUs}) (µs)`,
        h.toneIdle.p99Us,
        NaN,
        0,
        toneTarget,
        toneOk(h.toneIdle),
      );
      t.add(
        `1 kHz tone edge error, 8-conn load, ${rtName}: p99 (p50 ${h.toneLoaded.p50Us}, max ${h.toneLoaded.maxUs}) (µs)`,
        h.toneLoaded.p99Us,
        NaN,
        0,
        toneTarget,
        toneOk(h.toneLoaded),
      );
      for (const [when, cmd, ping] of [
        ["idle", h.commandIdle, h.pingIdle],
        ["8-conn load", h.commandLoaded, h.pingLoaded],
      ] as const) {
        const limit = 1e6 / 250 + 2 * ping.p99Us; // one PWM period at the default 250 Hz + 2× the ping round trip
        t.add(
          `command to pin, ${when}, ${rtName}: p99 (p50 ${cmd.p50Us.toFixed(0)}; ping p99 ${ping.p99Us.toFixed(0)}) (µs)`,
          cmd.p99Us,
          NaN,
          0,
          `≤ ${limit.toFixed(0)} µs`,
          cmd.p99Us <= limit,
        );
      }
      t.add(`engine CPU, 1 kHz tone + both motors at half speed, ${rtName} (% of a core)`, h.cpuPercent, NaN, 1);
    }
    for (const r of release) {
      const target = r.latencyMs + 100; // one round trip + 100 ms
      t.add(
        `release to motors stopped, phone at ${r.latencyMs} ms / 1.6 Mbit/s: median of 3 (max ${r.maxMs.toFixed(0)}) (ms)`,
        r.medianMs,
        NaN,
        0,
        `≤ ${target} ms`,
        Number.isFinite(r.medianMs) ? r.medianMs <= target : null,
      );
    }
    t.add(
      "code.html: forward 1 s, drift of the phase, median of 3 (ms)",
      code.forwardDriftMs,
      NaN,
      0,
      "≤ 100 ms",
      code.forwardDriftMs <= 100,
    );
    t.add("code.html: tone 300 ms, drift (ms)", code.toneDriftMs, NaN, 0, "≤ 100 ms", code.toneDriftMs <= 100);
    t.add("code.html: turn 0.5 s, drift (ms)", code.turnDriftMs, NaN, 0, "≤ 100 ms", code.turnDriftMs <= 100);
    t.add("code.html: Stop in a forever loop to motors low, median of 3 (ms)", code.stopMs, NaN, 0, "≤ 300 ms", code.stopMs <= 300);
    t.add("leader STOP ALL click to motors low, median of 3 (ms)", leaderStopMs, NaN, 0, "≤ 300 ms", leaderStopMs <= 300);
    const errors = ls[0].errors + ls[1].errors + par[0].errors + par[1].errors + mb.errors + rss[0].errors + rss[1].errors;
    console.log("");
    t.print();
    const pinning = isPinning
      ? `servers on CPU ${SERVER_CPU}, load generator on CPU ${SERVER_CPU} for lock-step rows, CPU ${OTHER_CPU} for the others`
      : "no CPU pinning";
    console.log(
      `\nbench: ${process.arch}, ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}, ${pinning}; ` +
        `${LOAD_MS} ms per load row and server; ${errors} load errors (non-2xx or lost connections)`,
    );
    console.log(
      "bench: default config = embedded pages, started in an empty folder; its RSS after load follows " +
        `${DEVICE_TRAFFIC_MS} ms of GET / (Accept-Encoding: gzip, deflate, br) and ping, lock-step and parallel`,
    );
    console.log(
      `bench: ${describeEvictions([
        { name: "httap", eviction: rss[0].eviction },
        { name: "Bun.serve", eviction: rss[1].eviction },
        { name: "httap directory mode", eviction: cold[0].eviction },
        { name: "Bun.serve load rows", eviction: cold[1].eviction },
      ])}`,
    );
  } finally {
    await stopAll();
    ws.remove();
  }
}

await main().catch(async (err) => {
  await stopAll();
  console.error(`bench: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
