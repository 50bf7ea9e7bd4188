/**
 * @module Simon Says in Debian's headless Chromium (issue 8), on a simulated `simon` board: the test watches which
 * LED the board lights (the simulator file) and plays the round back through the page's virtual board, whose pads
 * press the buttons as wires do (`/?sim`). The lit LED is read from the simulator's edge log (never missed, however
 * late this process looks), and the pad is held until the page has seen the press; every wait is up to WAIT_MS.
 * Issue 18: opening the page takes nothing; Start asks for the board and the game begins once it is ours.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { firstLoad, openPage } from "./support/pages.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { SimPins } from "./support/sim-pins.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-simon-"));
const SHOTS = resolve(import.meta.dir, "../.test-output/screenshots");
const LEDS = { red: 22, green: 25, blue: 27, yellow: 24 } as const; // the built-in simon profile
let server: RunningServer;
let chrome: RunningBrowser;
let sim: SimPins;
/** The LEDs the board lit since edge `from`, in order, from the simulator's edge log. */
const litSince = (from: number) =>
  sim
    .edgesSince(from)
    .filter((e) => e.level === 1)
    .map((e) => (Object.keys(LEDS) as (keyof typeof LEDS)[]).find((c) => LEDS[c] === e.pin))
    .filter((c) => c !== undefined);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const simFile = join(dir, "sim.bin");
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
  "a full round played through the virtual board scores 1, and the next round is longer",
  async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    try {
      const { page, errors, statuses } = await openPage(context, `http://127.0.0.1:${server.port}/simon.html`);
      await page.getByText("Press Start to play.").waitFor({ timeout: WAIT_MS });
      await page.locator("#board .pad").first().waitFor({ timeout: WAIT_MS });
      const queue = async () => (await (await fetch(`http://127.0.0.1:${server.port}/?queue`)).json()) as { owned: boolean };
      expect((await queue()).owned).toBe(false); // looking took nothing
      const from = sim.edgeCount();
      await page.getByRole("button", { name: "Start" }).click(); // asks for the board, then plays
      await page.getByText("Your turn", { exact: true }).waitFor({ timeout: WAIT_MS });
      expect(await waitFor(() => litSince(from).length >= 1)).toBe(true);
      const seen = litSince(from);
      await page.screenshot({ path: join(SHOTS, "simon-phone.png") });
      await page.getByText("Your turn: 1 to repeat.").waitFor({ timeout: WAIT_MS });
      const pad = page.getByRole("button", { name: `${seen[0]} button` });
      await pad.dispatchEvent("pointerdown", { pointerId: 2, bubbles: true });
      // held until the page has seen the press (debounced 20 ms on the device, polled every 40 ms by the page)
      await page.getByText("Round 1 done!").waitFor({ timeout: WAIT_MS });
      await pad.dispatchEvent("pointerup", { pointerId: 2, bubbles: true });
      expect(await page.locator("#score").textContent()).toBe("1");
      await page.getByText("Round 2: watch…").waitFor({ timeout: WAIT_MS });
      expect(errors).toEqual([]);
      expect(statuses.every((s) => s === 200 || s === 304)).toBe(true);
      const load = await firstLoad(page);
      expect(load.requests).toBeLessThanOrEqual(6);
      expect(load.bytes).toBeLessThanOrEqual(60 * 1024);
    } finally {
      await context.close();
    }
  },
  60_000 + 6 * WAIT_MS,
);

test("laptop layout (screenshot)", async () => {
  const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/simon.html`, { timeout: 15_000 });
    await page.locator("#board .pad").first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, "simon-laptop.png") });
  } finally {
    await context.close();
  }
}, 30_000);
