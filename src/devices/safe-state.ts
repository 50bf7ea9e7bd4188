/**
 * @module The safe state from outside (issue 7): `httap --safe-state` drives the profile's output pins low with the
 * configured backend and exits, for systemd's ExecStopPost= and a supervisor, after a `kill -9` that no code of
 * the firmware could see. It attaches to what exists (the simulator file, the registers) and changes nothing else.
 */
import type { GpioBackend } from "../gpio/gpio-backend.ts";
import { openGpio, type GpioChoice } from "../gpio/open-backend.ts";
import { outputPins, type BoardProfile } from "./board-profile.ts";
import { SysfsPwm } from "./sysfs-pwm.ts";

export interface SafeStateOptions {
  readonly gpio: GpioChoice;
  readonly simFile: string | null;
  readonly board: BoardProfile;
  readonly pwmSysfs: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Hears what could not be done but did not stop the pins (a PWM it may not use). */
  readonly warn?: (line: string) => void;
}

/**
 * Each pin an output at level 0 with a pull-down, as one line request on the character device (OUTPUT |
 * BIAS_PULL_DOWN, value 0: the pull is set before the direction so it goes into the request). The pull matters once
 * the line is released: the kernel then makes it an input, and the pull-down is what keeps it low.
 */
export function driveLow(gpio: GpioBackend, pins: readonly number[]): void {
  for (const pin of pins) {
    gpio.write(pin, 0);
    gpio.setPull(pin, "down");
    gpio.setMode(pin, "out");
  }
}

/** Returns the pins driven low, or throws a sentence saying why it could not be done. */
export function driveSafeStateFromOutside(o: SafeStateOptions): number[] {
  const opened = openGpio({ choice: o.gpio, simFile: o.simFile, env: o.env, attach: true });
  if (opened.backend === null) throw new Error(opened.unavailable ?? "no GPIO");
  const pwmSpec = o.board.speakerPwm;
  let pwm: SysfsPwm | null = null;
  try {
    pwm = pwmSpec === null ? null : SysfsPwm.open(o.pwmSysfs, pwmSpec.chip, pwmSpec.channel);
  } catch (error) {
    // issue 19: a PWM the user may not export must not keep the motors from stopping; the speaker pin is then driven
    // low as a GPIO like the others (as the server's engine drives it when the PWM is unusable)
    o.warn?.(`speaker: hardware PWM unusable (${(error as Error).message}); GPIO ${o.board.speaker} driven low instead`);
  }
  const pins = outputPins(o.board).filter((p) => !(pwm !== null && p === o.board.speaker));
  try {
    driveLow(opened.backend, pins);
    pwm?.close(); // off, and its files closed
  } finally {
    // On the character device this releases each line and the kernel makes it an input: from then on the pull-down
    // requested with it is what keeps it low (and an external pull-down resistor, see the README, before and after).
    opened.backend.close();
  }
  return pins;
}
