/**
 * @module `httap --supervise` (issue 9): respawn without systemd. A parent runs the server as a child and restarts
 * it after a crash with a capped back-off (1, 2, 4 … 30 s; back to 1 after a healthy minute). Between runs it drives
 * the board's safe state itself, since a killed child could not. SIGTERM and SIGINT go to the child, and the parent
 * ends when the child has stopped. Each restart is logged with the exit cause.
 */
import { nodeFs } from "./os/node-builtins.ts";
import type { Config } from "./config.ts";
import { driveSafeStateFromOutside } from "./devices/safe-state.ts";
import { defaultSimPath } from "./gpio/sim-file-place.ts";

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** A child that ran this long was healthy: the next crash starts the back-off from 1 s again. */
const HEALTHY_MS = 60_000;

export interface SuperviseOptions {
  readonly config: Config;
  /** The server's own arguments (without --supervise). */
  readonly args: readonly string[];
  readonly log?: (line: string) => void;
}

/** The command that starts this program again: the compiled binary itself, or bun with the script. */
function selfCommand(): string[] {
  const isCompiled = Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
  return isCompiled ? [process.execPath] : [process.execPath, Bun.main];
}

function exitCause(code: number | null, signal: string | number | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with status ${code}`;
}

/** Runs until told to stop; returns the exit status for the parent. */
export async function supervise(o: SuperviseOptions): Promise<number> {
  const log = o.log ?? ((line: string) => console.error(line));
  // On the simulator every run must use the same file (the safe state and outside tools need it), and a killed
  // child cannot remove its own: the parent names one and removes it at the end.
  const env: Record<string, string | undefined> = { ...process.env };
  let simFileToRemove: string | null = null;
  if (o.config.simFile === null && (o.config.gpio === "sim" || o.config.gpio === "auto")) {
    env.HTTAP_SIM_FILE = defaultSimPath(env);
    simFileToRemove = env.HTTAP_SIM_FILE;
  }
  let stopping = false;
  let child: ReturnType<typeof Bun.spawn> | null = null;
  const forward = (signal: NodeJS.Signals) => () => {
    stopping = true;
    child?.kill(signal);
  };
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGINT", forward("SIGINT"));

  let delay = FIRST_DELAY_MS;
  for (;;) {
    const startedAt = performance.now();
    child = Bun.spawn([...selfCommand(), ...o.args], { env, stdin: "ignore", stdout: "inherit", stderr: "inherit" });
    log(`httap: supervise: child ${child.pid} started`);
    const code = await child.exited;
    const cause = exitCause(child.exitCode, child.signalCode);
    safeState(o.config, env, log);
    if (stopping) {
      log(`httap: supervise: child ${exitCause(code, child.signalCode)} after the stop request; done`);
      break;
    }
    if (performance.now() - startedAt >= HEALTHY_MS) delay = FIRST_DELAY_MS;
    log(`httap: supervise: child ${child.pid} ${cause}; safe state driven; restarting in ${delay / 1000} s`);
    await Bun.sleep(delay);
    if (stopping) break;
    delay = Math.min(MAX_DELAY_MS, delay * 2);
  }
  if (simFileToRemove !== null) nodeFs().rmSync(simFileToRemove, { force: true });
  return 0;
}

/** The profile's outputs low, whatever the child left (a failure is logged: the next child drives them anyway). */
function safeState(c: Config, env: Record<string, string | undefined>, log: (line: string) => void): void {
  if (c.gpio === "none") return;
  try {
    driveSafeStateFromOutside({
      gpio: c.gpio,
      simFile: c.simFile ?? env.HTTAP_SIM_FILE ?? null,
      board: c.board,
      pwmSysfs: c.pwmSysfs,
      env,
    });
  } catch (error) {
    log(`httap: supervise: safe state failed: ${(error as Error).message}`);
  }
}
