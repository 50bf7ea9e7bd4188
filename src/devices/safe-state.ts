/**
 * @module The safe state from outside (issue 7): `httap --safe-state` drives the profile's output pins low with the
 * configured backend and exits, for systemd's ExecStopPost= and a supervisor, after a `kill -9` that no code of
 * the firmware could see. It attaches to what exists (the simulator file, the registers) and changes nothing else.
 */
import { openGpio, type GpioChoice } from "../gpio/open-backend.ts";
import { outputPins, type BoardProfile } from "./board-profile.ts";
import { SysfsPwm } from "./sysfs-pwm.ts";

export interface SafeStateOptions {
  readonly gpio: GpioChoice;
  readonly simFile: string | null;
  readonly board: BoardProfile;
  readonly pwmSysfs: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Returns the pins driven low, or throws a sentence saying why it could not be done. */
export function driveSafeStateFromOutside(o: SafeStateOptions): number[] {
  const opened = openGpio({ choice: o.gpio, simFile: o.simFile, env: o.env, attach: true });
  if (opened.backend === null) throw new Error(opened.unavailable ?? "no GPIO");
  const pwmSpec = o.board.speakerPwm;
  const pwm = pwmSpec === null ? null : SysfsPwm.open(o.pwmSysfs, pwmSpec.chip, pwmSpec.channel);
  const pins = outputPins(o.board).filter((p) => !(pwm !== null && p === o.board.speaker));
  try {
    for (const pin of pins) {
      opened.backend.write(pin, 0);
      opened.backend.setMode(pin, "out");
    }
    pwm?.close(); // off, and its files closed
  } finally {
    opened.backend.close();
  }
  return pins;
}
