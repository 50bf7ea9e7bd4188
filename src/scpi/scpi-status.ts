/**
 * @module One client's status as IEEE 488.2 keeps it (§11): the error/event queue (bounded; when full, the last
 * entry becomes -350 "Queue overflow"), the Standard Event Status Register with its enable mask, the Service Request
 * Enable mask, and the Status Byte computed from them. An entry is kept as its text, printable ASCII and bounded
 * (a client's 64 KiB line quoted in a detail must not stay in memory: 16 entries per connection).
 */
import { printableAscii } from "./printable-text.ts";
import { ScpiError } from "./scpi-errors.ts";
import { MAX_ERROR_DETAIL_CHARS } from "./scpi-limits.ts";

export const QUEUE_LENGTH = 16;

/** ESR bits (IEEE 488.2 §11.5.1.1). */
export const ESR = { OPC: 1, QYE: 4, DDE: 8, EXE: 16, CME: 32 } as const;
/** STB bits: error queue not empty (SCPI's EAV), event status summary, request service. */
export const STB = { EAV: 4, ESB: 32, MSS: 64 } as const;
/** What the last entry becomes when the queue is full (SCPI 1999 vol. 2 §21.8.9). */
const QUEUE_OVERFLOW = new ScpiError(-350).entry;

export class ScpiStatus {
  readonly #queue: string[] = [];
  esr = 0;
  ese = 0;
  sre = 0;

  push(error: ScpiError): void {
    this.esr |= error.code <= -400 ? ESR.QYE : error.code <= -300 || error.code > 0 ? ESR.DDE : error.code <= -200 ? ESR.EXE : ESR.CME;
    if (this.#queue.length < QUEUE_LENGTH) this.#queue.push(boundedEntry(error));
    else this.#queue[QUEUE_LENGTH - 1] = QUEUE_OVERFLOW;
  }

  /** The oldest entry, removed; `0,"No error"` when the queue is empty. */
  next(): string {
    return this.#queue.shift() ?? '0,"No error"';
  }

  get count(): number {
    return this.#queue.length;
  }

  /** *CLS: the queue and the event register are cleared (the enable masks stay). */
  clear(): void {
    this.#queue.length = 0;
    this.esr = 0;
  }

  /** *ESR? reads and clears. */
  takeEsr(): number {
    const v = this.esr;
    this.esr = 0;
    return v;
  }

  get stb(): number {
    let v = (this.#queue.length > 0 ? STB.EAV : 0) | ((this.esr & this.ese) !== 0 ? STB.ESB : 0);
    if ((v & this.sre & ~STB.MSS) !== 0) v |= STB.MSS;
    return v;
  }
}

/** `error.entry` with its detail as printable ASCII of at most MAX_ERROR_DETAIL_CHARS (a quote doubled after). */
export function boundedEntry(error: ScpiError): string {
  return new ScpiError(error.code, printableAscii(error.detail, MAX_ERROR_DETAIL_CHARS)).entry;
}
