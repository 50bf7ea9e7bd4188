/**
 * @module SCPI parameter values (SCPI 1999 vol. 1 §7): decimal numbers with an optional unit suffix, the character
 * data MINimum / MAXimum / DEFault for numbers, ON / OFF for booleans, character names, quoted strings.
 */
import { ScpiError } from "./scpi-errors.ts";

const NUMBER = /^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]*)$/;

export interface NumericSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly def: number;
  /** Unit suffixes accepted, each with its factor to the value's own unit ("" = none written). */
  readonly units?: Readonly<Record<string, number>>;
  readonly whole?: boolean;
}

/** A number within `spec`, or MIN/MAX/DEF; every failure names the parameter. */
export function numeric(text: string | undefined, spec: NumericSpec): number {
  if (text === undefined) throw new ScpiError(-109, spec.name);
  const word = text.toUpperCase();
  if (word === "MIN" || word === "MINIMUM") return spec.min;
  if (word === "MAX" || word === "MAXIMUM") return spec.max;
  if (word === "DEF" || word === "DEFAULT") return spec.def;
  const m = NUMBER.exec(text);
  if (m === null) throw new ScpiError(/^[A-Za-z]/.test(text) ? -141 : -120, `${spec.name}: "${text}"`);
  let value = Number(m[1]);
  const unit = m[2].toUpperCase();
  if (unit !== "") {
    const factor = spec.units?.[unit];
    if (factor === undefined) throw new ScpiError(spec.units === undefined ? -138 : -131, `${spec.name}: "${m[2]}"`);
    value *= factor;
  }
  if (!Number.isFinite(value) || value < spec.min || value > spec.max)
    throw new ScpiError(-222, `${spec.name} must be ${spec.min} to ${spec.max}, got ${value}`);
  return spec.whole ? Math.round(value) : value;
}

/** 0/1 or OFF/ON. */
export function boolean(text: string | undefined, name: string): 0 | 1 {
  if (text === undefined) throw new ScpiError(-109, name);
  const word = text.toUpperCase();
  if (word === "1" || word === "ON") return 1;
  if (word === "0" || word === "OFF") return 0;
  throw new ScpiError(-224, `${name} must be 0, 1, ON or OFF`);
}

/** A name as character data (`red`) or as a string (`"red"`), lower-cased. */
export function name(text: string | undefined, what: string): string {
  if (text === undefined) throw new ScpiError(-109, what);
  const s = /^(["']).*\1$/.test(text) ? unquote(text) : text;
  return s.toLowerCase();
}

/** A quoted string's contents (the doubled quote undone); an unquoted text is an error. */
export function unquote(text: string): string {
  const q = text[0];
  if ((q !== '"' && q !== "'") || text.length < 2 || text.at(-1) !== q) throw new ScpiError(-151, `expected a quoted string, got ${text}`);
  return text.slice(1, -1).replaceAll(q + q, q);
}

/** Exactly `n` parameters (or between `min` and `n`). */
export function expectParams(params: readonly string[], n: number, min = n): void {
  if (params.length < min) throw new ScpiError(-109, `${min} parameter${min === 1 ? "" : "s"} expected`);
  if (params.length > n) throw new ScpiError(-108, `at most ${n} parameter${n === 1 ? "" : "s"}`);
}

/** A number as SCPI prints it: integers as NR1, others in the shortest form that reads back the same. */
export function formatNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}
