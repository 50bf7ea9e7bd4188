/**
 * @module One SCPI client's interpreter (issue 10): runs program messages unit by unit, in order, on the one thread.
 * Keeps the client's current path (a header without a leading ":" continues from the last command's node), its
 * status (error queue, ESR/ESE/SRE), and collects the responses. An error in a unit is queued and the next unit
 * still runs (IEEE 488.2 §6.1.6). `*WAI` and `*OPC?` wait for a tone in progress where the transport can wait.
 */
import type { CommandContext, ScpiCommands } from "./scpi-commands.ts";
import { ScpiError } from "./scpi-errors.ts";
import { parseMessage, type MessageUnit } from "./scpi-lexer.ts";
import { ScpiStatus } from "./scpi-status.ts";
import { resolve } from "./scpi-tree.ts";

export interface RunResult {
  readonly responses: string[];
  /** Units not run yet because `*WAI` / `*OPC?` waits for an operation: resume them after `waitMs`. */
  readonly paused: { readonly units: readonly MessageUnit[]; readonly waitMs: number } | null;
}

export class ScpiInterpreter {
  readonly status = new ScpiStatus();
  readonly #commands: ScpiCommands;
  readonly #host: string;
  /** Whether this client has held the device (its connection closing then ends the session). */
  hasOwned = false;
  #path: MessageUnit["header"]["mnemonics"] = [];

  constructor(commands: ScpiCommands, host: string) {
    this.#commands = commands;
    this.#host = host;
  }

  /** Runs one program message (a line without its terminator). */
  run(line: string, canWait: boolean): RunResult {
    this.#path = []; // each program message starts at the root (IEEE 488.2 §7.6.1.2 / SCPI vol. 1 §6.2.4)
    let units: MessageUnit[];
    try {
      units = parseMessage(line);
    } catch (error) {
      this.#queue(error);
      return { responses: [], paused: null };
    }
    return this.resume(units, canWait);
  }

  /**
   * Runs units in order; stops before a `*WAI` / `*OPC?` that has something to wait for. `hasWaited`: the first
   * unit is the one that paused, its wait now over.
   */
  resume(units: readonly MessageUnit[], canWait: boolean, hasWaited = false): RunResult {
    const responses: string[] = [];
    for (let i = 0; i < units.length; i++) {
      const unit = units[i];
      const name = unit.header.mnemonics[0].name;
      const isWait = unit.header.isCommon && (name === "*WAI" || (name === "*OPC" && unit.header.isQuery));
      if (canWait && isWait && !(hasWaited && i === 0)) {
        const waitMs = this.#commands.pendingMs();
        if (waitMs > 0) return { responses, paused: { units: units.slice(i), waitMs } };
      }
      try {
        const response = this.#runUnit(unit);
        if (response !== null) responses.push(response);
      } catch (error) {
        this.#queue(error);
      }
    }
    return { responses, paused: null };
  }

  #runUnit(unit: MessageUnit): string | null {
    const h = unit.header;
    const context: CommandContext = { params: unit.params, host: this.#host, status: this.status, interpreter: this };
    if (h.isCommon) {
      const common = this.#commands.common.get(h.mnemonics[0].name + (h.isQuery ? "?" : ""));
      if (common === undefined) throw new ScpiError(-113, unit.text);
      return common(context);
    }
    const full = h.isAbsolute ? h.mnemonics : [...this.#path, ...h.mnemonics];
    const spec = resolve(this.#commands.tree, full);
    const handler = h.isQuery ? spec.query : spec.set;
    if (handler === undefined) throw new ScpiError(-113, `${unit.text} (${h.isQuery ? "no query form" : "query only: add ?"})`);
    this.#path = full.slice(0, -1);
    return handler(context);
  }

  #queue(error: unknown): void {
    if (error instanceof ScpiError) this.status.push(error);
    else this.status.push(new ScpiError(-200, (error as Error)?.message ?? String(error)));
  }
}
