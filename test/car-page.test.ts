/**
 * @module The car page in Debian's headless Chromium (issue 8): as a phone (390×844, touch) and a laptop (1280×800,
 * keys), against the real server on the simulator; the motor pins are read from the simulator file. No console
 * errors, every request 200/304, the first load within 60 KiB and 6 requests (the browser's own resource timing).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BrowserContext } from "playwright-core";
import { monotonicNs, type Mapping } from "../src/os/libc.ts";
import { attachSimFile } from "../src/gpio/sim-file.ts";
import { readEdges } from "../src/gpio/sim-layout.ts";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { firstLoad, openPage, type OpenedPage } from "./support/pages.ts";
import { startServer, type RunningServer } from "./support/server.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-car-"));
const SHOTS = resolve(import.meta.dir, "../.test-output/screenshots");
const simFile = join(dir, "sim.bin");
let server: RunningServer;
let chrome: RunningBrowser;
let map: Mapping;
const MOTOR_PINS = [5, 6, 23, 24];
const GPLEV0 = 0x34 / 4;
const level = (pin: number) => (Atomics.load(new Uint32Array(map.buffer), GPLEV0) >>> pin) & 1;
const motorLevels = () => MOTOR_PINS.map(level);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile });
  map = attachSimFile(simFile);
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  map?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the car page in a fresh context, collecting console errors and every response status. */
async function open(context: BrowserContext): Promise<OpenedPage> {
  const opened = await openPage(context, `http://127.0.0.1:${server.port}/car.html`);
  await opened.page.getByText("Ready: the car is yours.").waitFor({ timeout: 10_000 });
  return opened;
}

/** Waits (bounded) for `check`. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) { if (check()) return true; await Bun.sleep(5); }
  return check();
}

/** Motors stopped for good: every motor pin low and no motor edge for 60 ms (15 PWM periods at 250 Hz). */
async function stopped(ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const count = readEdges(map.buffer).count;
    await Bun.sleep(60);
    const quiet = readEdges(map.buffer, count).edges.every((e) => !MOTOR_PINS.includes(e.pin));
    if (quiet && motorLevels().every((l) => l === 0)) return true;
  }
  return false;
}

/** When the motors last went low after `since` (the coast), in ms after it, from the edge log. */
function coastAfter(from: number, since: bigint): number {
  const edges = readEdges(map.buffer, from).edges.filter((e) => MOTOR_PINS.includes(e.pin) && e.ns >= since);
  const lastHigh = edges.filter((e) => e.level === 1).at(-1);
  const falls = edges.filter((e) => e.level === 0 && (lastHigh === undefined || e.ns >= lastHigh.ns));
  return falls.length === 0 ? 0 : Number(falls.at(-1)!.ns - since) / 1e6;
}

describe("piano.html", () => {
  test("phone and laptop: a key press logs speaker edges, letting go silences it; a melody plays", async () => {
    for (const [name, options] of [["phone", { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true }], ["laptop", { viewport: { width: 1280, height: 800 } }]] as const) {
      const context = await chrome.browser.newContext(options);
      try {
        const { page, errors, statuses } = await openPage(context, `http://127.0.0.1:${server.port}/piano.html`);
        await page.getByText("Ready: the speaker is yours.").waitFor({ timeout: 10_000 });
        await page.screenshot({ path: join(SHOTS, `piano-${name}.png`) });
        let from = readEdges(map.buffer).count;
        const key = page.getByRole("button", { name: "A4", exact: true });
        await key.dispatchEvent("pointerdown", { pointerId: 1, bubbles: true });
        expect(await until(() => readEdges(map.buffer, from).edges.filter((e) => e.pin === 12).length > 40, 2000)).toBe(true);
        const tone = readEdges(map.buffer, from).edges.filter((e) => e.pin === 12 && e.level === 1);
        const periodMs = Number(tone.at(-1)!.ns - tone[0].ns) / 1e6 / (tone.length - 1);
        expect(Math.abs(periodMs - 1000 / 440)).toBeLessThan(0.1); // A4
        await key.dispatchEvent("pointerup", { pointerId: 1, bubbles: true });
        await Bun.sleep(150);
        const quiet = readEdges(map.buffer).count;
        await Bun.sleep(100);
        expect(readEdges(map.buffer, quiet).edges.filter((e) => e.pin === 12).length).toBe(0);
        from = readEdges(map.buffer).count;
        await page.getByRole("button", { name: "Twinkle twinkle" }).click();
        expect(await until(() => readEdges(map.buffer, from).edges.filter((e) => e.pin === 12).length > 100, 3000)).toBe(true);
        await page.getByRole("button", { name: "Stop" }).click();
        expect(errors).toEqual([]);
        expect(statuses.every((s) => s === 200 || s === 304)).toBe(true);
        const load = await firstLoad(page);
        expect(load.requests).toBeLessThanOrEqual(6);
        expect(load.bytes).toBeLessThanOrEqual(60 * 1024);
        await page.evaluate(() => fetch("/?invalid"));
      } finally {
        await context.close();
      }
    }
  }, 60_000);
});

describe("car.html", () => {
  test("phone: loads within budget, drives with touch on the joystick, stops within 100 ms of release", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true, deviceScaleFactor: 2 });
    try {
      const { page, errors, statuses } = await open(context);
      const load = await firstLoad(page);
      expect(load.requests).toBeLessThanOrEqual(6);
      expect(load.bytes).toBeLessThanOrEqual(60 * 1024);
      await page.screenshot({ path: join(SHOTS, "car-phone.png") });

      const box = (await page.locator("#pad").boundingBox())!;
      const cdp = await context.newCDPSession(page);
      const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
      const from = readEdges(map.buffer).count;
      await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x: cx, y: cy, id: 1 }] });
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x: cx, y: box.y + 5, id: 1 }] }); // full forward
      expect(await until(() => readEdges(map.buffer, from).edges.some((e) => e.pin === 5 && e.level === 1), 2000)).toBe(true);
      expect(await until(() => readEdges(map.buffer, from).edges.some((e) => e.pin === 23 && e.level === 1), 2000)).toBe(true);
      await Bun.sleep(700); // held past the dead-man time: the page re-sends, so the car keeps going
      expect(readEdges(map.buffer, readEdges(map.buffer).count - 20).edges.some((e) => e.pin === 5)).toBe(true);
      await page.locator("#top").scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SHOTS, "car-phone-driving.png") });
      const mark = readEdges(map.buffer).count;
      const released = monotonicNs();
      await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
      expect(await stopped(1000)).toBe(true);
      expect(coastAfter(mark, released)).toBeLessThan(100);
      expect(errors).toEqual([]);
      expect(statuses.every((s) => s === 200 || s === 304)).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);

  test("laptop: drives with the arrow keys, stops on key release; a dead tab is stopped by the dead-man time", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await open(context);
      await page.locator("#top").waitFor({ state: "visible", timeout: 5000 }); // the simulated car is drawn
      await page.screenshot({ path: join(SHOTS, "car-laptop.png") });
      await page.locator("#pad").focus();
      let from = readEdges(map.buffer).count;
      await page.keyboard.down("ArrowUp");
      expect(await until(() => readEdges(map.buffer, from).edges.some((e) => e.pin === 5 && e.level === 1), 2000)).toBe(true);
      const mark = readEdges(map.buffer).count;
      const released = monotonicNs();
      await page.keyboard.up("ArrowUp");
      expect(await stopped(1000)).toBe(true);
      expect(coastAfter(mark, released)).toBeLessThan(100);

      // A tab that dies mid-drive sends nothing more: the device stops the car after HTTAP_DEADMAN_MS (500).
      from = readEdges(map.buffer).count;
      await page.keyboard.down("KeyW");
      expect(await until(() => readEdges(map.buffer, from).edges.some((e) => e.pin === 5 && e.level === 1), 2000)).toBe(true);
      const cut = monotonicNs();
      await context.setOffline(true);
      expect(await stopped(2000)).toBe(true);
      const stoppedMs = coastAfter(from, cut);
      expect(stoppedMs).toBeGreaterThan(150); // not the page: it could not reach the device
      expect(stoppedMs).toBeLessThan(500 + 200);
      expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e))).toEqual([]);
    } finally {
      await context.close();
    }
  }, 60_000);
});
