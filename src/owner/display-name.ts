/**
 * @module Display names (issue 18): what a participant calls themself, shown to the room instead of an address.
 * 1-24 characters after trimming, no control characters; pages always set it as text, never as markup.
 */

export const DISPLAY_NAME_MAX = 24;

/** The name to keep, or the sentence saying why `value` is not one. */
export function checkDisplayName(value: unknown): { ok: true; name: string } | { ok: false; why: string } {
  if (typeof value !== "string") return { ok: false, why: "name must be a string of 1 to 24 characters" };
  const name = value.trim().normalize("NFC");
  const length = [...name].length; // characters as people count them, not UTF-16 units
  if (length < 1 || length > DISPLAY_NAME_MAX) return { ok: false, why: `name must be 1 to ${DISPLAY_NAME_MAX} characters, got ${length}` };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to refuse them
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) return { ok: false, why: "name must not contain control characters" };
  return { ok: true, name };
}
