/**
 * @module The fair line as a room meets it (issue 18), in Debian's Chromium as phones, each participant from its
 * own address (test/support/relay.ts). Looking takes nothing: the dashboard, its explorer, Simon on the car board
 * and the piano are opened and the device stays free. A waiting phone that locks its screen keeps its place: B's
 * page is hidden and frozen (as a locked phone's is) for three times the keep-alive time, long enough to have lost
 * its place without the grace time; C joins meanwhile; shown again, B is first and C second, by name. Nothing is
 * timed from above: each wait is for a condition, up to WAIT_MS.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { openPage } from "./support/pages.ts";
import { Finger, stickGeometry, throttle, UNTHROTTLED } from "./support/phone-driving.ts";
import { request } from "./support/raw-client.ts";
import { relayFrom, type Relay } from "./support/relay.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const KEEPALIVE_S = 5;
const dir = mkdtempSync(join(tmpdir(), "httap-line-"));
let server: RunningServer;
let chrome: RunningBrowser;
const relays: Relay[] = [];
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true } as const;

beforeAll(async () => {
  server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: join(dir, "sim.bin"), HTTAP_KEEPALIVE: String(KEEPALIVE_S) });
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  for (const r of relays) r.stop();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Queue {
  owned: boolean;
  owner: string | null;
  waiting: number;
  place: number;
  line: (string | null)[];
  you: boolean;
}

/** `GET /?queue` as the host `from` sees it. */
async function queueAs(from: string): Promise<Queue> {
  const r = await request(server.port, "GET /?queue HTTP/1.1\r\nHost: t\r\n\r\n", { localAddress: from });
  return JSON.parse(r!.body.toString()) as Queue;
}

/** A phone with a display name, on the page `path` reached from `from` (127.0.0.1 directly, others by relay). */
async function phone(name: string, from: string, path: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chrome.browser.newContext(PHONE);
  await context.addInitScript((n) => localStorage.setItem("httap.name", n), name);
  let port = server.port;
  if (from !== "127.0.0.1") {
    const relay = relayFrom(from, server.port);
    relays.push(relay);
    port = relay.port;
  }
  const { page } = await openPage(context, `http://127.0.0.1:${port}${path}`);
  await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith("/?queue")), undefined, {
    timeout: WAIT_MS,
  });
  return { context, page };
}

/** Presses the car page's stick and lets go (the press asks for the car). */
async function tapStick(page: Page): Promise<void> {
  const finger = new Finger(await throttle(page, UNTHROTTLED));
  const stick = await stickGeometry(page);
  await finger.down(stick.x, stick.y);
  await finger.up();
}

/** Page code (text: the tests are type-checked without the DOM's types) that makes the page hidden or visible. */
const showAs = (state: "hidden" | "visible") =>
  `Object.defineProperty(document, "visibilityState", { value: "${state}", configurable: true });
   Object.defineProperty(document, "hidden", { value: ${state === "hidden"}, configurable: true });
   document.dispatchEvent(new Event("visibilitychange"));`;

/** What a phone does when its screen locks: the page is hidden, then frozen (its timers stop). */
async function lockScreen(page: Page): Promise<() => Promise<void>> {
  await page.evaluate(showAs("hidden"));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Page.setWebLifecycleState", { state: "frozen" });
  return async () => {
    await cdp.send("Page.setWebLifecycleState", { state: "active" });
    await page.evaluate(showAs("visible"));
  };
}

describe("the fair line in the browser", () => {
  test(
    "looking takes nothing: the dashboard and its explorer, Simon on the car board and the piano leave the car free",
    async () => {
      const { context, page } = await phone("Viewer", "127.0.0.1", "/");
      try {
        await page.locator("#explore").click();
        await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.includes("/?rt")), undefined, {
          timeout: WAIT_MS,
        });
        for (const path of ["/simon.html", "/piano.html", "/car.html"]) await openPage(context, `http://127.0.0.1:${server.port}${path}`);
        // every page has asked the device something by now; still nobody owns it and nobody waits
        await Bun.sleep(1_500);
        expect(await queueAs("127.0.0.9")).toMatchObject({ owned: false, owner: null, waiting: 0 });
      } finally {
        await context.close();
      }
    },
    4 * WAIT_MS,
  );

  test(
    "a waiting phone that locks its screen keeps its place; one who came meanwhile is behind it; names, not addresses",
    async () => {
      const a = await phone("Ana", "127.0.0.1", "/car.html");
      const b = await phone("Ben", "127.0.0.2", "/car.html");
      let c: { context: BrowserContext; page: Page } | null = null;
      try {
        await tapStick(a.page);
        expect(await waitFor(async () => (await queueAs("127.0.0.1")).you)).toBe(true);
        await tapStick(b.page);
        expect(await waitFor(async () => (await queueAs("127.0.0.2")).place === 1)).toBe(true);
        expect(await queueAs("127.0.0.9")).toMatchObject({ owner: "Ana", line: ["Ben"] });
        const unlock = await lockScreen(b.page);
        let askedWhileLocked = 0; // proves B was silent: its place is kept by the grace time, not by asking
        b.page.on("request", () => {
          askedWhileLocked += 1;
        });
        // three keep-alive times: without the grace time, a silent waiter is gone after one
        const lockedUntil = performance.now() + 3 * KEEPALIVE_S * 1000;
        c = await phone("Cleo", "127.0.0.3", "/car.html");
        await tapStick(c.page);
        expect(await waitFor(async () => (await queueAs("127.0.0.3")).place === 2)).toBe(true);
        await Bun.sleep(Math.max(0, lockedUntil - performance.now()));
        expect(await queueAs("127.0.0.2")).toMatchObject({ place: 1, owner: "Ana" });
        expect(askedWhileLocked).toBe(0);
        await unlock();
        expect(await waitFor(async () => (await queueAs("127.0.0.9")).line.join() === "Ben,Cleo")).toBe(true);
        expect((await queueAs("127.0.0.2")).place).toBe(1);
        expect((await queueAs("127.0.0.3")).place).toBe(2);
        // A gives the car back with one button: B's turn
        await a.page
          .getByRole("button", { name: /give back/i })
          .first()
          .click();
        expect(await waitFor(async () => (await queueAs("127.0.0.2")).you)).toBe(true);
        expect(await queueAs("127.0.0.9")).toMatchObject({ owner: "Ben", line: ["Cleo"] });
      } finally {
        for (const p of [a, b, c]) await p?.context.close();
        await fetch(`http://127.0.0.1:${server.port}/?invalid`).catch(() => {});
      }
    },
    3 * KEEPALIVE_S * 1000 + 8 * WAIT_MS,
  );
});
