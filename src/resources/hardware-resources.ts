/**
 * @module The hardware as HTTaP resources (issue 7): thin adapters over the devices. Without GPIO (no device, no
 * permission, HTTAP_GPIO=none) the same names answer 503 `{"error":"no-gpio", ...}` with the reason, so a page can
 * say what is wrong while the web server keeps serving. `/?sim` exists only under the simulator.
 */
import type { Board } from "../devices/board.ts";
import type { LoopLag } from "../engine/loop-lag.ts";
import type { SimulatedSoc } from "../gpio/simulated-soc.ts";
import type { Resource } from "../httap/resource.ts";
import { gpioResource } from "./gpio-resource.ts";
import { buttonsResource, ledsResource } from "./leds-buttons-resources.ts";
import { motorsResource } from "./motors-resource.ts";
import { rtResource } from "./rt-resource.ts";
import { simResource } from "./sim-resource.ts";
import { speakerResource } from "./speaker-resource.ts";

/** What the resources say of a board they may not have (no GPIO): its names come from the profile. */
export interface BoardShape {
  readonly leds: readonly string[];
  readonly buttons: readonly string[];
  readonly hasMotors: boolean;
}

/**
 * The board's resources. `buttons` is returned apart: the caller starts the board's button sampling with its
 * `changed` (no resource factory starts anything on its own).
 */
export function hardwareResources(
  board: Board | null,
  unavailable: string,
  sim: { file: string | null; soc: SimulatedSoc } | null,
  loop: LoopLag,
  shape: BoardShape,
): { list: Resource[]; buttons: Resource } {
  const b = () => board ?? unavailable;
  const buttons = buttonsResource(b, shape.buttons);
  const list = [speakerResource(b), ledsResource(b, shape.leds), buttons, gpioResource(b), rtResource(b, loop)];
  if (shape.hasMotors) list.splice(1, 0, motorsResource(b));
  if (board !== null && sim !== null) list.push(simResource(sim.file, sim.soc));
  return { list, buttons };
}
