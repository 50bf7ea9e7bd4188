/**
 * @module Checking JSON bodies for the hardware resources: each check returns the value or a sentence naming the
 * field and what it must be, which the resource answers as 400 bad-value.
 */
import { NotOnThisBoard, PinOwned } from "../devices/board.ts";
import { EngineUnavailable } from "../devices/engine-unavailable.ts";
import type { ResourceContext, ResourceReply } from "../httap/resource-context.ts";
import type { ResourceRoutine } from "../httap/resource.ts";

export type Checked<T> = { ok: true; value: T } | { ok: false; why: string };

export const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
export const bad = <T>(why: string): Checked<T> => ({ ok: false, why });

/** Only the listed keys; the first other one is named. */
export function onlyKeys(body: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of Object.keys(body)) if (!keys.includes(k)) return `unknown field "${k}" (known: ${keys.join(", ")})`;
  return null;
}

/** A finite number within [min, max], whole when asked. */
export function numberIn(v: unknown, field: string, min: number, max: number, whole = false): Checked<number> {
  if (typeof v !== "number" || !Number.isFinite(v)) return bad(`${field} must be a number from ${min} to ${max}`);
  if (whole && !Number.isInteger(v)) return bad(`${field} must be a whole number from ${min} to ${max}`);
  if (v < min || v > max) return bad(`${field} must be from ${min} to ${max}, got ${v}`);
  return ok(v);
}

/** 0 or 1 (true/false accepted too). */
export function bit(v: unknown, field: string): Checked<0 | 1> {
  if (v === 0 || v === false) return ok(0);
  if (v === 1 || v === true) return ok(1);
  return bad(`${field} must be 0 or 1`);
}

/**
 * A routine over a device that may be missing: `device()` gives the device, or the sentence saying why there is
 * none (no GPIO), which is answered as 503 no-gpio. The board's typed refusals map here, once: a command the
 * real-time engine could not carry out is 503 engine-unavailable with the reason (never success), an owned pin
 * 409 pin-owned, a name the board lacks 400 bad-value.
 */
export function withDevice<T>(device: () => T | string, routine: (d: T, c: ResourceContext) => ResourceReply): ResourceRoutine {
  return (c) => {
    const d = device();
    if (typeof d === "string") return c.reply.error("no-gpio", d);
    try {
      return routine(d, c);
    } catch (error) {
      if (error instanceof EngineUnavailable) return c.reply.error("engine-unavailable", error.message);
      if (error instanceof PinOwned) return c.reply.error("pin-owned", error.message);
      if (error instanceof NotOnThisBoard) return c.reply.error("bad-value", error.message);
      throw error;
    }
  };
}
