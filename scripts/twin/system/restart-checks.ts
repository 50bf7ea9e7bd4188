/**
 * @module The unit's ways out while the car drives (issue 19): `systemctl kill -s KILL httap`, which no code of the
 * firmware sees, then `ExecStopPost=httap --safe-state` and `Restart=always`; and `systemctl stop`. The GPIO registers
 * are read through the monitor; on the character device a released line reads as an input, so "not driven high"
 * (an output at 0, or released) is the safe level, as in the SoC twin's exit checks. Times are figures, not verdicts:
 * each wait is a hang guard.
 */
import { lineOf, linesOf, shellJson } from "../guest.ts";
import { notDrivenHigh, PINS, type Waited } from "../twin-context.ts";
import { afterSeconds, boardAtRest, type SystemContext } from "./system-context.ts";

const DRIVE = { left: 1, right: -1 } as const;
/** How `systemctl show -p ExecStopPost` says the last run of `httap --safe-state` ended well. */
const STOP_POST_OK = /^code=exited ; status=0(\/0)?$/;
/** Hang guard for the service to be back and serving, in emulator time: RestartSec=1 plus a start on an emulated A53. */
const BACK_TIMEOUT_MS = 300_000;

/** The car driving (the motor pins seen in the hold), or null when it never did: the check `name` then fails, not carried out. */
async function driving(c: SystemContext, name: string): Promise<Waited | null> {
  await c.guest.run(`hold motors ${shellJson(DRIVE)}`);
  const drive = await c.twin.waitFor((s) => s.level(PINS.left.in1) === 1 && s.level(PINS.right.in2) === 1);
  if (drive.met) return drive;
  await c.guest.run("release");
  c.report.fail(name, `not carried out: the motors never showed the drive (${drive.last.pins(PINS.outputs)})`);
  return null;
}

/** "ActiveState=active SubState=running … NRestarts=1" → the values by name. */
export function serviceFields(line: string): Map<string, string> {
  return new Map(line.split(/\s+/).flatMap((w) => (w.includes("=") ? [[w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]] : [])));
}

export async function killCheck(c: SystemContext): Promise<void> {
  const name = "system: systemctl kill -s KILL while driving: ExecStopPost= --safe-state, the motors stopped, the service back";
  await c.report.guard(name, async () => {
    const before = serviceFields(lineOf(await c.guest.run("service"), "SERVICE"));
    const drive = await driving(c, name);
    if (drive === null) return;
    const r = await c.guest.run(
      "KS=$(date +%s); OLD=$(pid_of); T0=$(up); systemctl kill -s KILL httap; release; wait_serving $OLD $T0; service; journal_since $KS",
      BACK_TIMEOUT_MS,
    );
    const after = await c.machine.readGpio();
    const now = serviceFields(lineOf(r, "SERVICE"));
    const active = lineOf(r, "ACTIVE");
    const serving = lineOf(r, "SERVING");
    const restarts = Number(now.get("NRestarts")) - Number(before.get("NRestarts"));
    // ExecStopPost='s own words (stdout and stderr go to the journal); systemd says "Control process exited" when it failed
    const journal = linesOf(r, "JOURNAL");
    const safe = journal.find((l) => /safe state: GPIO/.test(l)) ?? "";
    const failures = journal.filter((l) => /Control process exited/.test(l) || (/--safe-state:/.test(l) && !/driven low instead/.test(l)));
    c.figures.push(`kill -9 to active ${afterSeconds(active)} s, to serving ${afterSeconds(serving)} s (guest clock)`);
    c.report.check(
      name,
      safe !== "" && failures.length === 0 && restarts === 1 && now.get("ActiveState") === "active" && notDrivenHigh(after),
      `pid ${before.get("MainPID")} → ${now.get("MainPID")}, NRestarts +${restarts}; ExecStopPost said "${safe || "(nothing)"}"` +
        `${failures.length > 0 ? `; ${failures.join(" | ")}` : ""}; active after ${afterSeconds(active)} s, serving after ` +
        `${afterSeconds(serving)} s (RestartSec=1); before ${drive.last.pins(PINS.motors)}; after ${after.pins(PINS.outputs)}; ${after}`,
    );
  });
}

export async function stopCheck(c: SystemContext): Promise<void> {
  const name = "system: systemctl stop while driving: exit 0, ExecStopPost= ok, no output driven high";
  await c.report.guard(name, async () => {
    const drive = await driving(c, name);
    if (drive === null) return;
    const r = await c.guest.run(
      "KS=$(date +%s); T0=$(up); systemctl stop httap; release; say STOPPED after=$(since $T0)s; service; stop_post; journal_since $KS",
    );
    const after = await c.machine.readGpio();
    const state = serviceFields(lineOf(r, "SERVICE"));
    const stopPost = lineOf(r, "STOPPOST");
    c.report.check(
      name,
      state.get("ActiveState") === "inactive" &&
        state.get("Result") === "success" &&
        state.get("ExecMainStatus") === "0" &&
        STOP_POST_OK.test(stopPost) &&
        notDrivenHigh(after),
      `${lineOf(r, "SERVICE")}; ExecStopPost ${stopPost || "(none)"}; stop took ${afterSeconds(lineOf(r, "STOPPED"))} s; ` +
        `before ${drive.last.pins(PINS.motors)}; after ${after.pins(PINS.outputs)}; ${after}`,
    );
    const started = await c.guest.run("T0=$(up); systemctl start httap; wait_serving 0 $T0", BACK_TIMEOUT_MS);
    const s = await c.machine.readGpio();
    c.report.check(
      "system: systemctl start after the stop: serving again, the board at rest",
      lineOf(started, "SERVING") !== "" && boardAtRest(s),
      `serving after ${afterSeconds(lineOf(started, "SERVING"))} s; ${s.pins(PINS.outputs)}`,
    );
  });
}

/**
 * `httap --safe-state` when the speaker's PWM is refused to the unit (the udev rule's group write taken back): before
 * issue 19 it gave up before any pin, so after a kill -9 on the register backend the motors kept running.
 */
export async function pwmRefusedCheck(c: SystemContext): Promise<void> {
  const name = "system: --safe-state with the speaker's PWM refused still drives every pin low and exits 0";
  await c.report.guard(name, async () => {
    const files = "/sys/class/pwm/pwmchip0/export /sys/class/pwm/pwmchip0/pwm0/{period,duty_cycle,enable}";
    if ((await driving(c, name)) === null) return;
    const r = await c.guest.run(`chmod g-w ${files}; KS=$(date +%s); systemctl stop httap; release; stop_post; journal_since $KS`);
    const after = await c.machine.readGpio();
    await c.guest.run(`chmod g+w ${files}; T0=$(up); systemctl start httap; wait_serving 0 $T0`, BACK_TIMEOUT_MS);
    const stopPost = lineOf(r, "STOPPOST");
    const journal = linesOf(r, "JOURNAL");
    const warned = journal.find((l) => /hardware PWM unusable/.test(l)) ?? "";
    const safe = journal.find((l) => /safe state: GPIO/.test(l)) ?? "";
    c.report.check(
      name,
      STOP_POST_OK.test(stopPost) && warned !== "" && new RegExp(`\\b${PINS.speaker}\\b`).test(safe) && notDrivenHigh(after),
      `ExecStopPost ${stopPost || "(none)"}; "${warned.slice(0, 160)}"; "${safe}"; after ${after.pins(PINS.outputs)}`,
    );
  });
}
