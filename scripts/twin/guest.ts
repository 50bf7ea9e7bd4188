/**
 * @module The guest's side of the console protocol (`guest-init.sh`): the host sends "<n> <command>", the guest runs
 * it in its /init shell and answers with its "TWIN …" lines, then "TWIN DONE <n> <status>". Commands run one at a
 * time; each wait is bounded.
 */
import type { Machine } from "./machine.ts";

/** Longest boot to the guest's READY line, in emulator time (emulator-clock.ts): 10-20 s without KVM. */
export const BOOT_TIMEOUT_MS = 180_000;
/** Default bound on one command, in emulator time; a server start has its own. */
export const COMMAND_TIMEOUT_MS = 60_000;

export interface CommandResult {
  readonly status: number;
  /** The command's "TWIN …" lines, without the prefix. */
  readonly lines: readonly string[];
}

export class Guest {
  readonly #machine: Machine;
  #next = 1; // number of the next command

  constructor(machine: Machine) {
    this.#machine = machine;
  }

  /** Waits for the READY line of /init (or the system twin's agent); returns the lines it printed before it. */
  async booted(timeoutMs = BOOT_TIMEOUT_MS): Promise<string[]> {
    const seen: string[] = [];
    await this.#machine.waitForLine(
      (line) => {
        if (line.startsWith("TWIN ")) seen.push(line.slice(5));
        return line === "TWIN READY" || line.includes("Kernel panic");
      },
      timeoutMs,
      "TWIN READY (the guest's /init)",
    );
    if (!seen.includes("READY")) throw new Error("the guest kernel panicked (see the console log)");
    return seen.filter((l) => l !== "READY");
  }

  /** Runs one command of guest-init.sh's shell; resolves with its lines and status. */
  async run(command: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<CommandResult> {
    const n = this.#next++;
    const lines: string[] = [];
    const done = `TWIN DONE ${n} `;
    const finished = this.#machine.waitForLine(
      (line) => {
        if (line.startsWith(done)) return true;
        if (line.startsWith("TWIN ")) lines.push(line.slice(5));
        return false;
      },
      timeoutMs,
      `end of "${command}"`,
    );
    this.#machine.send(`${n} ${command}`);
    const last = await finished;
    return { status: Number(last.slice(done.length)), lines };
  }
}

/** The first line of a result that starts with `word `, without it; "" when there is none. */
export function lineOf(result: CommandResult, word: string): string {
  const line = result.lines.find((l) => l.startsWith(`${word} `) || l === word);
  return line === undefined ? "" : line.slice(word.length).trim();
}

/** Every line of a result that starts with `word `, without it. */
export function linesOf(result: CommandResult, word: string): string[] {
  return result.lines.filter((l) => l.startsWith(`${word} `)).map((l) => l.slice(word.length + 1).trim());
}

/** "HTTP 200 {...}" / "RAW 503 {...}" split into status and body. */
export function httpOf(result: CommandResult, word: "HTTP" | "RAW" = "HTTP"): { status: number; body: string } {
  const rest = lineOf(result, word);
  const space = rest.indexOf(" ");
  const status = Number.parseInt(space < 0 ? rest : rest.slice(0, space), 10);
  return { status: Number.isNaN(status) ? 0 : status, body: space < 0 ? "" : rest.slice(space + 1).trim() };
}

/** JSON for a single-quoted shell word (the bodies here have no single quotes). */
export function shellJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text.includes("'")) throw new Error(`cannot quote ${text}`);
  return `'${text}'`;
}
