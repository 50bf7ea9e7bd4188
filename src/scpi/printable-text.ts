/**
 * @module Client text as the device may show it again (error queue, log): printable ASCII only, bounded. A control
 * byte, ESC, DEL or a byte over 0x7E (a client's text is read as latin1, so non-UTF-8 bytes too) becomes `\xNN`;
 * a backslash becomes `\\`, so the escapes cannot be forged. Anything else (never client text) becomes `?`.
 */

const HEX = "0123456789abcdef";

/**
 * `text` escaped, cut to at most `maxChars` characters with "..." when longer. The result is built character by
 * character, so it never shares storage with `text` (a slice of a 64 KiB line would keep the whole line alive).
 */
export function printableAscii(text: string, maxChars: number): string {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; i < text.length && length <= maxChars; i++) {
    const c = text.charCodeAt(i);
    const piece = c === 0x5c ? "\\\\" : c >= 0x20 && c < 0x7f ? text[i] : c <= 0xff ? `\\x${HEX[c >> 4]}${HEX[c & 15]}` : "?";
    parts.push(piece);
    length += piece.length;
  }
  if (length > maxChars) {
    while (length > maxChars - 3) length -= parts.pop()!.length; // whole escapes only, never half of one
    parts.push("...");
  }
  return parts.join("");
}
