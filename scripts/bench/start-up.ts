/**
 * @module Start-up time for the benchmark: exec to the first 2xx answer to GET /, median over several runs with the
 * servers' start-ups interleaved, so a slow spell of the machine hits both alike.
 */
import { answersOk, median } from "./load-generator.ts";
import { launchQuiet, START_TIMEOUT_MS, stop, type ServerSpec } from "./servers.ts";

/**
 * Runs of each server; a reading is their median. With 5, one build's default configuration read 0.90× and 1.06×
 * Bun.serve in two runs (single starts spread 13-19 ms on the bench machine); a native start costs ~0.1 s, so more
 * are cheap. Under qemu-user (`--arm64`) a start takes seconds: those rows keep 5.
 */
export const STARTUP_RUNS = 15;
export const EMULATED_STARTUP_RUNS = 5;

/**
 * Median exec-to-first-response in ms for each spec, in the order given. The binaries stay in the page cache here
 * (unlike the RSS rows): with a cold cache this would time the bench machine's disk, not the server.
 */
export function medianStartUpMs(specs: readonly ServerSpec[], runs = STARTUP_RUNS): Promise<number[]> {
  return interleavedMedians(specs, startUpMs, runs);
}

/**
 * Median exec-to-exit in ms of each spec (its arguments as given, e.g. `--version`), interleaved as above: what a
 * start costs before any listening. A non-zero exit is an error.
 */
export function medianExitMs(specs: readonly ServerSpec[], runs = STARTUP_RUNS): Promise<number[]> {
  return interleavedMedians(specs, exitMs, runs);
}

/** `runs` timings of each spec, the specs taking turns; each spec's median, in the order given. */
async function interleavedMedians(
  specs: readonly ServerSpec[],
  time: (spec: ServerSpec) => Promise<number>,
  runs: number,
): Promise<number[]> {
  const times = specs.map((): number[] => []);
  for (let i = 0; i < runs; i++) {
    for (const [j, spec] of specs.entries()) times[j].push(await time(spec));
  }
  return times.map(median);
}

async function exitMs(spec: ServerSpec): Promise<number> {
  const started = performance.now();
  const proc = launchQuiet(spec, 0);
  const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(START_TIMEOUT_MS).then(() => false)]);
  if (!exited) {
    await stop(proc); // SIGTERM, then SIGKILL: bounded
    throw new Error(`${spec.name} did not exit within ${START_TIMEOUT_MS} ms`);
  }
  if (proc.exitCode !== 0) throw new Error(`${spec.name} exited with ${proc.exitCode ?? proc.signalCode}`);
  return performance.now() - started;
}

/** Exec to first 2xx on GET /, in ms: a free port is chosen first, then connections are tried every 1 ms. */
async function startUpMs(spec: ServerSpec): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  const started = performance.now();
  const proc = launchQuiet(spec, port);
  try {
    while (performance.now() - started < START_TIMEOUT_MS) {
      if (proc.exitCode !== null) throw new Error(`${spec.name} exited with ${proc.exitCode} during start-up`);
      if (await answersOk(port, "/")) return performance.now() - started;
      await Bun.sleep(1);
    }
    throw new Error(`${spec.name} did not answer GET / within ${START_TIMEOUT_MS} ms`);
  } finally {
    await stop(proc);
  }
}
