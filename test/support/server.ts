/**
 * @module Test support: start the real server (`bun src/main.ts`, or any command printing the same start line)
 * on a free port with the given environment, and wait until it listens. Every wait is bounded.
 */
import type { Subprocess } from "bun";
import { WAIT_MS } from "./wait.ts";

export const REPO = new URL("../../", import.meta.url).pathname;
export const BUN = process.execPath; // the bun running the tests

export interface RunningServer {
  readonly port: number;
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the server printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM, then wait for exit (SIGKILL after WAIT_MS); returns the exit code (null when it had to be killed). */
  stop(): Promise<number | null>;
}

/** Starts `cmd` (default: bun src/main.ts) with HTTAP_TCPPORT=0 plus `env`, and waits for "listening on port N". */
export async function startServer(
  env: Record<string, string> = {},
  cmd: string[] = [BUN, "src/main.ts"],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<RunningServer> {
  const proc = Bun.spawn(cmd, {
    cwd: options.cwd ?? REPO,
    // SCPI off unless a test asks: its fixed port 5025 would collide between servers running at once
    // HTTAP_FLEET=0 unless a test asks: no test server multicasts onto the machine's own network (issue 21)
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      HTTAP_TCPPORT: "0",
      HTTAP_SCPIPORT: "0",
      HTTAP_FLEET: "0",
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  const deadline = performance.now() + (options.timeoutMs ?? WAIT_MS);
  let port = 0;
  while (performance.now() < deadline) {
    const m = /listening on port (\d+)/.exec(text);
    if (m) {
      port = Number(m[1]);
      break;
    }
    if (proc.exitCode !== null) break;
    await Bun.sleep(20);
  }
  if (port === 0) {
    proc.kill("SIGKILL");
    throw new Error(`server did not start (exit ${proc.exitCode}): ${text}`);
  }
  return {
    port,
    proc,
    output: () => text,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGTERM");
      const timer = setTimeout(() => proc.kill("SIGKILL"), WAIT_MS);
      const code = await proc.exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs a command to completion (bounded) and returns its exit code and output. */
export async function runToExit(
  cmd: string[],
  env: Record<string, string> = {},
  timeoutMs = WAIT_MS,
  cwd = REPO,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = Bun.spawn(cmd, {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", HTTAP_SCPIPORT: "0", HTTAP_FLEET: "0", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** A port free right now, for a server whose port is fixed by configuration (SCPI, a supervised child). */
export function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}
