/**
 * @module `/?sim` (issue 7, simulator only): the outside drive the simulator's wires apply, and a way to set it from
 * a page (`POST {"pin":N,"level":0|1|null}`, null releases the wire), so the web pages can offer a virtual board.
 */
import { HEADER_PINS } from "../gpio/gpio-backend.ts";
import type { SimulatedSoc } from "../gpio/simulated-soc.ts";
import { defineResource, type Resource } from "../httap/resource.ts";
import { bit, numberIn, onlyKeys } from "./body-checks.ts";
import { isJsonObject } from "../httap/json-body.ts";

export function simResource(file: string | null, soc: SimulatedSoc): Resource {
  const state = () => ({ file, drive: soc.drives().filter((d) => d.pin < HEADER_PINS) });
  return defineResource({
    name: "sim",
    kind: "simulator",
    description: 'the simulated board\'s wires: GET the driven inputs; POST {"pin":N,"level":0|1|null} (null releases)',
    get: (c) => c.reply.json(state()),
    post: (c) => {
      const body = c.body();
      if (!isJsonObject(body)) return c.reply.error("bad-value", 'the body must be an object: {"pin":4,"level":0}');
      const unknown = onlyKeys(body, ["pin", "level"]);
      if (unknown !== null) return c.reply.error("bad-value", unknown);
      const pin = numberIn(body.pin, "pin", 0, HEADER_PINS - 1, true);
      if (!pin.ok) return c.reply.error("bad-value", pin.why);
      if (!("level" in body)) return c.reply.error("bad-value", "level must be 0, 1 or null (release)");
      if (body.level === null) soc.drive(pin.value, null);
      else {
        const level = bit(body.level, "level");
        if (!level.ok) return c.reply.error("bad-value", `${level.why}, or null to release`);
        soc.drive(pin.value, level.value);
      }
      return c.reply.json(state());
    },
  });
}
