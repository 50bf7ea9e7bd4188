/**
 * @module The command tree and header matching (SCPI 1999 vol. 1 §6): each command is a path of mnemonics written
 * with the short form in capitals (`MOTor:LEFT`), optional nodes in brackets (`LED[:STATe]`), and `#` where a
 * numeric suffix may stand (`SOURce#:TONE`: only 1, the instrument has one source). Matching takes the short or the
 * long form, in any case.
 */
import { ScpiError } from "./scpi-errors.ts";
import type { ParsedHeader } from "./scpi-lexer.ts";

interface PathElement {
  readonly short: string;
  readonly long: string;
  readonly isOptional: boolean;
  readonly takesSuffix: boolean;
}

export interface CommandSpec<H> {
  /** "SOURce#:TONE[:IMMediate]" */
  readonly path: string;
  readonly set?: H;
  readonly query?: H;
}

export interface Compiled<H> {
  readonly elements: readonly PathElement[];
  readonly spec: CommandSpec<H>;
}

export function compile<H>(specs: readonly CommandSpec<H>[]): Compiled<H>[] {
  return specs.map((spec) => ({
    spec,
    elements: [...spec.path.matchAll(/(\[)?:?([A-Za-z]+)(#)?\]?/g)].map(([, bracket, word, hash]) => ({
      short: word.replace(/[a-z]/g, ""),
      long: word.toUpperCase(),
      isOptional: bracket !== undefined,
      takesSuffix: hash !== undefined,
    })),
  }));
}

/** The command a full path of mnemonics names, with the suffix check; -113 when none does, -114 for a bad suffix. */
export function resolve<H>(tree: readonly Compiled<H>[], mnemonics: ParsedHeader["mnemonics"]): CommandSpec<H> {
  for (const c of tree) {
    const suffixError = matches(c.elements, 0, mnemonics, 0);
    if (suffixError === "match") return c.spec;
    if (suffixError === "suffix") throw new ScpiError(-114, mnemonics.map((m) => `${m.name}${m.suffix ?? ""}`).join(":"));
  }
  throw new ScpiError(-113, mnemonics.map((m) => `${m.name}${m.suffix ?? ""}`).join(":"));
}

/** Whether the elements from `e` match the mnemonics from `m` (optional elements may be left out). */
function matches(elements: readonly PathElement[], e: number, mnemonics: ParsedHeader["mnemonics"], m: number): "match" | "suffix" | "no" {
  if (e === elements.length) return m === mnemonics.length ? "match" : "no";
  const el = elements[e];
  if (m < mnemonics.length && (mnemonics[m].name === el.short || mnemonics[m].name === el.long)) {
    const suffix = mnemonics[m].suffix;
    const r = matches(elements, e + 1, mnemonics, m + 1);
    if (r === "match" && suffix !== null && !el.takesSuffix) return "no"; // no suffix is defined here: not this header
    if (r === "match" && suffix !== null && suffix !== 1) return "suffix"; // one of each: only #1 exists
    if (r !== "no") return r;
  }
  return el.isOptional ? matches(elements, e + 1, mnemonics, m) : "no";
}
