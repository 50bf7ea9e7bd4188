/**
 * @module The Code page (issue 20) in Debian's headless Chromium against the real server on the simulator; the pins
 * are read from the simulator file's edge log. A program built through Blockly's API runs on the board in order and
 * for about the times it says (±300 ms: a generous bound, not a figure); Stop ends a forever loop with the motors
 * low within 1 s while the page stays responsive (a click is handled during `while (true) {}` and during a forever
 * block without a wait); an exception highlights its block and stops the motors; a syntax error is marked and
 * nothing runs; a tab that dies mid-program is caught by the device's dead-man stop; while another host drives,
 * the program runs on the virtual car and sends the device nothing, and when the turn comes it runs on the real car.
 * Every wait is for a condition, up to WAIT_MS.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { monotonicNs } from "../src/os/libc.ts";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { block, clickIsHandled, generatedCode, javascriptMode, loadBlocks, openCode, output } from "./support/code-page.ts";
import { fromAna } from "./support/relay.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { MOTOR_PINS, SimPins } from "./support/sim-pins.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-code-"));
const SHOTS = resolve(import.meta.dir, "../.test-output/screenshots");
const SPEAKER_PIN = 12;
const DEADMAN_MS = 1000;
let server: RunningServer;
let chrome: RunningBrowser;
let sim: SimPins;

beforeAll(async () => {
  server = await startServer({
    HTTAP_GPIO: "sim",
    HTTAP_SIM_FILE: join(dir, "sim.bin"),
    HTTAP_STATE_DIR: join(dir, "state"),
    HTTAP_DEADMAN_MS: String(DEADMAN_MS),
  });
  sim = new SimPins(join(dir, "sim.bin"));
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  sim?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const queue = async () => (await (await fetch(`http://127.0.0.1:${server.port}/?queue`)).json()) as { owned: boolean };

describe("code.html", () => {
  test("blocks built through Blockly's API run on the board: motors, speaker, turn, each about as long as it says", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await openCode(context, server.port);
      expect((await queue()).owned).toBe(false); // opening the page took nothing
      const turn = block("car_move", { SECONDS: 0.5 }, { HOW: "turnRight" }, block("car_stop"));
      const tone = block("sound_tone", { HZ: 440, MS: 300 }, {}, turn);
      await loadBlocks(page, [{ ...block("car_move", { SECONDS: 1 }, { HOW: "forward" }, tone), x: 20, y: 20 }]);
      const program = "car.forward(1);\nspeaker.tone(440, 300);\ncar.turnRight(0.5);\ncar.stop();\n";
      expect(await generatedCode(page, (text) => text === program)).toBe(program);
      const from = sim.edgeCount();
      await page.getByRole("button", { name: "Run" }).click();
      await page.getByText("Done on the real car.").waitFor({ timeout: WAIT_MS });
      expect(await sim.motorsStopped()).toBe(true);
      const edges = sim.edgesSince(from);
      const motors = edges.filter((e) => MOTOR_PINS.includes(e.pin));
      const speaker = edges.filter((e) => e.pin === SPEAKER_PIN);
      expect(speaker.length).toBeGreaterThan(100); // 300 ms of 440 Hz
      const ms = (a: bigint, b: bigint) => Number(b - a) / 1e6;
      const toneFrom = speaker[0].ns;
      const toneTo = speaker.at(-1)!.ns;
      const forward = motors.filter((e) => e.ns < toneFrom);
      // the turn begins once the page's 300 ms are over, which may be before the tone's last edge on a loaded
      // machine: the turn is what comes from the first wheel that rises after the tone began
      const turnFrom = motors.find((e) => e.ns > toneFrom && e.level === 1)?.ns ?? toneTo;
      const turning = motors.filter((e) => e.ns >= turnFrom);
      // forward: IN1 of both motors (5, 23); the right turn: the left ahead (5), the right back (24)
      expect(
        forward
          .filter((e) => e.level === 1)
          .map((e) => e.pin)
          .sort(),
      ).toEqual([23, 5]);
      expect(
        turning
          .filter((e) => e.level === 1)
          .map((e) => e.pin)
          .sort(),
      ).toEqual([24, 5]);
      const phases = {
        forward: ms(forward[0].ns, forward.at(-1)!.ns),
        tone: ms(toneFrom, toneTo),
        turn: ms(turning[0].ns, turning.at(-1)!.ns),
      };
      console.log(
        `code.html phases (ms): forward ${phases.forward.toFixed(0)}, tone ${phases.tone.toFixed(0)}, turn ${phases.turn.toFixed(0)}`,
      );
      expect(Math.abs(phases.forward - 1000)).toBeLessThanOrEqual(300);
      expect(Math.abs(phases.tone - 300)).toBeLessThanOrEqual(300);
      expect(Math.abs(phases.turn - 500)).toBeLessThanOrEqual(300);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("Stop ends a forever loop (block without a wait, `while (true) {}`): clicks handled, motors low within 1 s", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await openCode(context, server.port);
      const drive = block("car_drive", { LEFT: 100, RIGHT: 100 });
      await loadBlocks(page, [{ type: "control_forever", inputs: { DO: { block: drive } } }]);
      const figures: number[] = [];
      const stopAndMeasure = async () => {
        expect(await clickIsHandled(page)).toBe(true);
        const from = sim.edgeCount();
        const at = monotonicNs();
        await page.getByRole("button", { name: "Stop" }).click();
        expect(await sim.motorsStopped()).toBe(true);
        const falls = sim.edgesSince(from).filter((e) => MOTOR_PINS.includes(e.pin) && e.level === 0);
        const ms = falls.length === 0 ? 0 : Number(falls.at(-1)!.ns - at) / 1e6;
        figures.push(ms);
        expect(ms).toBeLessThanOrEqual(1000);
        await page.getByText("Stopped.").waitFor({ timeout: WAIT_MS });
      };
      await page.getByRole("button", { name: "Run" }).click();
      expect(await waitFor(sim.motorsHigh)).toBe(true);
      await stopAndMeasure();
      await javascriptMode(page, "car.drive(100, 100);\nwhile (true) {}\n");
      await page.getByRole("button", { name: "Run" }).click();
      expect(await waitFor(sim.motorsHigh)).toBe(true);
      await stopAndMeasure();
      console.log(`code.html Stop to motors low (ms): blocks ${figures[0].toFixed(0)}, while (true) {} ${figures[1].toFixed(0)}`);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("an unknown LED name highlights its block, names it and stops the motors; a syntax error is marked and nothing runs", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await openCode(context, server.port);
      const led = { type: "leds_set", fields: { ON: "true" }, inputs: { NAME: { block: { type: "text", fields: { TEXT: "purple" } } } } };
      const wait = block("control_wait", { SECONDS: 0.3 }, {}, led);
      await loadBlocks(page, [block("car_drive", { LEFT: 100, RIGHT: 100 }, {}, wait)]);
      const ledId = (await page.evaluate('codePage.workspace.getAllBlocks(false).find((b) => b.type === "leds_set").id')) as string;
      await page.getByRole("button", { name: "Run" }).click();
      await page.locator('#output[data-kind="error"]').waitFor({ timeout: WAIT_MS });
      expect(await output(page)).toContain("Error in the block “set LED");
      expect(await output(page)).toContain('there is no LED named "purple": this board has status');
      expect(await page.evaluate("document.documentElement.dataset.errorBlock")).toBe(ledId);
      // highlighted (selected, with its warning) in the workspace
      const classes = `codePage.workspace.getBlockById(${JSON.stringify(ledId)}).getSvgRoot().classList`;
      expect(await page.evaluate(`${classes}.contains("blocklyHighlighted") && ${classes}.contains("blocklySelected")`)).toBe(true);
      expect(await page.evaluate(`codePage.workspace.getBlockById(${JSON.stringify(ledId)}).getIcon("warning") !== undefined`)).toBe(true);
      expect(await sim.motorsStopped()).toBe(true);

      const motorPosts: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && /\/\?(motors|speaker|leds)$/.test(r.url())) motorPosts.push(r.url());
      });
      await javascriptMode(page, "car.drive(100, 100\nwait(500);\n");
      const from = sim.edgeCount();
      await page.getByRole("button", { name: "Run" }).click();
      await page.getByText(/Syntax error, line 2.*Nothing ran\./).waitFor({ timeout: WAIT_MS });
      await page.locator("#js .cm-lintRange-error").first().waitFor({ timeout: WAIT_MS }); // marked in the editor
      await page.locator("#js .cm-lint-marker-error").first().waitFor({ timeout: WAIT_MS }); // and in the gutter
      await Bun.sleep(300);
      expect(motorPosts).toEqual([]);
      expect(sim.edgesSince(from).filter((e) => MOTOR_PINS.includes(e.pin))).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("save on the device from the page, open it again in a fresh page, export through /?loopback", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await openCode(context, server.port);
      await loadBlocks(page, [block("car_move", { SECONDS: 0.2 }, { HOW: "backward" }, block("sound_tone", { HZ: 523, MS: 100 }))]);
      await page.locator("#program-name").fill("My Dance!");
      expect(await page.locator("#program-name").inputValue()).toBe("my-dance"); // names as the device takes them
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByText("Saved “my-dance” on the device.").waitFor({ timeout: WAIT_MS });
      const saved = (await (await fetch(`http://127.0.0.1:${server.port}/?programs?name=my-dance`)).json()) as { code: string };
      expect(saved.code).toBe("car.backward(0.2);\nspeaker.tone(523, 100);\n");
      await page.close();
      const again = await openCode(context, server.port);
      await loadBlocks(again.page, []); // the draft this browser kept is gone: what comes back comes from the device
      const empty = "// Drag blocks from the toolbox to start.";
      expect(await generatedCode(again.page, (text) => text === empty)).toBe(empty);
      await again.page.locator("#program-list").selectOption("my-dance");
      await again.page.getByRole("button", { name: "Open" }).click();
      await again.page.getByText("Opened “my-dance”.").waitFor({ timeout: WAIT_MS });
      expect(await generatedCode(again.page, (text) => text === saved.code)).toBe(saved.code);
      // export: the device is ours after a run, so the file comes back through /?loopback
      await again.page.getByRole("button", { name: "Run" }).click();
      await again.page.getByText("Done on the real car.").waitFor({ timeout: WAIT_MS });
      const loopback = again.page.waitForRequest((r) => r.url().includes("/?loopback?name=my-dance.httap.json"));
      const download = again.page.waitForEvent("download");
      await again.page.getByRole("button", { name: "Export" }).click();
      await loopback;
      const file = await download;
      expect(file.suggestedFilename()).toBe("my-dance.httap.json");
      const exported = JSON.parse(await Bun.file((await file.path()) as string).text()) as { name: string; mode: string; code: string };
      expect(exported).toMatchObject({ name: "my-dance", mode: "blocks", code: saved.code });
      expect([...errors, ...again.errors]).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("a tab that dies mid-program: the device's dead-man stop brings the motors low within the dead-man time + 1 s", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page } = await openCode(context, server.port);
      await javascriptMode(page, "while (true) {\n  car.drive(60, 60);\n  wait(100);\n}\n");
      await page.getByRole("button", { name: "Run" }).click();
      expect(await waitFor(sim.motorsHigh)).toBe(true);
      await Bun.sleep(2 * DEADMAN_MS); // the page's re-sends keep the car going past its dead-man time
      expect(sim.motorsHigh() || (await waitFor(sim.motorsHigh, 500))).toBe(true);
      const cdp = await context.newCDPSession(page);
      const from = sim.edgeCount();
      const at = monotonicNs();
      // the renderer dies: no pagehide, no last request (the call itself gets no answer from a dead page)
      await Promise.race([cdp.send("Page.crash").catch(() => {}), Bun.sleep(500)]);
      expect(await sim.motorsStopped()).toBe(true);
      const falls = sim.edgesSince(from).filter((e) => MOTOR_PINS.includes(e.pin) && e.level === 0);
      const ms = Number(falls.at(-1)!.ns - at) / 1e6;
      console.log(`code.html tab crash to motors low: ${ms.toFixed(0)} ms (dead-man ${DEADMAN_MS} ms)`);
      expect(ms).toBeLessThanOrEqual(DEADMAN_MS + 1000);
      const motors = (await (await fetch(`http://127.0.0.1:${server.port}/?motors`)).json()) as { lastStop: unknown };
      expect(JSON.stringify(motors.lastStop)).toContain("deadman");
    } finally {
      await Promise.race([context.close().catch(() => {}), Bun.sleep(5000)]);
    }
  }, 60_000);
});

describe("code.html while someone else drives", () => {
  test("the program runs on the virtual car, sends the device nothing, and runs on the real car when the turn comes", async () => {
    const otherFile = join(dir, "other.bin");
    const other = await startServer({
      HTTAP_GPIO: "sim",
      HTTAP_SIM_FILE: otherFile,
      HTTAP_STATE_DIR: join(dir, "other"),
      HTTAP_KEEPALIVE: "200",
    });
    const otherSim = new SimPins(otherFile);
    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    try {
      expect(await fromAna(other.port, "POST", "/?claim", '{"name":"Ana"}')).toContain("200 OK");
      const { page, errors } = await openCode(context, other.port);
      const commands: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && /\/\?(motors|speaker|leds|sim|gpio)$/.test(r.url())) commands.push(r.url());
      });
      await page.waitForFunction("document.documentElement.dataset.turn === 'other'", null, { timeout: WAIT_MS });
      const turn = block("car_move", { SECONDS: 0.5 }, { HOW: "turnLeft" }, block("sound_tone", { HZ: 660, MS: 200 }));
      await loadBlocks(page, [block("car_move", { SECONDS: 0.8 }, { HOW: "forward" }, turn)]);
      const edgesBefore = otherSim.edgeCount();
      await page.getByRole("button", { name: "Run" }).click();
      await page.getByText(/Ana is driving the real car, so your program runs on the virtual car/).waitFor({ timeout: WAIT_MS });
      await page.getByText("Done on the virtual car.").waitFor({ timeout: WAIT_MS });
      await page.locator("#vcar").screenshot({ path: join(SHOTS, "code-390x844-light-virtual-car.png") });
      const car = (await page.evaluate("({ ...document.getElementById('vcar').dataset })")) as Record<string, string>;
      expect(Number(car.y)).toBeLessThan(130 - 50); // it went up the arena (forward from the middle, facing up)
      expect(Number(car.heading)).toBeGreaterThan(200); // then turned left, about a quarter turn
      expect(Number(car.heading)).toBeLessThan(340);
      expect(commands).toEqual([]); // no device command left the page
      expect(otherSim.edgeCount()).toBe(edgesBefore); // and the board did not move
      const stats = (await (await fetch(`http://127.0.0.1:${other.port}/?motors`)).json()) as { left: number; right: number };
      expect(stats).toMatchObject({ left: 0, right: 0 });
      // Ana gives the car back: the page's turn comes (it is in line since Run) and the same program runs on the real car
      await fromAna(other.port, "POST", "/?queue", '{"leave":true}');
      await page.getByText("Done on the real car.").waitFor({ timeout: WAIT_MS });
      const real = otherSim.edgesSince(edgesBefore);
      expect(real.some((e) => e.pin === 5 && e.level === 1)).toBe(true);
      expect(real.some((e) => e.pin === SPEAKER_PIN)).toBe(true);
      expect(commands.length).toBeGreaterThan(0);
      // the browser logs the answer the client expects while in line: busy, a 503 by the protocol
      expect(errors.filter((e) => !/status of 503/.test(e))).toEqual([]);
    } finally {
      await context.close();
      otherSim.close();
      await other.stop();
    }
  }, 60_000);
});
