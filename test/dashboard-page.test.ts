/**
 * @module The dashboard in Debian's headless Chromium (issue 8): as a phone and a laptop; the first load within
 * budget; the QR code of the device's own address (/?device, issue 18); only the board's apps; the open figures and
 * the explorer's /?rt charts, taking nobody's device; names shown as text; 20 reloads in a row, every one complete,
 * none waiting out a deadline or refused (the server's counters say so; how long a reload takes is a figure for
 * `npm run stress`'s room, not a test's threshold).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { firstLoad, openPage } from "./support/pages.ts";
import { request } from "./support/raw-client.ts";
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
        await page.locator("#qr svg").waitFor({ timeout: WAIT_MS }); // drawn once /?device has answered
        expect(await page.locator("#qr svg path, #qr svg rect").count()).toBeGreaterThan(0);
        // the device's own address for the next phone, not the one this browser used (127.0.0.1)
        const facts = (await (await fetch(`http://127.0.0.1:${server.port}/?device`)).json()) as { urls: string[]; apps: string[] };
        expect(await page.locator("#url").textContent()).toBe(facts.urls[0] ?? `http://127.0.0.1:${server.port}/`);
        // the rc-car board's apps only: no Simon (it needs four buttons and LEDs)
        expect(facts.apps).toEqual(["car", "piano", "code"]);
        expect(await page.getByRole("link", { name: /Drive the car/ }).isVisible()).toBe(true);
        expect(await page.getByRole("link", { name: /Piano/ }).isVisible()).toBe(true);
        expect(await page.getByRole("link", { name: /Simon/ }).count()).toBe(0);
        expect(await page.locator("#owner").textContent()).toBe("nobody"); // looking took nothing
        await page.getByRole("button", { name: "Look inside" }).click();
        await page.locator('tr[data-name="motors"]').waitFor({ timeout: WAIT_MS });
        // the charts draw /?rt's figures, one point a second
        await page.waitForFunction('(document.getElementById("line-lag")?.getAttribute("points") ?? "").split(" ").length >= 2', null, {
          timeout: WAIT_MS,
        });
        await page.waitForFunction('(document.getElementById("line")?.getAttribute("points") ?? "").split(" ").length >= 2', null, {
          timeout: WAIT_MS,
        });
        expect(await page.locator("#lag-now").textContent()).toMatch(/^\d+(\.\d+)? ms$/);
        expect(await page.locator('tr[data-name="motors"] td:last-child').textContent()).toContain('"left":0');
        const queue = (await (await fetch(`http://127.0.0.1:${server.port}/?queue`)).json()) as { owned: boolean; waiting: number };
        expect(queue).toMatchObject({ owned: false, waiting: 0 }); // the explorer took nothing either
        await page.screenshot({ path: join(SHOTS, `dashboard-${name}-explorer.png`), fullPage: true });
        expect(errors).toEqual([]);
        expect(statuses.every((s) => s === 200 || s === 304)).toBe(true);
      } finally {
        await context.close();
      }
    }, 60_000);
  }

  test("names are the room's words, shown as text: the driver's and the line's; the name field keeps this browser's", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const claim = (from: string, name: string) => {
      const body = JSON.stringify({ name });
      const head = `POST /?claim HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
      return request(server.port, `${head}\r\n${body}`, { localAddress: from });
    };
    try {
      expect((await claim("127.0.0.2", "<b>Ana</b>"))?.status).toBe(200);
      expect((await claim("127.0.0.3", "<img src=x onerror=f()>"))?.status).toBe(503); // in line behind her
      const { page, errors } = await openPage(context, `http://127.0.0.1:${server.port}/`);
      await page.getByText("<b>Ana</b>", { exact: true }).first().waitFor({ timeout: WAIT_MS });
      expect(await page.locator("#owner-line").textContent()).toMatch(/^<b>Ana<\/b> is driving/);
      expect(await page.locator("#line-list li").allTextContents()).toEqual(["<img src=x onerror=f()>"]);
      expect(await page.locator("main img").count()).toBe(0); // no markup made of a name
      const field = page.getByRole("textbox", { name: "Your name" });
      await field.fill("Zoé");
      await field.press("Enter");
      expect(await page.evaluate(() => localStorage.getItem("httap.name"))).toBe("Zoé");
      await page.getByText("Saved", { exact: false }).waitFor({ timeout: WAIT_MS });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      for (const from of ["127.0.0.2", "127.0.0.3"])
        await request(server.port, "GET /?invalid HTTP/1.1\r\nHost: t\r\n\r\n", { localAddress: from });
    }
  }, 60_000);

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
