/**
 * @module Content negotiation on `Accept-Encoding` (RFC 9110 §12.5.3) between the representations a file has:
 * q-values are honoured, q=0 excludes, `*` stands for codings not named, and identity is acceptable unless excluded.
 */
import { MAX_REMEMBERED_ACCEPT_ENCODINGS } from "./static-limits.ts";

/** The q-value the client gives each coding httap can send, 0 meaning "not acceptable". */
export interface CodingPreference {
  readonly identity: number;
  readonly gzip: number;
  readonly br: number;
}

/** No `Accept-Encoding` at all: send identity. RFC 9110 allows any coding then, but old clients mean "none". */
export const IDENTITY_ONLY: CodingPreference = Object.freeze({ identity: 1, gzip: 0, br: 0 });

/**
 * The weight of identity when the client does not name it (nor `*`): acceptable (§12.5.3), but below any coding the
 * client did name, so "gzip;q=0.5" still gets gzip, as every server and browser understand it.
 */
const IMPLICIT_IDENTITY_Q = Number.MIN_VALUE;

/** RFC 9110 §12.4.2 qvalue: 0 to 1 with at most three decimals. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Parses one `Accept-Encoding` value. An element whose q-value is malformed is ignored, as if not sent.
 * "x-gzip" counts as "gzip" (RFC 9110 §8.4.1.3).
 */
export function parseAcceptEncoding(value: string): CodingPreference {
  const named = new Map<string, number>();
  for (const element of value.split(",")) {
    const [codingText, ...params] = element.split(";");
    let coding = codingText.trim().toLowerCase();
    if (coding === "") continue;
    if (coding === "x-gzip") coding = "gzip";
    let q = 1;
    for (const param of params) {
      const eq = param.indexOf("=");
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== "q") continue;
      const text = param.slice(eq + 1).trim();
      q = QVALUE.test(text) ? Number(text) : NaN;
    }
    if (!Number.isNaN(q) && !named.has(coding)) named.set(coding, q);
  }
  const star = named.get("*");
  return {
    identity: named.get("identity") ?? star ?? IMPLICIT_IDENTITY_Q,
    gzip: named.get("gzip") ?? star ?? 0,
    br: named.get("br") ?? star ?? 0,
  };
}

/**
 * Picks the representation to send: the highest q among those the file has; on a tie the smaller one
 * (br, then gzip, then identity). When the client accepts none of them, identity is sent anyway (§12.5.3 allows it,
 * and a readable body beats a 406 on an appliance).
 */
export function chooseCoding(preference: CodingPreference, hasGzip: boolean, hasBr: boolean): "identity" | "gzip" | "br" {
  let best: "identity" | "gzip" | "br" = "identity";
  let bestQ = preference.identity;
  if (hasGzip && preference.gzip > 0 && preference.gzip >= bestQ) {
    best = "gzip";
    bestQ = preference.gzip;
  }
  if (hasBr && preference.br > 0 && preference.br >= bestQ) best = "br";
  return best;
}

/**
 * Remembers parsed values: a browser sends the same `Accept-Encoding` on every request, so the hot path does one
 * Map lookup instead of a parse. Bounded; forgotten all at once when full.
 */
export class AcceptEncodingCache {
  readonly #entries = new Map<string, CodingPreference>(); // header value -> parsed preference

  preferenceFor(value: string | undefined): CodingPreference {
    if (value === undefined) return IDENTITY_ONLY;
    let preference = this.#entries.get(value);
    if (preference === undefined) {
      if (this.#entries.size >= MAX_REMEMBERED_ACCEPT_ENCODINGS) this.#entries.clear();
      preference = Object.freeze(parseAcceptEncoding(value));
      this.#entries.set(value, preference);
    }
    return preference;
  }
}
