/**
 * @module Safe driving on real networks (issue 18), in Debian's Chromium as a phone (390×844, touch), against the
 * real server on the simulator. Every driving test runs unthrottled and on a crowded workshop Wi-Fi (CDP network
 * emulation: 1.6 Mbit/s with 150 ms, and with 300 ms round trips). The release bound is generous on purpose (1 s,
 * where the goal is one round trip + 100 ms, which `npm run bench` measures): a busy CI machine must not fail a
 * correct build, and the defect it guards against took 6.3 s at 150 ms and never stopped at 300 ms. The dead-man
 * time is the default 500 ms, so a stale command would show.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { openPage } from "./support/pages.ts";
import {
  CROWDED_WIFI,
  Finger,
  type NetworkProfile,
  releaseToStopMs,
  stickGeometry,
  throttle,
  UNTHROTTLED,
  WORKSHOP_WIFI,
} from "./support/phone-driving.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { motorEdges, SimPins } from "./support/sim-pins.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-drive-"));
const simFile = join(dir, "sim.bin");
let server: RunningServer;
let chrome: RunningBrowser;
let sim: SimPins;
const env = () => ({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile });
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true } as const;
/** How long a participant drives before letting go (the measurement). */
const DRIVE_MS = 8_000;
/** The generous bound between letting go and the motors low for good. */
const RELEASE_BOUND_MS = 1_000;

beforeAll(async () => {
  server = await startServer(env());
  sim = new SimPins(simFile);
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  sim?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Whether the page has read who drives (the client connected and knows it), from the browser's resource timing. */
const connected = (page: Page) => page.evaluate(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith("/?queue")));

/** The car page on a phone with `profile`, connected. */
async function openCar(context: BrowserContext, profile: NetworkProfile): Promise<{ page: Page; finger: Finger; errors: string[] }> {
  const opened = await openPage(context, `http://127.0.0.1:${server.port}/car.html`);
  const cdp = await throttle(opened.page, profile);
  expect(await waitFor(() => connected(opened.page))).toBe(true);
  return { page: opened.page, finger: new Finger(cdp), errors: opened.errors };
}

async function giveBack(): Promise<void> {
  await fetch(`http://127.0.0.1:${server.port}/?invalid`).catch(() => {}); // the page's host is 127.0.0.1 too
}

describe("driving on a slow network", () => {
  for (const profile of [UNTHROTTLED, WORKSHOP_WIFI, CROWDED_WIFI]) {
    test(
      `${profile.name}: 8 s of driving with a finger, then the motors are low for good within 1 s of letting go`,
      async () => {
        const context = await chrome.browser.newContext(PHONE);
        try {
          const { page, finger, errors } = await openCar(context, profile);
          const stick = await stickGeometry(page);
          const from = motorEdges(sim.buffer, 0).count;
          await finger.down(stick.x, stick.y - stick.r * 0.6); // forward
          // the first press on a free car claims it and drives: wait for the wheels to turn
          expect(await waitFor(() => motorEdges(sim.buffer, from).edges.some((e) => e.level === 1))).toBe(true);
          await finger.hold(DRIVE_MS);
          const stillDriving = motorEdges(sim.buffer, from).edges.filter((e) => e.level === 1).length;
          const releasedAt = await finger.up();
          expect(await sim.motorsStopped()).toBe(true);
          const stopMs = releaseToStopMs(sim.buffer, from, releasedAt);
          console.log(`drive-network: ${profile.name}: released, motors low for good after ${stopMs.toFixed(0)} ms`);
          expect(stillDriving).toBeGreaterThan(0);
          expect(stopMs).toBeLessThanOrEqual(RELEASE_BOUND_MS);
          // stopped by the page's own stop, not by the device's dead-man (the last line of defence)
          const motors = (await (await fetch(`http://127.0.0.1:${server.port}/?motors`)).json()) as { lastStop: string };
          expect(motors.lastStop).toBe("command");
          expect(errors).toEqual([]);
        } finally {
          await context.close();
          await giveBack();
        }
      },
      DRIVE_MS + 4 * WAIT_MS,
    );
  }

  test(
    "the device restarts under a held finger: no motor edge until the finger is lifted and put down again",
    async () => {
      const context = await chrome.browser.newContext(PHONE);
      try {
        const { page, finger } = await openCar(context, WORKSHOP_WIFI);
        const stick = await stickGeometry(page);
        let from = motorEdges(sim.buffer, 0).count;
        await finger.down(stick.x, stick.y - stick.r * 0.6);
        expect(await waitFor(() => motorEdges(sim.buffer, from).edges.some((e) => e.level === 1))).toBe(true);
        await finger.hold(500);
        const port = server.port;
        await server.stop(); // the device restarts (the motors stop with it)
        server = await startServer({ ...env(), HTTAP_TCPPORT: String(port) });
        from = motorEdges(sim.buffer, 0).count; // the new run zeroed the log in place
        // the page finds the device again (it asks and is answered), the finger still on the stick, moving
        const seen = page.waitForResponse((r) => r.url().includes("/?") && r.status() < 500, { timeout: WAIT_MS });
        await finger.hold(300);
        await seen;
        await finger.hold(2_000);
        expect(motorEdges(sim.buffer, from).edges).toEqual([]);
        expect(sim.motorLevels()).toEqual([0, 0, 0, 0]);
        await finger.up();
        await finger.down(stick.x, stick.y - stick.r * 0.6); // released and pressed again: now it drives
        expect(await waitFor(() => motorEdges(sim.buffer, from).edges.some((e) => e.level === 1))).toBe(true);
        await finger.up();
        expect(await sim.motorsStopped()).toBe(true);
      } finally {
        await context.close();
        await giveBack();
      }
    },
    6 * WAIT_MS,
  );
});

describe("numbered drive commands over TCP", () => {
  test("a command that arrives after a newer one has no effect; a late stop still stops", async () => {
    const base = `http://127.0.0.1:${server.port}`;
    const post = async (body: object) =>
      (await (await fetch(`${base}/?motors`, { method: "POST", body: JSON.stringify(body) })).json()) as Record<string, unknown>;
    expect((await fetch(`${base}/?claim`, { method: "POST", body: "{}" })).status).toBe(200);
    expect(await post({ left: 0.5, right: 0.5, seq: 10 })).toMatchObject({ left: 0.5, right: 0.5, applied: true });
    // seq 9 was sent before 10 but arrived after it (another connection, a slow network): ignored, and it says so
    const late = await post({ left: -1, right: -1, seq: 9 });
    expect(late).toMatchObject({ left: 0.5, right: 0.5, applied: false });
    expect(String(late.why)).toContain("older than 10");
    expect(await post({ stop: true, seq: 8 })).toMatchObject({ left: 0, right: 0, applied: true }); // stopping is never wrong
    expect(await post({ left: 0.3, right: 0.3, seq: 10 })).toMatchObject({ applied: false }); // not newer than 10
    expect(await post({ left: 0.3, right: 0.3, seq: 11 })).toMatchObject({ left: 0.3, applied: true });
    expect(await post({ left: 0.2, right: 0.2 })).toMatchObject({ left: 0.2, applied: true }); // no seq: applies
    expect((await fetch(`${base}/?motors`, { method: "POST", body: '{"left":0,"right":0,"seq":-1}' })).status).toBe(400);
    await giveBack();
    // a new session starts its numbers over
    expect((await fetch(`${base}/?claim`, { method: "POST", body: "{}" })).status).toBe(200);
    expect(await post({ left: 0.1, right: 0.1, seq: 1 })).toMatchObject({ applied: true });
    await giveBack();
  });
});
