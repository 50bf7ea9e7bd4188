/**
 * @module Splitting one SCPI program message (a line, without its LF) into message units: `;` separates units,
 * whitespace separates a header from its parameters, `,` separates parameters (IEEE 488.2 §7). Quoted strings
 * ("..." or '...' with the quote doubled inside) and JSON values ({...} [...], for `RESource`) are kept whole.
 */
import { ScpiError } from "./scpi-errors.ts";

export interface ParsedHeader {
  /** Common command (`*IDN?`) or program header. */
  readonly isCommon: boolean;
  /** A leading ":" (back to the root). */
  readonly isAbsolute: boolean;
  /** The mnemonics, upper-cased, each with its numeric suffix (null when none was written). */
  readonly mnemonics: readonly { readonly name: string; readonly suffix: number | null }[];
  readonly isQuery: boolean;
}

export interface MessageUnit {
  readonly header: ParsedHeader;
  /** Parameter texts, trimmed, in order (quoted strings keep their quotes). */
  readonly params: readonly string[];
  /** The unit as written, for error details. */
  readonly text: string;
}

const MNEMONIC = /^([A-Za-z][A-Za-z_]*?)(\d+)?$/;
const COMMON = /^\*([A-Za-z]+)(\?)?$/;

/** Splits at `sep` outside quotes and brackets; a quote left open or a bracket unbalanced is an error. */
export function splitOutside(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== null) {
      if (c === quote) {
        if (text[i + 1] === quote)
          i++; // a doubled quote stays inside the string
        else quote = null;
      }
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (--depth < 0) throw new ScpiError(-102, `unbalanced "${c}"`);
    } else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quote !== null) throw new ScpiError(-151, "a string is not closed");
  if (depth !== 0) throw new ScpiError(-102, "a bracket is not closed");
  parts.push(text.slice(start));
  return parts;
}

/** The message units of one program message; empty units (";;", a trailing ";") are skipped. */
export function parseMessage(line: string): MessageUnit[] {
  const units: MessageUnit[] = [];
  for (const raw of splitOutside(line, ";")) {
    const text = raw.trim();
    if (text === "") continue;
    const gap = text.search(/\s/);
    const headerText = gap < 0 ? text : text.slice(0, gap);
    const rest = gap < 0 ? "" : text.slice(gap).trim();
    const params = rest === "" ? [] : splitOutside(rest, ",").map((p) => p.trim());
    if (params.some((p) => p === "")) throw new ScpiError(-103, `an empty parameter in "${text}"`);
    units.push({ header: parseHeader(headerText), params, text });
  }
  return units;
}

export function parseHeader(text: string): ParsedHeader {
  const common = COMMON.exec(text);
  if (common !== null)
    return {
      isCommon: true,
      isAbsolute: false,
      mnemonics: [{ name: `*${common[1].toUpperCase()}`, suffix: null }],
      isQuery: common[2] === "?",
    };
  if (text.startsWith("*")) throw new ScpiError(-113, `"${text}"`);
  const isQuery = text.endsWith("?");
  const body = isQuery ? text.slice(0, -1) : text;
  const isAbsolute = body.startsWith(":");
  const parts = (isAbsolute ? body.slice(1) : body).split(":");
  const mnemonics = parts.map((p) => {
    const m = MNEMONIC.exec(p);
    if (m === null) throw new ScpiError(p === "" ? -102 : /[^A-Za-z0-9_]/.test(p) ? -101 : -113, `"${text}"`);
    return { name: m[1].toUpperCase(), suffix: m[2] === undefined ? null : Number(m[2]) };
  });
  return { isCommon: false, isAbsolute, mnemonics, isQuery };
}
