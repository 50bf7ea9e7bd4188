/** @module `/?leds` (read and set by name) and `/?buttons` (read; a debounced change shows in `/?changes`). */
import type { Board } from "../devices/board.ts";
import { defineResource, type Resource } from "../httap/resource.ts";
import { bit, withDevice } from "./body-checks.ts";
import { isJsonObject } from "../httap/json-body.ts";

const asBits = (leds: Record<string, boolean>) => Object.fromEntries(Object.entries(leds).map(([n, on]) => [n, on ? 1 : 0]));

export function ledsResource(board: () => Board | string, names: readonly string[]): Resource {
  return defineResource({
    name: "leds",
    kind: "leds",
    description: `the board's LEDs (${names.join(", ")}); POST {"name":0|1,...}`,
    get: withDevice(board, (b, c) => c.reply.json(asBits(b.leds()))),
    post: withDevice(board, (b, c) => {
      const body = c.body();
      if (!isJsonObject(body) || Object.keys(body).length === 0)
        return c.reply.error("bad-value", `the body must be an object of LED names and 0 or 1, such as {"${names[0]}":1}`);
      const levels: Record<string, boolean> = {};
      for (const [name, v] of Object.entries(body)) {
        const level = bit(v, name);
        if (!level.ok) return c.reply.error("bad-value", level.why);
        levels[name] = level.value === 1;
      }
      b.setLeds(levels); // an unknown name: NotOnThisBoard, 400, and no LED changed
      return c.reply.json(asBits(b.leds()));
    }),
  });
}

export function buttonsResource(board: () => Board | string, names: readonly string[]): Resource {
  return defineResource({
    name: "buttons",
    kind: "buttons",
    description:
      names.length > 0 ? `the board's buttons (${names.join(", ")}): true while pressed, debounced 20 ms` : "this board has no buttons",
    get: withDevice(board, (b, c) => c.reply.json(b.buttons())),
  });
}
