/**
 * @module Session end leaves the board as found (issue 18): a Simon player closes the tab in the middle of the
 * pattern, and every LED of the profile goes off (read from the simulator file), the status LED too. Debian's
 * Chromium as a phone, the real server on the simon board; every wait is for a condition, up to WAIT_MS.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILT_IN_PROFILES } from "../src/devices/board-profile.ts";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { openPage } from "./support/pages.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { SimPins } from "./support/sim-pins.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-simon-leave-"));
const simFile = join(dir, "sim.bin");
let server: RunningServer;
let chrome: RunningBrowser;
let sim: SimPins;
const LED_PINS = Object.values((BUILT_IN_PROFILES.simon as { leds: Record<string, number> }).leds);
const COLOUR_PINS = LED_PINS.filter((p) => p !== (BUILT_IN_PROFILES.simon as { leds: Record<string, number> }).leds.status);

beforeAll(async () => {
  server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile, HTTAP_BOARD: "simon" });
  sim = new SimPins(simFile);
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  sim?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test(
  "a player closes the tab mid-pattern: every LED of the board is off at session end",
  async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const { page } = await openPage(context, `http://127.0.0.1:${server.port}/simon.html`);
    await page.getByRole("button", { name: "Start" }).click();
    // the pattern is playing: a colour lights up (and the status LED shows the board is someone's)
    expect(await waitFor(() => COLOUR_PINS.some((p) => sim.level(p) === 1), WAIT_MS, 5)).toBe(true);
    expect(sim.level(26)).toBe(1);
    await context.close(); // the tab goes away mid-pattern: its page gives the board back as it goes
    expect(await waitFor(() => LED_PINS.every((p) => sim.level(p) === 0))).toBe(true);
    const queue = (await (await fetch(`http://127.0.0.1:${server.port}/?queue`)).json()) as { owned: boolean };
    expect(queue.owned).toBe(false);
  },
  4 * WAIT_MS,
);
