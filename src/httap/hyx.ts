/**
 * @module The HYX text encoding of byte ranges (Yann Guidon's HYX format, as HTTaP uses it): a `;;hyx1` magic first
 * line, `;` comments, `:addr` hexadecimal address markers, then bytes as pairs of hex digits.
 */

/** Bytes per data line: 16 keeps lines short and aligned with the `:addr` marker of the block. */
const BYTES_PER_LINE = 16;
/** Each byte's two hex digits. Built in a function of its own with a loop: a loop at module level makes JSC compile
 * the whole bundle's top level, a callback called 256 times its optimizing tier (issue 22, see http/ascii.ts). */
const HEX = hexPairs();

function hexPairs(): string[] {
  const pairs: string[] = [];
  for (let i = 0; i < 256; i++) pairs.push(i.toString(16).toUpperCase().padStart(2, "0"));
  return pairs;
}

/** Encodes `bytes`, which sit at address `start`, with a comment naming where they come from. */
export function encodeHyx(bytes: Uint8Array, start: number, comment: string): string {
  const lines = [";;hyx1", `; ${comment.replace(/[\r\n]/g, " ")}`, `:${start.toString(16).toUpperCase()}`];
  for (let i = 0; i < bytes.length; i += BYTES_PER_LINE) {
    const end = Math.min(i + BYTES_PER_LINE, bytes.length);
    const pairs: string[] = [];
    for (let j = i; j < end; j++) pairs.push(HEX[bytes[j]]);
    lines.push(pairs.join(" "));
  }
  return lines.join("\n") + "\n";
}
