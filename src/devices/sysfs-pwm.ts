/**
 * @module Hardware PWM through sysfs (issue 7; the kernel's Documentation/driver-api/pwm.rst, "Using PWMs with the
 * sysfs interface"): `<root>/pwmchipN/export` takes a channel number and creates `pwmchipN/pwmM/` with `period`
 * and `duty_cycle` in nanoseconds and `enable` (0/1). The root is configurable (HTTAP_PWM_SYSFS) so tests point
 * it at a temporary tree and read back what was written. Used for the speaker where the board has the overlay.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export class SysfsPwm {
  readonly #dir: string;
  #period = 0;

  private constructor(dir: string) {
    this.#dir = dir;
  }

  /** The channel, exported if it is not yet; null when the chip does not exist (no overlay: use the engine). */
  static open(root: string, chip: number, channel: number): SysfsPwm | null {
    const chipDir = join(root, `pwmchip${chip}`);
    if (!existsSync(chipDir)) return null;
    const dir = join(chipDir, `pwm${channel}`);
    if (!existsSync(dir)) writeFileSync(join(chipDir, "export"), String(channel));
    if (!existsSync(dir)) throw new Error(`${join(chipDir, "export")} did not create ${dir}`);
    const pwm = new SysfsPwm(dir);
    pwm.off();
    return pwm;
  }

  get path(): string {
    return this.#dir;
  }

  /** A square wave at `hz` (50% duty), on. */
  tone(hz: number): void {
    const period = Math.round(1e9 / hz);
    // duty_cycle may never exceed period: lower it first, then move the period, then set the duty
    this.#write("duty_cycle", 0);
    if (period !== this.#period) { this.#write("period", period); this.#period = period; }
    this.#write("duty_cycle", Math.round(period / 2));
    this.#write("enable", 1);
  }

  /** Output off: the pin idles low. */
  off(): void {
    this.#write("enable", 0);
  }

  /** What sysfs holds now (for tests and `/?speaker`). */
  read(file: "period" | "duty_cycle" | "enable"): number {
    return Number(readFileSync(join(this.#dir, file), "utf8").trim());
  }

  #write(file: string, value: number): void {
    writeFileSync(join(this.#dir, file), String(value));
  }
}
