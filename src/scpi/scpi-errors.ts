/**
 * @module SCPI error numbers (SCPI 1999 vol. 2 §21.8, IEEE 488.2 §11.5.1): the standard ones this front end raises,
 * and its device-specific ones (positive numbers). An entry is reported as `<number>,"<text>[; detail]"`.
 */

export const SCPI_ERRORS = {
  0: "No error",
  [-101]: "Invalid character",
  [-102]: "Syntax error",
  [-103]: "Invalid separator",
  [-104]: "Data type error",
  [-108]: "Parameter not allowed",
  [-109]: "Missing parameter",
  [-113]: "Undefined header",
  [-114]: "Header suffix out of range",
  [-120]: "Numeric data error",
  [-131]: "Invalid suffix",
  [-138]: "Suffix not allowed",
  [-141]: "Invalid character data",
  [-151]: "Invalid string data",
  [-200]: "Execution error",
  [-221]: "Settings conflict",
  [-222]: "Data out of range",
  [-224]: "Illegal parameter value",
  [-240]: "Hardware error",
  [-241]: "Hardware missing",
  [-350]: "Queue overflow",
  [-363]: "Input buffer overrun",
  /** Device-specific: another host owns the device. */
  101: "Device busy",
} as const satisfies Record<number, string>;

export type ScpiErrorNumber = keyof typeof SCPI_ERRORS;

/** Thrown by a command or the parser; the interpreter queues it and goes on with the next message unit. */
export class ScpiError extends Error {
  readonly code: ScpiErrorNumber;
  readonly detail: string;
  constructor(code: ScpiErrorNumber, detail = "") {
    super(`${code},"${SCPI_ERRORS[code]}${detail === "" ? "" : `; ${detail}`}"`);
    this.code = code;
    this.detail = detail;
  }

  /** The queue entry: `-222,"Data out of range; freq must be 20 to 20000 Hz"` (a quote in the detail is doubled). */
  get entry(): string {
    const text = `${SCPI_ERRORS[this.code]}${this.detail === "" ? "" : `; ${this.detail}`}`;
    return `${this.code},"${text.replaceAll('"', '""')}"`;
  }
}
