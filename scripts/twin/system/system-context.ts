/**
 * @module What every system twin check works with: the guest agent (commands on the console), the machine (GPIO
 * registers through the monitor), the report, the forwarded port on 127.0.0.1, and the figures the run reports.
 */
import type { Guest } from "../guest.ts";
import type { Machine } from "../machine.ts";
import type { Report } from "../report.ts";
import type { GpioSnapshot } from "../gpio-registers.ts";
import { notDrivenHigh, outputsLow, PINS, type TwinContext } from "../twin-context.ts";

export interface SystemContext {
  readonly guest: Guest;
  readonly machine: Machine;
  readonly report: Report;
  /** Register waits and samples (the SoC twin's, on the chardev backend the unit uses). */
  readonly twin: TwinContext;
  /** The host side of the forward to the guest's port 60000. */
  readonly hostPort: number;
  /** "boot to multi-user 74.1 s" …: printed at the end. */
  readonly figures: string[];
}

/** "after=3.4s" in an agent line → 3.4 (NaN when absent). */
export function afterSeconds(line: string): number {
  return Number(/after=([\d.]+)s/.exec(line)?.[1] ?? Number.NaN);
}

/**
 * The board at rest under the unit: every motor and LED pin an output at 0, the speaker pin not driven high. The image's
 * udev rule gives the unit the hardware PWM, so the speaker pin belongs to the PWM block, whose pin function the Pi's
 * firmware sets from config.txt's overlay: under QEMU nobody does, and the pin stays an input.
 */
export function boardAtRest(s: GpioSnapshot): boolean {
  return (
    outputsLow(
      s,
      PINS.outputs.filter((p) => p !== PINS.speaker),
    ) && notDrivenHigh(s, [PINS.speaker])
  );
}
