/**
 * @module The dashboard in Debian's headless Chromium (issue 8): as a phone and a laptop; the first load within
 * budget; the QR code of its own address; the open figures (nobody's device is taken by looking); the explorer once
 * asked for; 20 reloads in a row, every one complete, none waiting out a deadline or refused (the server's counters
 * say so; how long a reload takes is a figure for `npm run stress`'s room, not a test's threshold).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { firstLoad, openPage } from "./support/pages.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-dashboard-"));
const SHOTS = resolve(import.meta.dir, "../.test-output/screenshots");
let server: RunningServer;
let chrome: RunningBrowser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: join(dir, "sim.bin") });
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("index.html", () => {
  for (const [name, options] of [
    ["phone", { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true }],
    ["laptop", { viewport: { width: 1280, height: 800 } }],
  ] as const) {
    test(`${name}: budget, QR code, open figures without taking the device, the explorer on request`, async () => {
      const context = await chrome.browser.newContext(options);
      try {
        const { page, errors, statuses } = await openPage(context, `http://127.0.0.1:${server.port}/`);
        await page.waitForFunction('document.getElementById("conns")?.textContent?.includes("open")', null, { timeout: WAIT_MS });
        const load = await firstLoad(page);
        expect(load.requests).toBeLessThanOrEqual(6);
        expect(load.bytes).toBeLessThanOrEqual(60 * 1024);
        expect(await page.locator("#qr svg path, #qr svg rect").count()).toBeGreaterThan(0);
        expect(await page.locator("#url").textContent()).toBe(`http://127.0.0.1:${server.port}/`);
        expect(await page.locator("#owner").textContent()).toBe("nobody"); // looking took nothing
        await page.screenshot({ path: join(SHOTS, `dashboard-${name}.png`), fullPage: true });
        await page.getByRole("button", { name: "Open the device" }).click();
        await page.locator('tr[data-name="motors"]').waitFor({ timeout: WAIT_MS });
        await page.waitForFunction('(document.getElementById("line")?.getAttribute("points") ?? "").split(" ").length >= 2', null, {
          timeout: WAIT_MS,
        });
        expect(await page.locator('tr[data-name="motors"] td:last-child').textContent()).toContain('"left":0');
        await page.screenshot({ path: join(SHOTS, `dashboard-${name}-explorer.png`), fullPage: true });
        expect(errors).toEqual([]);
        expect(statuses.every((s) => s === 200 || s === 304)).toBe(true);
      } finally {
        await context.close();
      }
    }, 60_000);
  }

  test(
    "20 reloads in a row with the browser's parallel connections: all complete, none refused or left to time out",
    async () => {
      const context = await chrome.browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`http://127.0.0.1:${server.port}/`, { timeout: WAIT_MS });
        const stats = async () =>
          (await (await fetch(`http://127.0.0.1:${server.port}/?stats`)).json()) as {
            timedOut: Record<string, number>;
            responses: Record<string, number>;
          };
        const before = await stats();
        const times: number[] = [];
        for (let i = 0; i < 20; i++) {
          const response = await page.reload({ waitUntil: "load", timeout: WAIT_MS });
          expect([i, response?.status() === 200 || response?.status() === 304]).toEqual([i, true]);
          times.push(
            await page.evaluate(
              () =>
                (performance.getEntriesByType("navigation" as never)[0] as PerformanceResourceTiming & { loadEventEnd: number })
                  .loadEventEnd,
            ),
          );
        }
        const after = await stats();
        // a reload stalled on the server would show as a connection cut by a deadline, or refused as busy (503)
        expect(after.timedOut).toEqual(before.timedOut);
        expect(after.responses["5xx"]).toBe(before.responses["5xx"]);
        console.log(
          `dashboard: 20 reloads, load event after ${Math.round(Math.min(...times))}-${Math.round(Math.max(...times))} ms ` +
            "(a figure, not a test)",
        );
      } finally {
        await context.close();
      }
    },
    60_000 + 20 * WAIT_MS,
  );
});
