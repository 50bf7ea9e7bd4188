/**
 * @module Bench (issues 20, 21): the figures the tests only bound. The Code page in Chromium runs a program built
 * through Blockly's API (forward 1 s, a 440 Hz tone for 300 ms, a right turn for 0.5 s, stop) on the simulated board:
 * each phase's length from the edge log, against what the program says; and Stop in a forever loop to the motors
 * low. The leader's page: STOP ALL clicked while a participant drives, to the motors low (one car: the page sends
 * to every car at once, so more cars add no round trip). Every figure is read from the simulator's edge log, on the
 * same monotonic clock as the click.
 */
import { monotonicNs } from "../../src/os/libc.ts";
import { launchChromium } from "../../test/support/browser.ts";
import { block, codeReady, loadBlocks } from "../../test/support/code-page.ts";
import { MOTOR_PINS, SimPins } from "../../test/support/sim-pins.ts";
import { median } from "./load-generator.ts";
import type { Server } from "./servers.ts";

const SPEAKER_PIN = 12;
const RUNS = 3;
const WAIT_MS = 20_000;

export interface CodeFigures {
  /** Median |measured − asked| per phase (ms). */
  readonly forwardDriftMs: number;
  readonly toneDriftMs: number;
  readonly turnDriftMs: number;
  /** Median Stop-to-motors-low in a forever block without a wait (ms). */
  readonly stopMs: number;
}

const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;

export async function codePhases(server: Server, simFile: string): Promise<CodeFigures> {
  const sim = new SimPins(simFile);
  const chrome = await launchChromium();
  try {
    const page = await (await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`http://127.0.0.1:${server.port}/code.html`);
    await codeReady(page);
    const drift = { forward: [] as number[], tone: [] as number[], turn: [] as number[], stop: [] as number[] };
    const turn = block("car_move", { SECONDS: 0.5 }, { HOW: "turnRight" }, block("car_stop"));
    const program = block("car_move", { SECONDS: 1 }, { HOW: "forward" }, block("sound_tone", { HZ: 440, MS: 300 }, {}, turn));
    for (let i = 0; i < RUNS; i++) {
      await loadBlocks(page, [{ ...program, x: 20, y: 20 }]);
      const from = sim.edgeCount();
      await page.getByRole("button", { name: "Run" }).click();
      await page.getByText("Done on the real car.").waitFor({ timeout: WAIT_MS });
      await sim.pinsStill([...MOTOR_PINS, SPEAKER_PIN], false); // still, whatever the level
      const edges = sim.edgesSince(from);
      const motors = edges.filter((e) => MOTOR_PINS.includes(e.pin));
      const speaker = edges.filter((e) => e.pin === SPEAKER_PIN);
      if (speaker.length === 0) continue;
      const forward = motors.filter((e) => e.ns < speaker[0].ns);
      // the turn may begin before the tone's last edge: it is what comes from the first wheel that rises after the tone began
      const turnFrom = motors.find((e) => e.ns > speaker[0].ns && e.level === 1)?.ns ?? speaker.at(-1)!.ns;
      const turning = motors.filter((e) => e.ns >= turnFrom);
      drift.forward.push(Math.abs(ms(forward[0].ns, forward.at(-1)!.ns) - 1000));
      drift.tone.push(Math.abs(ms(speaker[0].ns, speaker.at(-1)!.ns) - 300));
      drift.turn.push(Math.abs(ms(turning[0].ns, turning.at(-1)!.ns) - 500));
    }
    const forever = { type: "control_forever", inputs: { DO: { block: block("car_drive", { LEFT: 100, RIGHT: 100 }) } } };
    for (let i = 0; i < RUNS; i++) {
      await loadBlocks(page, [forever]);
      await page.getByRole("button", { name: "Run" }).click();
      const end = performance.now() + WAIT_MS;
      while (performance.now() < end && !sim.motorsHigh()) await Bun.sleep(20);
      await Bun.sleep(500);
      const from = sim.edgeCount();
      const at = monotonicNs();
      await page.getByRole("button", { name: "Stop" }).click();
      await sim.pinsStill(MOTOR_PINS, false); // still, whatever the level
      const last = sim
        .edgesSince(from)
        .filter((e) => MOTOR_PINS.includes(e.pin) && e.ns >= at)
        .at(-1);
      drift.stop.push(last === undefined ? 0 : ms(at, last.ns));
      await page.getByText("Stopped.").waitFor({ timeout: WAIT_MS });
    }
    await fetch(`http://127.0.0.1:${server.port}/?invalid`).catch(() => {});
    const shown = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");
    console.log(`bench: code.html drift (ms) forward ${shown(drift.forward)}, tone ${shown(drift.tone)}; stop ${shown(drift.stop)}`);
    return {
      forwardDriftMs: median(drift.forward),
      toneDriftMs: median(drift.tone),
      turnDriftMs: median(drift.turn),
      stopMs: median(drift.stop),
    };
  } finally {
    await chrome.close();
    sim.close();
  }
}

/** STOP ALL on the leader's page while a participant drives (held arrow key on the car page): click to motors low. */
export async function leaderStop(server: Server, simFile: string, pin: string): Promise<number> {
  const sim = new SimPins(simFile);
  const chrome = await launchChromium();
  const times: number[] = [];
  try {
    const driver = await (await chrome.browser.newContext()).newPage();
    await driver.goto(`http://127.0.0.1:${server.port}/car.html`);
    await driver.keyboard.press("ArrowUp"); // the first key asks for the car
    await driver.waitForSelector("text=Your turn", { timeout: WAIT_MS });
    const leader = await (await chrome.browser.newContext()).newPage();
    await leader.goto(`http://127.0.0.1:${server.port}/leader.html`);
    await leader.waitForSelector("[data-car]", { timeout: WAIT_MS });
    await leader.fill("#pin", pin);
    await leader.click("#login button");
    await leader.waitForFunction('document.getElementById("login-state").textContent.startsWith("logged in to 1")', undefined, {
      timeout: WAIT_MS,
    });
    for (let i = 0; i < RUNS; i++) {
      await driver.keyboard.down("ArrowUp"); // the throttle held: the page re-sends while it is down
      const end = performance.now() + WAIT_MS;
      while (performance.now() < end && !sim.motorsHigh()) await Bun.sleep(20);
      await Bun.sleep(500);
      const from = sim.edgeCount();
      const at = monotonicNs();
      await leader.click("#stop-all");
      await sim.pinsStill(MOTOR_PINS, false); // still, whatever the level
      const last = sim
        .edgesSince(from)
        .filter((e) => MOTOR_PINS.includes(e.pin) && e.ns >= at)
        .at(-1);
      times.push(last === undefined ? 0 : ms(at, last.ns));
      await driver.keyboard.up("ArrowUp");
      await leader.click("#resume-all");
      await Bun.sleep(500);
    }
    console.log(`bench: leader STOP ALL to motors low (ms): ${times.map((t) => t.toFixed(0)).join(", ")}`);
    return median(times);
  } finally {
    await chrome.close();
    sim.close();
  }
}
