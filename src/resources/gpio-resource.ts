/**
 * @module `/?gpio` (issue 7): every header pin 0-27 with its mode, level, pull and the role that owns it; a free pin
 * may be set with `POST /?gpio/N {"mode":"out","level":1}` or `{"mode":"in","pull":"up"}`. A pin a board role owns,
 * or one a peripheral holds (I2C, SPI, UART: "alt"), answers 409.
 */
import type { Board } from "../devices/board.ts";
import { HEADER_PINS, type PinMode, type Pull } from "../gpio/gpio-backend.ts";
import { defineResource, type Resource } from "../httap/resource.ts";
import { bit, onlyKeys, withDevice } from "./body-checks.ts";
import { isJsonObject } from "../httap/json-body.ts";

const PINS = Array.from({ length: HEADER_PINS }, (_, i) => String(i));
const PULLS: readonly Pull[] = ["up", "down", "none"];

export function gpioResource(board: () => Board | string): Resource {
  return defineResource({
    name: "gpio",
    kind: "pins",
    description:
      'header pins 0-27: mode, level, pull, owner; POST /?gpio/N {"mode":"out","level":1} or {"mode":"in","pull":"up"} for a free pin',
    members: PINS,
    get: withDevice(board, (b, c) => {
      const pins = c.selector.kind === "members" ? c.selector.members.map((p) => b.pin(Number(p))) : b.pins();
      return c.reply.json({ backend: b.backend, pins });
    }),
    post: withDevice(board, (b, c) => {
      if (c.selector.kind !== "members" || c.selector.members.length !== 1)
        return c.reply.error("bad-value", "write one pin at a time: POST /?gpio/17");
      const pin = Number(c.selector.members[0]);
      const body = c.body();
      if (!isJsonObject(body))
        return c.reply.error("bad-value", 'the body must be an object: {"mode":"out","level":1} or {"mode":"in","pull":"up"}');
      const unknown = onlyKeys(body, ["mode", "level", "pull"]);
      if (unknown !== null) return c.reply.error("bad-value", unknown);
      const mode = body.mode ?? (body.level !== undefined ? "out" : undefined);
      if (mode !== "in" && mode !== "out") return c.reply.error("bad-value", 'mode must be "in" or "out"');
      if (mode === "in" && body.level !== undefined) return c.reply.error("bad-value", "level is for outputs; an input reads its level");
      const level = body.level === undefined ? null : bit(body.level, "level");
      if (level !== null && !level.ok) return c.reply.error("bad-value", level.why);
      if (body.pull !== undefined && !PULLS.includes(body.pull as Pull))
        return c.reply.error("bad-value", 'pull must be "up", "down" or "none"');
      // an owned pin: PinOwned, 409
      return c.reply.json(b.setPin(pin, { mode: mode as PinMode, level: level?.value, pull: body.pull as Pull | undefined }));
    }),
  });
}
