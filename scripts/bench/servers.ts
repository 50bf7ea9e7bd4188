/**
 * @module Servers under benchmark: how each is started (`ServerSpec`), spawning it pinned to one CPU, reading the
 * port it prints, stopping it, and pinning the load generator. Every process spawned here is tracked so `stopAll()`
 * leaves none behind, even when the run fails.
 */
import type { Subprocess } from "bun";

/** Longest wait for a server to print its port or answer its first request. */
export const START_TIMEOUT_MS = 10_000;

/** A port free right now, for a server whose port is fixed by configuration (SCPI), not reported like HTTP's. */
export function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}
/** Wait after SIGTERM before SIGKILL, and after SIGKILL before giving up on the exit. */
const STOP_GRACE_MS = 2_000;
/** The end of each server's standard output is kept, to say what a server that had to be killed was doing. */
const OUTPUT_KEPT_CHARS = 2_000;
const lastOutput = new WeakMap<Subprocess, string>();

/** How to start one server. */
export interface ServerSpec {
  readonly name: string;
  /** The executable; also the file evicted from the page cache before RSS is measured. */
  readonly file: string;
  readonly env: Readonly<Record<string, string>>;
  /** The environment variable that sets the listening port (0: any free port). */
  readonly portVariable: string;
  readonly cwd: string;
  /** Arguments after the executable (e.g. a script for `bun`); default none. */
  readonly args?: readonly string[];
}

/**
 * The servers every comparison starts from: httap's default configuration (pages embedded, only the port set), the
 * compiled `Bun.serve` baseline and the compiled floor (`floor-server.ts`) serving `webRoot`, all run in an empty
 * folder.
 */
export function defaultSpecs(
  httapBinary: string,
  baselineBinary: string,
  floorBinary: string,
  webRoot: string,
  emptyDir: string,
): { httap: ServerSpec; base: ServerSpec; floor: ServerSpec } {
  return {
    httap: { name: "httap", file: httapBinary, env: {}, portVariable: "HTTAP_TCPPORT", cwd: emptyDir },
    base: { name: "Bun.serve", file: baselineBinary, env: { BENCH_DIR: webRoot }, portVariable: "PORT", cwd: emptyDir },
    floor: { name: "floor", file: floorBinary, env: { BENCH_DIR: webRoot }, portVariable: "PORT", cwd: emptyDir },
  };
}

type PipedProcess = Subprocess<"ignore", "pipe", "inherit">;

/** A started server: its process and the port it reported. */
export interface Server {
  readonly name: string;
  readonly proc: PipedProcess;
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
export const SERVER_CPU = "1";
export const OTHER_CPU = "0";
export const isPinning = TASKSET !== null;

const pinned = (cmd: string[]) => (TASKSET !== null ? [TASKSET, "-c", SERVER_CPU, ...cmd] : cmd);

/** Moves this process (all its threads) to `cpu`; a no-op without taskset or with one CPU. */
export function pinLoadGenerator(cpu: string): void {
  if (TASKSET !== null) Bun.spawnSync([TASKSET, "-a", "-cp", cpu, String(process.pid)], { stdout: "ignore", stderr: "ignore" });
}

/**
 * Only PATH from our environment, so a developer's HTTAP_* variables never change what is measured. SCPI is off
 * unless a spec turns it on: its fixed default port would collide between servers running at once.
 */
const envFor = (spec: ServerSpec, port: number) => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HTTAP_SCPIPORT: "0",
  ...spec.env,
  [spec.portVariable]: String(port),
});

/**
 * Starts a server on any free port, pinned to the server CPU unless `isPinned` is false, and waits until it prints
 * that port.
 */
export async function startServer(spec: ServerSpec, isPinned = true): Promise<Server> {
  const cmd = [spec.file, ...(spec.args ?? [])];
  const proc = Bun.spawn(isPinned ? pinned(cmd) : cmd, {
    cwd: spec.cwd,
    env: envFor(spec, 0),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  spawned.push(proc);
  return { name: spec.name, proc, port: await portOf(proc, spec.name) };
}

/** Starts a server on a given port, unpinned and silent, for timing exec to first response. */
export function launchQuiet(spec: ServerSpec, port: number): Subprocess {
  const proc = Bun.spawn([spec.file, ...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: envFor(spec, port),
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  spawned.push(proc);
  return proc;
}

/** Reads stdout until "listening on port N" (bounded); keeps draining it afterwards so the pipe never fills. */
async function portOf(proc: PipedProcess, name: string): Promise<number> {
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
      void (async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          text = (text + decoder.decode(r.value, { stream: true })).slice(-OUTPUT_KEPT_CHARS);
          lastOutput.set(proc, text);
        }
      })().catch(() => {});
      lastOutput.set(proc, text.slice(-OUTPUT_KEPT_CHARS));
      return Number(m[1]);
    }
  }
  throw new Error(`${name} did not print its port within ${START_TIMEOUT_MS} ms:\n${text}`);
}

/** SIGTERM, then SIGKILL if the process has not exited within the grace time. */
export async function stop(proc: Subprocess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.kill("SIGTERM");
  if (!(await Promise.race([proc.exited.then(() => true), Bun.sleep(STOP_GRACE_MS).then(() => false)]))) {
    proc.kill("SIGKILL");
    const output = (lastOutput.get(proc) ?? "").trimEnd().split("\n").slice(-5).join("\n  ");
    const said = output === "" ? "none kept (only a server's standard output is)" : `\n  ${output}`;
    console.log(`bench: pid ${proc.pid} did not exit within ${STOP_GRACE_MS} ms of SIGTERM: killed; its last output: ${said}`);
    await Promise.race([proc.exited, Bun.sleep(STOP_GRACE_MS)]);
  }
}

/** Stops every process this run spawned that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all(spawned.map(stop));
}
