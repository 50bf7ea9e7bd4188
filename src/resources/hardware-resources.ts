/**
 * @module The hardware as HTTaP resources (issue 7): thin adapters over the devices. Without GPIO (no device, no
 * permission, HTTAP_GPIO=none) the same names answer 503 `{"error":"no-gpio", ...}` with the reason, so a page can
 * say what is wrong while the web server keeps serving. `/?sim` exists only under the simulator.
 */
import type { Hardware } from "../devices/hardware.ts";
import type { LoopLag } from "../engine/loop-lag.ts";
import type { SimulatedSoc } from "../gpio/simulated-soc.ts";
import type { Resource } from "../httap/resource.ts";
import { gpioResource } from "./gpio-resource.ts";
import { buttonsResource, ledsResource } from "./leds-buttons-resources.ts";
import { motorsResource } from "./motors-resource.ts";
import { rtResource } from "./rt-resource.ts";
import { simResource } from "./sim-resource.ts";
import { speakerResource } from "./speaker-resource.ts";

export function hardwareResources(hardware: Hardware | null, unavailable: string, soc: SimulatedSoc | null, loop: LoopLag, board: { leds: Readonly<Record<string, number>>; buttons: Readonly<Record<string, number>>; hasMotors: boolean }): Resource[] {
  const hw = () => hardware ?? unavailable;
  const buttons = buttonsResource(hw, Object.keys(board.buttons));
  const list = [
    speakerResource(() => hardware?.speaker ?? unavailable),
    ledsResource(hw, Object.keys(board.leds)),
    buttons,
    gpioResource(hw),
    rtResource(hw, loop),
  ];
  if (board.hasMotors) list.splice(1, 0, motorsResource(() => hardware?.motors ?? unavailable));
  if (hardware !== null && soc !== null) list.push(simResource(hardware, soc));
  hardware?.buttons.start(() => buttons.changed()); // a debounced press shows in /?changes
  return list;
}
