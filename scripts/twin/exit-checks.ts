/**
 * @module The ways out, on the twin, each taken while the motors are driven and (SIGTERM) a tone plays: SIGTERM
 * exits 0 and leaves every output low; after `kill -9`, which no code of the firmware sees, `httap --safe-state`
 * does it from outside. With bcm the pins stay outputs at 0. With chardev the kernel returns a released line to
 * input (bcm2835_pmx_gpio_disable_free) and QEMU models no pulls, so "input" counts as not driven there.
 */
import type { GpioSnapshot } from "./gpio-registers.ts";
import { lineOf, shellJson } from "./guest.ts";
import { notDrivenHigh, outputsLow, PINS, type TwinContext, type Waited } from "./twin-context.ts";
import { serve } from "./start-checks.ts";

const DRIVE = { left: 1, right: -1 } as const;

/** Holds a full drive until the registers show it; the snapshot proves the pins were high before the exit. */
async function driving(t: TwinContext, withTone: boolean): Promise<Waited> {
  await t.guest.run(`hold motors ${shellJson(DRIVE)}`);
  if (withTone) await t.guest.run(`http speaker ${shellJson({ freq: 440, ms: 10000 })}`);
  return await t.waitFor((s) => s.level(PINS.left.in1) === 1 && s.level(PINS.right.in2) === 1);
}

/** The precondition of an exit check: an exit while nothing is driven proves nothing. */
const NOT_DRIVEN = "not carried out: the motors never showed the drive before the exit (see motors full)";

function safeFor(t: TwinContext): { holds: (s: GpioSnapshot) => boolean; words: string } {
  return t.backend === "bcm"
    ? { holds: (s) => outputsLow(s), words: "every output an output at 0" }
    : { holds: (s) => notDrivenHigh(s), words: "no output driven high (released lines read as input)" };
}

/** SIGTERM to the server the other checks used. */
export async function sigtermCheck(t: TwinContext): Promise<void> {
  await t.report.guard(t.name("SIGTERM"), async () => {
    const drive = await driving(t, true);
    const before = drive.last;
    if (!drive.met) {
      await t.guest.run("release");
      t.report.fail(t.name("SIGTERM while driving"), `${NOT_DRIVEN}; ${before.pins(PINS.outputs)}`);
      return;
    }
    const stopped = await t.guest.run("stop TERM");
    await t.guest.run("release");
    const status = lineOf(stopped, "EXIT");
    const after = await t.machine.readGpio();
    const safe = safeFor(t);
    const log = stopped.lines
      .filter((l) => l.startsWith("LOG "))
      .map((l) => l.slice(4))
      .slice(-3)
      .join(" | ");
    t.report.check(
      t.name(`SIGTERM while driving: exit status 0, then ${safe.words}`),
      status === "0" && safe.holds(after),
      `exit ${status}; before ${before.pins(PINS.outputs)}; after ${after.pins(PINS.outputs)}; ${after}` +
        (status === "0" ? "" : `; log: ${log}`),
    );
  });
}

/** A fresh server, driven, killed with SIGKILL, then `httap --safe-state`. */
export async function killCheck(t: TwinContext): Promise<void> {
  await t.report.guard(t.name("kill -9 and --safe-state"), async () => {
    if (!(await serve(t))) return;
    const drive = await driving(t, false);
    const before = drive.last;
    if (!drive.met) {
      await t.guest.run("release");
      t.report.fail(t.name("kill -9 while driving, then httap --safe-state"), `${NOT_DRIVEN}; ${before.pins(PINS.outputs)}`);
      return;
    }
    await t.guest.run("stop KILL");
    await t.guest.run("release");
    const killed = await t.machine.readGpio();
    const ran = await t.guest.run(`safe_state ${t.backend}`);
    const status = lineOf(ran, "SAFESTATE");
    const after = await t.machine.readGpio();
    const safe = safeFor(t);
    const log = ran.lines
      .filter((l) => l.startsWith("LOG "))
      .map((l) => l.slice(4))
      .join(" | ");
    const said = log === "" ? "" : ` (${log.slice(0, 200)})`;
    const name = t.name(`kill -9 while driving, then httap --safe-state: exit status 0, ${safe.words}`);
    t.report.check(
      name,
      status === "0" && safe.holds(after),
      `before ${before.pins(PINS.outputs)}; after kill ${killed.pins(PINS.outputs)}; --safe-state exit ${status}${said}; ` +
        `after ${after.pins(PINS.outputs)}; ${after}`,
    );
  });
}
