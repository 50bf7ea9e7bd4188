/** @module `/?leds` (read and set by name) and `/?buttons` (read; a debounced change shows in `/?changes`). */
import type { Hardware } from "../devices/hardware.ts";
import { defineResource, type Resource } from "../httap/resource.ts";
import { bit, isObject, withDevice } from "./body-checks.ts";

export function ledsResource(hardware: () => Hardware | string, names: readonly string[]): Resource {
  const state = (h: Hardware) => Object.fromEntries(Object.keys(h.profile.leds).map((n) => [n, h.led(n) ? 1 : 0]));
  return defineResource({
    name: "leds",
    kind: "leds",
    description: `the board's LEDs (${names.join(", ")}); POST {"name":0|1,...}`,
    get: withDevice(hardware, (h, c) => c.reply.json(state(h))),
    post: withDevice(hardware, (h, c) => {
      const body = c.body();
      if (!isObject(body) || Object.keys(body).length === 0) return c.reply.error("bad-value", `the body must be an object of LED names and 0 or 1, such as {"${names[0]}":1}`);
      const writes: [string, 0 | 1][] = [];
      for (const [name, v] of Object.entries(body)) {
        if (!Object.hasOwn(h.profile.leds, name)) return c.reply.error("bad-value", `no LED "${name}" on this board (${names.join(", ")})`);
        const level = bit(v, name);
        if (!level.ok) return c.reply.error("bad-value", level.why);
        writes.push([name, level.value]);
      }
      for (const [name, level] of writes) h.setLed(name, level === 1); // all checked first: all or nothing
      return c.reply.json(state(h));
    }),
  });
}

export function buttonsResource(hardware: () => Hardware | string, names: readonly string[]): Resource {
  return defineResource({
    name: "buttons",
    kind: "buttons",
    description: names.length > 0 ? `the board's buttons (${names.join(", ")}): true while pressed, debounced 20 ms` : "this board has no buttons",
    get: withDevice(hardware, (h, c) => c.reply.json(h.buttons.state())),
  });
}
