/**
 * @module Hardware PWM through sysfs (issue 7; the kernel's Documentation/driver-api/pwm.rst, "Using PWMs with the
 * sysfs interface"): `<root>/pwmchipN/export` takes a channel number and creates `pwmchipN/pwmM/` with `period`
 * and `duty_cycle` in nanoseconds and `enable` (0/1). The root is configurable (HTTAP_PWM_SYSFS) so tests point
 * it at a temporary tree and read back what was written. Used for the speaker where the board has the overlay.
 *
 * The three files are opened once, at start, and kept open (issue 9): after the sandbox's chroot no path under
 * /sys exists any more, but an open descriptor still reaches the attribute. Each value is written whole at offset 0
 * (a sysfs attribute takes one value per write), after truncating: a no-op on sysfs, and right for the plain files
 * of a test tree.
 */
import { nodeFs, nodePath } from "../os/node-builtins.ts";

type PwmFile = "period" | "duty_cycle" | "enable";
const FILES: readonly PwmFile[] = ["period", "duty_cycle", "enable"];
/** The period a fresh channel gets before it is switched off (1 kHz; any non-zero period will do). */
const IDLE_PERIOD_NS = 1_000_000;

export class SysfsPwm {
  readonly #dir: string;
  readonly #fds: Record<PwmFile, number>;
  #period = 0;
  #isOpen = true;

  private constructor(dir: string, fds: Record<PwmFile, number>) {
    this.#dir = dir;
    this.#fds = fds;
  }

  /** The channel, exported if it is not yet; null when the chip does not exist (no overlay: use the engine). */
  static open(root: string, chip: number, channel: number): SysfsPwm | null {
    const { closeSync, existsSync, openSync, writeFileSync } = nodeFs();
    const { join } = nodePath();
    const chipDir = join(root, `pwmchip${chip}`);
    if (!existsSync(chipDir)) return null;
    const dir = join(chipDir, `pwm${channel}`);
    if (!existsSync(dir)) writeFileSync(join(chipDir, "export"), String(channel));
    if (!existsSync(dir)) throw new Error(`${join(chipDir, "export")} did not create ${dir}`);
    const fds: Partial<Record<PwmFile, number>> = {};
    try {
      for (const file of FILES) fds[file] = openSync(join(dir, file), "r+");
    } catch (error) {
      for (const fd of Object.values(fds)) closeSync(fd);
      throw error;
    }
    const pwm = new SysfsPwm(dir, fds as Record<PwmFile, number>);
    // issue 19: a channel never used has period 0, and the kernel refuses any state with period 0, even "off" (Linux 6.1
    // pwm_apply_state: EINVAL; found by the system twin): give it a period first
    if (pwm.read("period") === 0) {
      pwm.#write("period", IDLE_PERIOD_NS);
      pwm.#period = IDLE_PERIOD_NS;
    }
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
    if (period !== this.#period) {
      this.#write("period", period);
      this.#period = period;
    }
    this.#write("duty_cycle", Math.round(period / 2));
    this.#write("enable", 1);
  }

  /** Output off: the pin idles low. */
  off(): void {
    this.#write("enable", 0);
  }

  /** What sysfs holds now (for tests and `/?speaker`). */
  read(file: PwmFile): number {
    const bytes = Buffer.alloc(32);
    const n = nodeFs().readSync(this.#fds[file], bytes, 0, bytes.length, 0);
    return Number(bytes.toString("latin1", 0, n).trim());
  }

  /** Off, then the files closed (the channel stays exported, as the kernel keeps it between runs). */
  close(): void {
    if (!this.#isOpen) return;
    this.off();
    this.#isOpen = false;
    for (const fd of Object.values(this.#fds)) nodeFs().closeSync(fd);
  }

  #write(file: PwmFile, value: number): void {
    if (!this.#isOpen) return;
    const fd = this.#fds[file];
    nodeFs().ftruncateSync(fd, 0);
    nodeFs().writeSync(fd, String(value), 0);
  }
}
