/**
 * @module Benchmark: the compiled server (`dist/httap-linux-x64`) against a compiled `Bun.serve` baseline that
 * serves the same bytes from memory, both measured in the same run by a raw-socket load generator
 * (`Bun.connect`). Prints a table of ratios against the baseline and the design targets. Not a test.
 * Traffic goes to 127.0.0.1 only; every loop is bounded in count and time.
 *
 *   bun scripts/bench.ts
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

const ROOT = resolve(import.meta.dir, "..");
const HTTAP = join(ROOT, "dist/httap-linux-x64");

const WARMUP_MS = 500;
const LOAD_MS = 3_000;
const THROUGHPUT_MS = 2_000;
const MAX_REQUESTS = 2_000_000;
const PHASE_GRACE_MS = 5_000;
const START_TIMEOUT_MS = 10_000;
const STARTUP_RUNS = 5;
const PARALLEL_CONNECTIONS = 8;
const ONE_KB = 1024;
const ONE_MIB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Servers

/** The baseline: Bun.serve answering the same files from memory with prebuilt static Responses. */
const BASELINE_SOURCE = `
import { readFileSync } from "node:fs";
const dir = process.env.BENCH_DIR;
const file = (name, type) => new Response(new Uint8Array(readFileSync(dir + "/" + name)), { headers: { "Content-Type": type } });
const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  routes: {
    "/": file("index.html", "text/html; charset=utf-8"),
    "/index.html": file("index.html", "text/html; charset=utf-8"),
    "/one-kb.txt": file("one-kb.txt", "text/plain; charset=utf-8"),
    "/one-mb.bin": file("one-mb.bin", "application/octet-stream"),
    // Counterpart of HTTaP GET /?ping: a dynamic JSON reply, never cached.
    "/ping": () => Response.json({ Remain: 15, Timeout: 15 }, { headers: { "Cache-Control": "no-cache, no-store, must-revalidate" } }),
  },
  fetch: () => new Response("not found", { status: 404 }),
});
console.log("baseline listening on port " + server.port);
`;

interface Server {
  readonly name: string;
  readonly proc: Subprocess<"ignore", "pipe", "inherit">;
  readonly port: number;
}

const spawned: Subprocess[] = [];

/**
 * CPU placement, fixed so results repeat (unpinned, the scheduler sometimes puts client and server on one core
 * and sometimes not, and lock-step results jump by 2-3×). Servers run on CPU 1. Lock-step rows put the load
 * generator on the same CPU: one request in flight means the two never run at once, and the round trip then
 * measures the server's request path rather than the machine's cross-CPU wake-up latency. Rows with parallel
 * connections or bulk data put the generator on CPU 0, so it does not steal the server's CPU.
 */
const TASKSET = navigator.hardwareConcurrency >= 2 ? Bun.which("taskset") : null;
const SERVER_CPU = "1";
const OTHER_CPU = "0";
const pinned = (cmd: string[]) => (TASKSET !== null ? [TASKSET, "-c", SERVER_CPU, ...cmd] : cmd);
function pinLoadGenerator(cpu: string): void {
  if (TASKSET !== null) Bun.spawnSync([TASKSET, "-a", "-cp", cpu, String(process.pid)], { stdout: "ignore", stderr: "ignore" });
}

function spawnServer(cmd: string[], env: Record<string, string>, cwd: string): Subprocess<"ignore", "pipe", "inherit"> {
  const proc = Bun.spawn(pinned(cmd), { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdin: "ignore", stdout: "pipe", stderr: "inherit" });
  spawned.push(proc);
  return proc;
}

/** Reads stdout until "listening on port N" (bounded); keeps draining it afterwards so the pipe never fills. */
async function portOf(proc: Subprocess<"ignore", "pipe", "inherit">, name: string): Promise<number> {
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)]);
    if (chunk === null) break;
    if (chunk.done) throw new Error(`${name} exited before listening:\n${text}`);
    text += decoder.decode(chunk.value, { stream: true });
    const m = /listening on port (\d+)/.exec(text);
    if (m) {
      void (async () => { while (!(await reader.read()).done); })().catch(() => {});
      return Number(m[1]);
    }
  }
  throw new Error(`${name} did not print its port within ${START_TIMEOUT_MS} ms:\n${text}`);
}

async function stop(proc: Subprocess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  if (!(await Promise.race([proc.exited.then(() => true), Bun.sleep(2_000).then(() => false)]))) {
    proc.kill("SIGKILL");
    await Promise.race([proc.exited, Bun.sleep(2_000)]);
  }
}

const CLK_TCK = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** User + system CPU time of a process in µs, from /proc/<pid>/stat (fields 14 and 15, clock ticks). */
function cpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

// ---------------------------------------------------------------------------------------------------------
// Load generator: lock-step keep-alive connections over raw sockets, one request in flight per connection.

interface LoadResult {
  requests: number;
  bytes: number;
  elapsedMs: number;
  errors: number;
  /** Per-request latency in µs (only when asked for). */
  latencies: Float64Array | null;
}

const CRLFCRLF = Buffer.from("\r\n\r\n");

async function load(port: number, target: string, connections: number, durationMs: number, recordLatency: boolean, headers = ""): Promise<LoadResult> {
  const request = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`);
  const result: LoadResult = { requests: 0, bytes: 0, elapsedMs: 0, errors: 0, latencies: recordLatency ? new Float64Array(MAX_REQUESTS) : null };
  const started = performance.now();
  const endAt = started + durationMs;
  let open = connections;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const closeOne = () => { if (--open === 0) finish(); };

  const sockets = await Promise.all(Array.from({ length: connections }, () => {
    let head: Buffer | null = null; // response head bytes so far (only while reading a head)
    let need = -1; // body bytes still expected; -1 while reading the head
    let sentAt = 0;
    let done = false;
    const send = (s: { write(b: Buffer): number }) => { sentAt = performance.now(); s.write(request); };
    const complete = (s: { write(b: Buffer): number; end(): void }) => {
      const now = performance.now();
      if (result.latencies !== null && result.requests < MAX_REQUESTS) result.latencies[result.requests] = (now - sentAt) * 1000;
      result.requests++;
      if (now < endAt && result.requests < MAX_REQUESTS) send(s);
      else if (!done) { done = true; s.end(); closeOne(); }
    };
    return Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) { s.setNoDelay(true); send(s); },
        data(s, chunk: Buffer) {
          result.bytes += chunk.length;
          let data = chunk;
          while (data.length > 0 && !done) {
            if (need < 0) {
              head = head === null ? data : Buffer.concat([head, data]);
              const end = head.indexOf(CRLFCRLF);
              if (end < 0) return;
              const text = head.subarray(0, end).toString("latin1");
              if (text.charCodeAt(9) !== 50 /* "2" */) result.errors++;
              const m = /\r\ncontent-length: *(\d+)/i.exec(text);
              if (m === null) { result.errors++; done = true; s.end(); closeOne(); return; }
              data = head.subarray(end + 4);
              head = null;
              need = Number(m[1]);
            }
            const take = Math.min(need, data.length);
            need -= take;
            data = data.subarray(take);
            if (need === 0) { need = -1; complete(s); }
          }
        },
        close() { if (!done) { done = true; result.errors++; closeOne(); } },
        connectError() { if (!done) { done = true; result.errors++; closeOne(); } },
      },
    });
  }));
  const timedOut = await Promise.race([finished.then(() => false), Bun.sleep(durationMs + PHASE_GRACE_MS).then(() => true)]);
  result.elapsedMs = performance.now() - started;
  for (const s of sockets) s.terminate();
  if (timedOut) result.errors++;
  return result;
}

function percentile(values: Float64Array, count: number, p: number): number {
  const sorted = values.slice(0, Math.min(count, values.length)).sort();
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One GET answered 2xx (false on refusal, error status or no answer). */
async function answersOk(port: number, target: string): Promise<boolean> {
  try {
    const r = await load(port, target, 1, 0, false);
    return r.requests === 1 && r.errors === 0;
  } catch {
    return false; // connection refused
  }
}

/**
 * Exec to first 200 on GET /, in ms: a free port is chosen first, then connections are tried every 1 ms.
 * Also the server's RSS once it has answered and settled, in MiB (the default configuration's idle RSS).
 */
async function startup(cmd: string[], env: Record<string, string>, cwd: string, portVariable: string): Promise<{ ms: number; rss: number }> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const started = performance.now();
  const proc = Bun.spawn(cmd, { cwd, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env, [portVariable]: String(port) }, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  spawned.push(proc);
  try {
    while (performance.now() - started < START_TIMEOUT_MS) {
      if (proc.exitCode !== null) throw new Error(`${cmd[0]} exited with ${proc.exitCode} during start-up`);
      if (await answersOk(port, "/")) {
        const ms = performance.now() - started;
        await Bun.sleep(300);
        return { ms, rss: rssMiB(proc.pid) };
      }
      await Bun.sleep(1);
    }
    throw new Error(`${cmd[0]} did not answer GET / within ${START_TIMEOUT_MS} ms`);
  } finally {
    await stop(proc);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Table

interface Row { metric: string; httap: string; base: string; ratio: string; target: string }
const rows: Row[] = [];
const fmt = (v: number, digits = 0) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
const verdict = (ok: boolean) => (ok ? "ok" : "MISS");

function row(metric: string, h: number, b: number, digits: number, target: string, ok: boolean | null): void {
  const ratio = Number.isFinite(h) && Number.isFinite(b) && b !== 0 ? `${(h / b).toFixed(2)}×` : "n/a";
  rows.push({ metric, httap: fmt(h, digits), base: fmt(b, digits), ratio, target: target === "" ? "" : `${target} (${ok === null ? "n/a" : verdict(ok)})` });
}

function printTable(): void {
  const head: Row = { metric: "metric", httap: "httap", base: "Bun.serve", ratio: "ratio", target: "target" };
  const all = [head, ...rows];
  const w = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
  const line = (r: Row) => `| ${r.metric.padEnd(w("metric"))} | ${r.httap.padStart(w("httap"))} | ${r.base.padStart(w("base"))} | ${r.ratio.padStart(w("ratio"))} | ${r.target.padEnd(w("target"))} |`;
  console.log(line(head));
  console.log(`|${["metric", "httap", "base", "ratio", "target"].map((k) => "-".repeat(w(k as keyof Row) + 2)).join("|")}|`);
  for (const r of rows) console.log(line(r));
}

// ---------------------------------------------------------------------------------------------------------

async function lockStep(name: string, servers: Server[], targets: readonly string[], headers: readonly string[] = ["", ""]) {
  pinLoadGenerator(SERVER_CPU);
  const out: { rps: number; p50: number; p99: number; errors: number }[] = [];
  for (const [i, s] of servers.entries()) {
    await load(s.port, targets[i], 1, WARMUP_MS, false, headers[i]);
    const r = await load(s.port, targets[i], 1, LOAD_MS, true, headers[i]);
    out.push({ rps: (r.requests * 1000) / r.elapsedMs, p50: percentile(r.latencies!, r.requests, 50), p99: percentile(r.latencies!, r.requests, 99), errors: r.errors });
    console.log(`bench: ${name} lock-step on ${s.name}: ${r.requests} requests, ${r.errors} errors`);
  }
  return out;
}

async function parallel(name: string, servers: Server[], targets: readonly string[], headers: readonly string[] = ["", ""]) {
  pinLoadGenerator(OTHER_CPU);
  const out: { rps: number; cpuPerReq: number; errors: number }[] = [];
  for (const [i, s] of servers.entries()) {
    await load(s.port, targets[i], PARALLEL_CONNECTIONS, WARMUP_MS, false, headers[i]);
    const cpu0 = cpuUs(s.proc.pid);
    const r = await load(s.port, targets[i], PARALLEL_CONNECTIONS, LOAD_MS, false, headers[i]);
    const cpu = cpuUs(s.proc.pid) - cpu0;
    out.push({ rps: (r.requests * 1000) / r.elapsedMs, cpuPerReq: cpu / r.requests, errors: r.errors });
    console.log(`bench: ${name} ${PARALLEL_CONNECTIONS} connections on ${s.name}: ${r.requests} requests, ${r.errors} errors`);
  }
  return out;
}

async function main(): Promise<void> {
  if (!existsSync(HTTAP)) {
    console.log("bench: dist/httap-linux-x64 missing, building it");
    const b = Bun.spawnSync([process.execPath, "scripts/build.ts", "--target", "x64"], { cwd: ROOT, stdout: "inherit", stderr: "inherit", timeout: 300_000 });
    if (b.exitCode !== 0) throw new Error("build failed");
  }
  const dir = mkdtempSync(join(tmpdir(), "httap-bench-"));
  try {
    const indexPath = join(ROOT, "assets/index.html");
    writeFileSync(join(dir, "index.html"), existsSync(indexPath) ? readFileSync(indexPath) : "<!doctype html><title>httap</title>\n");
    writeFileSync(join(dir, "one-kb.txt"), Buffer.alloc(ONE_KB, "httap-bench-1kb\n"));
    writeFileSync(join(dir, "one-mb.bin"), Buffer.alloc(ONE_MIB, "0123456789abcdef"));
    // Compile the baseline too, so start-up time and RSS compare compiled binary with compiled binary.
    writeFileSync(join(dir, "baseline.js"), BASELINE_SOURCE);
    const baselineBin = join(dir, "baseline-server");
    const c = Bun.spawnSync([process.execPath, "build", "--compile", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig", "--outfile", baselineBin, join(dir, "baseline.js")], { cwd: dir, stdout: "pipe", stderr: "pipe", timeout: 120_000 });
    if (c.exitCode !== 0) throw new Error(`compiling the baseline failed:\n${c.stderr}`);
    // The web root must not contain the baseline's files; httap serves the directory.
    const root = mkdtempSync(join(dir, "root-"));
    for (const f of ["index.html", "one-kb.txt", "one-mb.bin"]) writeFileSync(join(root, f), readFileSync(join(dir, f)));

    const cmds = { httap: [HTTAP], base: [baselineBin] };
    const envs = { httap: { HTTAP_STATICPATH: root }, base: { BENCH_DIR: root } };

    console.log(`bench: start-up, ${STARTUP_RUNS} runs each`);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const startH: number[] = [];
    const startB: number[] = [];
    const rssDefault = [NaN, NaN];
    for (let i = 0; i < STARTUP_RUNS; i++) {
      const sh = await startup(cmds.httap, {}, dir, "HTTAP_TCPPORT");
      const sb = await startup(cmds.base, envs.base, dir, "PORT");
      startH.push(sh.ms);
      startB.push(sb.ms);
      rssDefault[0] = sh.rss;
      rssDefault[1] = sb.rss;
    }

    const h = spawnServer(cmds.httap, { ...envs.httap, HTTAP_TCPPORT: "0" }, dir);
    const b = spawnServer(cmds.base, { ...envs.base, PORT: "0" }, dir);
    const servers: Server[] = [
      { name: "httap", proc: h, port: await portOf(h, "httap") },
      { name: "Bun.serve", proc: b, port: await portOf(b, "baseline") },
    ];
    await Bun.sleep(300);
    const idle = servers.map((s) => rssMiB(s.proc.pid));

    const ls = await lockStep("1 KB", servers, ["/one-kb.txt", "/one-kb.txt"]);
    const par = await parallel("1 KB", servers, ["/one-kb.txt", "/one-kb.txt"]);
    const mb: number[] = [];
    pinLoadGenerator(OTHER_CPU);
    for (const s of servers) {
      await load(s.port, "/one-mb.bin", 1, WARMUP_MS, false);
      const r = await load(s.port, "/one-mb.bin", 1, THROUGHPUT_MS, false);
      mb.push((r.requests * ONE_MIB) / 1048576 / (r.elapsedMs / 1000));
      console.log(`bench: 1 MiB on ${s.name}: ${r.requests} requests, ${r.errors} errors`);
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

    row("1 KB lock-step, 1 conn (req/s)", ls[0].rps, ls[1].rps, 0, "≥ 1.00×", ls[0].rps >= ls[1].rps);
    row("1 KB lock-step p50 (µs)", ls[0].p50, ls[1].p50, 0, "", null);
    row("1 KB lock-step p99 (µs)", ls[0].p99, ls[1].p99, 0, "≤ 120 µs", ls[0].p99 <= 120);
    row(`1 KB, ${PARALLEL_CONNECTIONS} conns (req/s)`, par[0].rps, par[1].rps, 0, "", null);
    row(`1 KB, ${PARALLEL_CONNECTIONS} conns: server CPU per request (µs)`, par[0].cpuPerReq, par[1].cpuPerReq, 2, "≤ 1.10×", par[0].cpuPerReq <= 1.1 * par[1].cpuPerReq);
    row("1 MiB file, 1 conn (MB/s)", mb[0], mb[1], 0, "", null);
    row("RSS idle, default config (MiB)", rssDefault[0], rssDefault[1], 1, "≤ 30 MiB", rssDefault[0] <= 30);
    row("RSS idle, bench dir with 1 MiB file (MiB)", idle[0], idle[1], 1, "≤ 30 MiB", idle[0] <= 30);
    row("RSS after load (MiB)", loaded[0], loaded[1], 1, "≤ 45 MiB", loaded[0] <= 45);
    row(`exec to first response, median of ${STARTUP_RUNS} (ms)`, median(startH), median(startB), 1, "≤ 50 ms", median(startH) <= 50);
    if (pingLs !== null && pingPar !== null) {
      row("HTTaP /?ping lock-step (req/s)", pingLs[0].rps, pingLs[1].rps, 0, "≥ 1.00×", pingLs[0].rps >= pingLs[1].rps);
      row("HTTaP /?ping lock-step p99 (µs)", pingLs[0].p99, pingLs[1].p99, 0, "≤ 120 µs", pingLs[0].p99 <= 120);
      row(`HTTaP /?ping, ${PARALLEL_CONNECTIONS} conns (req/s)`, pingPar[0].rps, pingPar[1].rps, 0, "", null);
      row(`HTTaP /?ping, ${PARALLEL_CONNECTIONS} conns: CPU per request (µs)`, pingPar[0].cpuPerReq, pingPar[1].cpuPerReq, 2, "≤ 1.10×", pingPar[0].cpuPerReq <= 1.1 * pingPar[1].cpuPerReq);
      const pingErrors = pingLs[0].errors + pingPar[0].errors;
      if (pingErrors > 0) console.log(`bench: warning: ${pingErrors} httap /?ping answers were not 2xx (session owner rules?)`);
    } else {
      rows.push({ metric: "HTTaP /?ping lock-step (req/s)", httap: "n/a", base: "n/a", ratio: "n/a", target: "≥ 1.00× (n/a)" });
      rows.push({ metric: `HTTaP /?ping, ${PARALLEL_CONNECTIONS} conns (req/s)`, httap: "n/a", base: "n/a", ratio: "n/a", target: "" });
    }
    const errors = ls[0].errors + ls[1].errors + par[0].errors + par[1].errors;
    console.log("");
    printTable();
    const pinning = TASKSET !== null ? `servers on CPU ${SERVER_CPU}, load generator on CPU ${SERVER_CPU} for lock-step rows, CPU ${OTHER_CPU} for the others` : "no CPU pinning";
    console.log(`\nbench: ${process.arch}, ${navigator.hardwareConcurrency} cores, Bun ${Bun.version}, ${pinning}; ${LOAD_MS} ms per load row and server; ${errors} load errors (non-2xx or lost connections)`);
  } finally {
    await Promise.all(spawned.map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main().catch(async (err) => {
  await Promise.all(spawned.map(stop));
  console.error(`bench: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
