/**
 * @module Bench (issue 18): release-to-stop on a phone over a slow network. The car page in Debian's Chromium as a
 * phone (touch), its requests slowed by Chromium's own network emulation to 60, 150 and 300 ms round trips at
 * 1.6 Mbit/s; a finger drives for a few seconds and lets go; the time from letting go to the motors low for good
 * is read from the simulator's edge log. Target: one round trip + 100 ms. The test suite checks a generous bound
 * only (test/drive-network.test.ts); the exact figure lives here.
 */
import { attachSimFile } from "../../src/gpio/sim-file.ts";
import { launchChromium } from "../../test/support/browser.ts";
import { motorEdges } from "../../test/support/sim-pins.ts";
import { Finger, releaseToStopMs, stickGeometry, throttle, type NetworkProfile } from "../../test/support/phone-driving.ts";
import type { Server } from "./servers.ts";

export const RELEASE_LATENCIES_MS = [60, 150, 300] as const;
/** Presses per latency: the median is reported. */
const PRESSES = 3;
const DRIVE_MS = 3_000;
const PHONE = { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true } as const;

export interface ReleaseFigure {
  readonly latencyMs: number;
  /** Median release-to-stop over the presses (ms); NaN when the car never drove. */
  readonly medianMs: number;
  readonly maxMs: number;
}

/** Drives the car page of `server` (simulated GPIO in `simFile`) at each latency; the median release-to-stop. */
export async function releaseToStop(server: Server, simFile: string): Promise<ReleaseFigure[]> {
  const map = attachSimFile(simFile);
  const chrome = await launchChromium();
  const figures: ReleaseFigure[] = [];
  try {
    for (const latencyMs of RELEASE_LATENCIES_MS) {
      const profile: NetworkProfile = { name: `${latencyMs} ms`, latencyMs, bitsPerS: 1_600_000 };
      const context = await chrome.browser.newContext(PHONE);
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${server.port}/car.html`);
      const finger = new Finger(await throttle(page, profile));
      await page.waitForFunction(() => performance.getEntriesByType("resource").some((e) => e.name.endsWith("/?queue")));
      const stick = await stickGeometry(page);
      const times: number[] = [];
      for (let i = 0; i < PRESSES; i++) {
        const from = motorEdges(map.buffer, 0).count;
        await finger.down(stick.x, stick.y - stick.r * 0.6);
        await finger.hold(DRIVE_MS);
        const drove = motorEdges(map.buffer, from).edges.some((e) => e.level === 1);
        const releasedAt = await finger.up();
        await Bun.sleep(latencyMs * 4 + 1_000); // the stop has landed long before: the edge log says when
        times.push(drove ? releaseToStopMs(map.buffer, from, releasedAt) : Number.NaN);
      }
      await context.close();
      await fetch(`http://127.0.0.1:${server.port}/?invalid`).catch(() => {});
      const sorted = [...times].sort((a, b) => a - b);
      figures.push({ latencyMs, medianMs: sorted[Math.floor(sorted.length / 2)], maxMs: sorted.at(-1)! });
      console.log(`bench: release-to-stop at ${latencyMs} ms: ${times.map((t) => t.toFixed(0)).join(", ")} ms`);
    }
  } finally {
    await chrome.close();
    map.close();
  }
  return figures;
}
