/**
 * @module The motors on the twin: full drive sets the H-bridge inputs the profile names, half drive shows PWM in the
 * latch, the dead-man stop drops every motor pin after the last command, and `/?rt` reports the engine running.
 * The drive is held by re-sending it (as the car page does), so the dead-man time never races the host's reads.
 */
import { FSEL_OUTPUT, type GpioSnapshot } from "./gpio-registers.ts";
import { httpOf, lineOf, shellJson } from "./guest.ts";
import { levelCounts, PINS, type TwinContext } from "./twin-context.ts";

/** The requirement: the pins follow a drive command within this (emulator time: a starved QEMU does not count). */
const DRIVE_WITHIN_MS = 1_000;
/** Reads that must all show the motor pins low once they went low (a stop, not a PWM gap). */
const STAYS_LOW_READS = 10;

export async function driveChecks(t: TwinContext): Promise<void> {
  const { left, right } = PINS;
  await t.report.guard(t.name("motors full"), async () => {
    const body = { left: 1, right: -1 };
    const answer = httpOf(await t.guest.run(`hold motors ${shellJson(body)}`));
    const w = await t.waitFor(
      (s) => s.isOutputAt(left.in1, 1) && s.isOutputAt(left.in2, 0) && s.isOutputAt(right.in1, 0) && s.isOutputAt(right.in2, 1),
    );
    const inTime = w.met && w.emulatorMs <= DRIVE_WITHIN_MS;
    const late = inTime ? "" : ` (over ${DRIVE_WITHIN_MS} ms: ${w.waited})`;
    const when = w.met ? `seen ${Math.round(w.emulatorMs)} ms after the answer${late}` : `not within ${w.waited}`;
    const pins = `left IN1 ${left.in1} high, IN2 ${left.in2} low; right IN1 ${right.in1} low, IN2 ${right.in2} high`;
    t.report.check(
      t.name(`POST /?motors ${JSON.stringify(body)}: within 1 s ${pins}`),
      answer.status === 200 && inTime,
      `HTTP ${answer.status}; ${when}; ${w.last.pins(PINS.motors)}; ${w.last}`,
    );
  });

  await t.report.guard(t.name("motors half"), async () => {
    const body = { left: 0.5, right: 0.5 };
    const answer = httpOf(await t.guest.run(`hold motors ${shellJson(body)}`));
    // forward: IN2 low, the PWM on IN1 (src/engine/channels.ts); the reversal of the right motor coasts 20 ms first
    const isOut = (s: GpioSnapshot, p: number) => s.fsel(p) === FSEL_OUTPUT;
    const started = await t.waitFor((s) => s.isOutputAt(right.in2, 0) && isOut(s, left.in1) && isOut(s, right.in1));
    const { samples } = await t.sample();
    const l = levelCounts(samples, left.in1);
    const r = levelCounts(samples, right.in1);
    const in2Low = samples.every((s) => s.level(left.in2) === 0 && s.level(right.in2) === 0);
    const pwm = l.high > 0 && l.low > 0 && r.high > 0 && r.low > 0;
    const in2 = `IN2 ${left.in2}/${right.in2} ${in2Low ? "low throughout" : "not always low"}`;
    const what = `${samples.length} reads show both levels on IN1 ${left.in1} and ${right.in1}, IN2 low`;
    t.report.check(
      t.name(`POST /?motors ${JSON.stringify(body)}: ${what}`),
      answer.status === 200 && started.met && pwm && in2Low,
      `HTTP ${answer.status}; pin ${l.text}; pin ${r.text}; ${in2}; last ${samples.at(-1)}`,
    );
  });

  await t.report.guard(t.name("dead-man stop"), async () => {
    // full drive: the pins are steadily high (a PWM'd pin reads low half the time), then no command at all
    const full = { left: 1, right: -1 };
    await t.guest.run(`hold motors ${shellJson(full)}`);
    const driven = await t.waitFor((s) => s.level(left.in1) === 1 && s.level(right.in2) === 1);
    const released = lineOf(await t.guest.run("release"), "RELEASED");
    const w = await t.waitFor((s) => PINS.motors.every((p) => s.level(p) === 0));
    const stays = w.met && (await t.sample(STAYS_LOW_READS)).samples.every((s) => PINS.motors.every((p) => s.level(p) === 0));
    // guest clock: the last answered drive, and a moment after the host saw the pins low (an upper bound of the stop)
    const lastPost = Number(/last-post=([\d.]+)/.exec(released)?.[1]);
    const lowBy = Number(lineOf(await t.guest.run("now"), "UP"));
    const after =
      Number.isFinite(lastPost) && Number.isFinite(lowBy)
        ? `low by ${(lowBy - lastPost).toFixed(2)} s after the last answered drive (guest clock)`
        : `guest: ${released}`;
    const stop = w.met
      ? `${after}, ${stays ? "and stayed low" : "but not for long"}`
      : `still ${w.last.pins(PINS.motors)} after ${w.waited}`;
    t.report.check(
      t.name("no command after a drive: every motor pin low after the dead-man time (HTTAP_DEADMAN_MS 500)"),
      driven.met && w.met && stays,
      `${driven.met ? "driven" : "never driven"} ${driven.last.pins(PINS.motors)}; ${stop}; ${w.last}`,
    );
  });

  await t.report.guard(t.name("/?rt"), async () => {
    const answer = httpOf(await t.guest.run("http rt"));
    // the guest prints the first 600 bytes of a body, and /?rt is longer: its first field is read where it stands
    const engine = /^\{"engine":"([^"]*)"/.exec(answer.body)?.[1] ?? "(no engine field)";
    t.report.check(
      t.name("GET /?rt reports the engine running"),
      answer.status === 200 && engine === "running",
      `HTTP ${answer.status}; engine "${engine}"; ${answer.body.slice(0, 200)}`,
    );
  });
}
