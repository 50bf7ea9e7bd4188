/**
 * @module `/?gpio` (issue 7): every header pin 0-27 with its mode, level, pull and the role that owns it; a free pin
 * may be set with `POST /?gpio/N {"mode":"out","level":1}` or `{"mode":"in","pull":"up"}`. A pin a board role owns,
 * or one a peripheral holds (I2C, SPI, UART: "alt"), answers 409.
 */
import type { Hardware } from "../devices/hardware.ts";
import { HEADER_PINS, type Level, type PinMode, type Pull } from "../gpio/gpio-backend.ts";
import { defineResource, type Resource } from "../httap/resource.ts";
import { bit, isObject, onlyKeys, withDevice } from "./body-checks.ts";

const PINS = Array.from({ length: HEADER_PINS }, (_, i) => String(i));
const PULLS: readonly Pull[] = ["up", "down", "none"];

function pinState(h: Hardware, pin: number) {
  const mode = h.gpio.functionOf(pin);
  let level: Level | null;
  try {
    level = h.gpio.read(pin);
  } catch {
    level = null; // a line the kernel holds cannot even be read through the character device
  }
  return { pin, mode, level, pull: h.gpio.pullOf(pin), role: h.roles.get(pin) ?? null };
}

export function gpioResource(hardware: () => Hardware | string): Resource {
  return defineResource({
    name: "gpio",
    kind: "pins",
    description: 'header pins 0-27: mode, level, pull, owner; POST /?gpio/N {"mode":"out","level":1} or {"mode":"in","pull":"up"} for a free pin',
    members: PINS,
    get: withDevice(hardware, (h, c) => {
      const pins = c.selector.kind === "members" ? c.selector.members.map(Number) : PINS.map(Number);
      return c.reply.json({ backend: h.gpio.description, pins: pins.map((p) => pinState(h, p)) });
    }),
    post: withDevice(hardware, (h, c) => {
      if (c.selector.kind !== "members" || c.selector.members.length !== 1) return c.reply.error("bad-value", "write one pin at a time: POST /?gpio/17");
      const pin = Number(c.selector.members[0]);
      const role = h.roles.get(pin);
      if (role !== undefined) return c.reply.error("pin-owned", `GPIO ${pin} is the board's ${role}; use its own resource`);
      if (h.gpio.functionOf(pin) === "alt") return c.reply.error("pin-owned", `GPIO ${pin} is held by a peripheral (I2C, SPI, UART, PWM...)`);
      const body = c.body();
      if (!isObject(body)) return c.reply.error("bad-value", 'the body must be an object: {"mode":"out","level":1} or {"mode":"in","pull":"up"}');
      const unknown = onlyKeys(body, ["mode", "level", "pull"]);
      if (unknown !== null) return c.reply.error("bad-value", unknown);
      const mode = body.mode ?? (body.level !== undefined ? "out" : undefined);
      if (mode !== "in" && mode !== "out") return c.reply.error("bad-value", 'mode must be "in" or "out"');
      if (mode === "in" && body.level !== undefined) return c.reply.error("bad-value", "level is for outputs; an input reads its level");
      const level = body.level === undefined ? null : bit(body.level, "level");
      if (level !== null && !level.ok) return c.reply.error("bad-value", level.why);
      if (body.pull !== undefined && !PULLS.includes(body.pull as Pull)) return c.reply.error("bad-value", 'pull must be "up", "down" or "none"');
      if (body.pull !== undefined) h.gpio.setPull(pin, body.pull as Pull);
      if (level !== null) h.gpio.write(pin, level.value);
      h.gpio.setMode(pin, mode as PinMode);
      return c.reply.json(pinState(h, pin));
    }),
  });
}
