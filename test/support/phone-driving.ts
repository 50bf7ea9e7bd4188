/**
 * @module Test support (issue 18): a phone driving the car page as a participant does, on a network like a
 * crowded workshop Wi-Fi. Chromium's own network emulation (CDP `Network.emulateNetworkConditions`) slows every
 * request of the page; a finger is a CDP touch (touchStart, touchMove, touchEnd), so the page gets the pointer
 * events a phone sends. The motors are read from the simulator file's edge log, on the same monotonic clock as
 * the release. Used by the driving tests and by `npm run bench` (release-to-stop).
 */
import type { CDPSession, Page } from "playwright-core";
import { monotonicNs } from "../../src/os/libc.ts";
import { motorEdges } from "./sim-pins.ts";

/** A network as the issue measured it: a room of 20 phones on one access point. */
export interface NetworkProfile {
  readonly name: string;
  /** Round-trip latency added to every request (ms); 0: unthrottled. */
  readonly latencyMs: number;
  /** Throughput each way (bit/s); 0: unlimited. */
  readonly bitsPerS: number;
}

export const UNTHROTTLED: NetworkProfile = { name: "unthrottled", latencyMs: 0, bitsPerS: 0 };
export const WORKSHOP_WIFI: NetworkProfile = { name: "1.6 Mbit/s, 150 ms", latencyMs: 150, bitsPerS: 1_600_000 };
export const CROWDED_WIFI: NetworkProfile = { name: "1.6 Mbit/s, 300 ms", latencyMs: 300, bitsPerS: 1_600_000 };

/** Applies `profile` to the page's requests; returns the CDP session (also used for touches). */
export async function throttle(page: Page, profile: NetworkProfile): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: profile.latencyMs,
    downloadThroughput: profile.bitsPerS === 0 ? -1 : profile.bitsPerS / 8,
    uploadThroughput: profile.bitsPerS === 0 ? -1 : profile.bitsPerS / 8,
  });
  return cdp;
}

/** The centre of the stick and its radius, in CSS pixels. */
export async function stickGeometry(page: Page, selector = "#pad"): Promise<{ x: number; y: number; r: number }> {
  const box = await page.locator(selector).boundingBox();
  if (box === null) throw new Error(`the stick ${selector} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2, r: box.width / 2 };
}

/** A finger on the screen: put down, moved, lifted (CDP touch events; the page sees touch pointer events). */
export class Finger {
  readonly #cdp: CDPSession;
  #x = 0;
  #y = 0;

  constructor(cdp: CDPSession) {
    this.#cdp = cdp;
  }

  async down(x: number, y: number): Promise<void> {
    this.#x = x;
    this.#y = y;
    await this.#cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [{ x, y, id: 1 }] });
  }

  async move(x: number, y: number): Promise<void> {
    this.#x = x;
    this.#y = y;
    await this.#cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [{ x, y, id: 1 }] });
  }

  /** Lifts the finger; returns the moment (CLOCK_MONOTONIC ns, the edge log's clock) just before it left the glass. */
  async up(): Promise<bigint> {
    const at = monotonicNs();
    await this.#cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    return at;
  }

  /** Keeps the finger on the stick for `ms`, wiggling a little every 100 ms as a real thumb does. */
  async hold(ms: number): Promise<void> {
    const end = performance.now() + ms;
    let i = 0;
    while (performance.now() < end) {
      await Bun.sleep(100);
      i += 1;
      await this.move(this.#x + (i % 2 === 0 ? 2 : -2), this.#y);
    }
  }
}

/**
 * Milliseconds from `releaseNs` to the motors' last edge after it: the moment the last wheel went low for good
 * (read once the pins are quiet), or 0 when no motor pin moved after the release. The release-to-stop time.
 */
export function releaseToStopMs(buffer: ArrayBuffer, from: number, releaseNs: bigint): number {
  const last = motorEdges(buffer, from)
    .edges.filter((e) => e.ns >= releaseNs)
    .at(-1);
  return last === undefined ? 0 : Number(last.ns - releaseNs) / 1e6;
}
