/**
 * @module Decoding a request body as JSON, and saying where it failed when it is not (issue 3: "invalid JSON body
 * → 400 JSON saying where it failed"). `JSON.parse` does the work; its messages give no position, so on failure a
 * small scanner walks the text to the first offending character.
 */

export type JsonBodyResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly offset: number; readonly line: number; readonly column: number; readonly reason: string };

/** Deeper nesting than this is refused by the locator (it recurses); JSON.parse itself is never limited by it. */
const MAX_LOCATE_DEPTH = 256;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A JSON object (not null, not an array): what every body that names its fields must be. */
export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function decodeJsonBody(body: Uint8Array): JsonBodyResult {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return failure("", firstBadUtf8(body), "the body is not valid UTF-8");
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const at = locate(text);
    return failure(text, at.offset, at.reason);
  }
}

function failure(text: string, offset: number, reason: string): JsonBodyResult {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { ok: false, offset, line, column: offset - lineStart + 1, reason };
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (approximate for overlongs). */
function firstBadUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    const tail = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (tail < 0) return i;
    for (let k = 1; k <= tail; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    i += tail + 1;
  }
  return b.length;
}

/** Thrown inside the locator only, carrying the offset of the first bad character. */
class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

function locate(text: string): { offset: number; reason: string } {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const expect = (what: string): never => {
    throw new Stop(
      i,
      i >= text.length ? `unexpected end of body, expected ${what}` : `unexpected ${JSON.stringify(text[i])}, expected ${what}`,
    );
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) expect("no control character inside a string");
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u") {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 1, i + 5))) expect("four hex digits after \\u");
          i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? "x")) expect('an escape like \\n or \\"');
      }
      i++;
    }
    if (i >= text.length) expect('a closing "');
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (m === null || m[0] === "" || m[0] === "-") expect("a number");
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > MAX_LOCATE_DEPTH) throw new Stop(i, "nesting too deep");
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') expect("a member name in double quotes");
        string();
        ws();
        if (text[i] !== ":") expect('":"');
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") return void i++;
        expect('"," or "}"');
      }
    }
    if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") return void i++;
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") return void i++;
        expect('"," or "]"');
      }
    }
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) return void (i += word.length);
    }
    expect("a JSON value");
  };
  try {
    value(0);
    ws();
    if (i < text.length) expect("the end of the body");
  } catch (e) {
    if (e instanceof Stop) return e;
    throw e;
  }
  return { offset: i, reason: "not valid JSON" }; // the scanner and JSON.parse disagree; point at the end
}
