/**
 * @module Fair turns as people see them (issues 8 and 18): two Chromium contexts on the car page from two addresses
 * (the second through test/support/relay.ts, from 127.0.0.2), each with a display name. Opening the page takes
 * nothing: each asks by touching the stick. The second sees who drives ("Ana is driving · Join the line"), then the
 * waiting dialog, named and focused, with its place and the real time left of Ana's turn counting down; it drives
 * once the first leaves; with HTTAP_TURN_S it gets the car when the first one's turn is over, and the first is told
 * and may join the line again. Nothing is timed from above: "at once" is shown by a session that would otherwise
 * last 200 s, and every wait is for what the page shows, up to WAIT_MS.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { relayFrom, type Relay } from "./support/relay.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-turns-"));
const SHOTS = resolve(import.meta.dir, "../.test-output/screenshots");
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true } as const;
let chrome: RunningBrowser;
const servers: RunningServer[] = [];
const relays: Relay[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  for (const r of relays) r.stop();
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** Ana on the car page from 127.0.0.1, Ben from 127.0.0.2; both pages loaded, neither has asked for anything. */
async function carPages(env: Record<string, string>) {
  const server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: join(dir, `sim-${servers.length}.bin`), ...env });
  servers.push(server);
  const relay = relayFrom("127.0.0.2", server.port);
  relays.push(relay);
  const open = async (name: string, port: number) => {
    const context = await chrome.browser.newContext(PHONE);
    await context.addInitScript((n) => localStorage.setItem("httap.name", n), name);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/car.html`, { timeout: WAIT_MS });
    await page.getByText("Touch the stick to drive. Let go to stop.").waitFor({ timeout: WAIT_MS });
    return { context, page };
  };
  const ana = await open("Ana", server.port);
  const ben = await open("Ben", relay.port);
  return { ana, ben };
}

/** A tap on the stick (a mouse press and release in its middle): it asks for the car. */
async function tapStick(page: Page): Promise<void> {
  await page.locator("#pad").click();
}

/** The turn strip's words. */
const strip = (page: Page) => page.locator(".turn-text").textContent();

/** The seconds of "about m:ss" in the waiting dialog. */
async function waitLeft(page: Page): Promise<number> {
  const m = /about (\d+):(\d\d)/.exec((await page.locator("#wait-who").textContent()) ?? "");
  return m === null ? Number.NaN : Number(m[1]) * 60 + Number(m[2]);
}

describe("two people, one car", () => {
  test(
    "the second sees who drives, waits in a named dialog with a real countdown, and drives once the first leaves",
    async () => {
      // Ana's session would last 200 s after her last request: Ben getting the car within WAIT_MS means she gave it back.
      const { ana, ben } = await carPages({ HTTAP_KEEPALIVE: "200" });
      try {
        await tapStick(ana.page);
        expect(await waitFor(async () => (await strip(ana.page)) === "Your turn")).toBe(true);
        await ben.page.getByRole("button", { name: "Join the line" }).waitFor({ timeout: WAIT_MS });
        expect(await strip(ben.page)).toBe("Ana is driving");
        await tapStick(ben.page);
        const dialog = ben.page.getByRole("dialog", { name: "You’re in line" });
        await dialog.waitFor({ timeout: WAIT_MS });
        expect(await ben.page.evaluate('!!document.activeElement?.closest("dialog")')).toBe(true);
        await ben.page.waitForFunction('document.querySelector("[data-place]").textContent === "1"', null, { timeout: WAIT_MS });
        // the default turn limit (120 s) runs while someone waits: Ana's real time left, counting down
        expect(await waitFor(async () => (await waitLeft(ben.page)) <= 120, WAIT_MS, 100)).toBe(true);
        const first = await waitLeft(ben.page);
        expect(await waitFor(async () => (await waitLeft(ben.page)) < first, WAIT_MS, 100)).toBe(true);
        expect(await dialog.textContent()).toMatch(/Ana is driving · your turn in about \d+:\d\d/);
        expect(await ben.page.getByRole("link", { name: "Dashboard" }).count()).toBeGreaterThan(0); // a way back
        await ben.page.screenshot({ path: join(SHOTS, "car-phone-busy.png") });
        // The tab closes (its browser stays): pagehide, and the page gives the car back at once. Closing the whole
        // context instead may tear its network down before that keepalive request is out (seen on a loaded machine).
        await ana.page.close();
        await dialog.waitFor({ state: "hidden", timeout: WAIT_MS });
        expect(await waitFor(async () => (await strip(ben.page)) === "Your turn")).toBe(true);
        await ben.page.getByRole("button", { name: "Give back" }).waitFor({ timeout: WAIT_MS });
      } finally {
        await ben.context.close();
        await ana.context.close().catch(() => {});
      }
    },
    60_000 + 4 * WAIT_MS,
  );

  test(
    "HTTAP_TURN_S=10: the second gets the car when the first one's turn is over; the first is told and may join again",
    async () => {
      const { ana, ben } = await carPages({ HTTAP_TURN_S: "10" });
      try {
        await tapStick(ana.page);
        expect(await waitFor(async () => (await strip(ana.page)) === "Your turn")).toBe(true);
        await tapStick(ben.page);
        await ben.page.getByRole("dialog").waitFor({ timeout: WAIT_MS });
        const t0 = performance.now();
        await ben.page.getByRole("button", { name: "Give back" }).waitFor({ timeout: 10_000 + WAIT_MS });
        expect(performance.now() - t0).toBeGreaterThan(5_000); // not before the turn ran out (10 s from when Ben asked)
        await ana.page.getByText("Your turn is over").waitFor({ timeout: WAIT_MS });
        await ana.page.getByRole("button", { name: "Join the line" }).waitFor({ timeout: WAIT_MS });
        expect(await strip(ana.page)).toBe("Ben is driving");
      } finally {
        await ana.context.close();
        await ben.context.close();
      }
    },
    60_000 + 4 * WAIT_MS,
  );
});
