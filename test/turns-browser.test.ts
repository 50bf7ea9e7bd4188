/**
 * @module Fair turns as people see them (issue 8): two Chromium contexts on the car page from two addresses. A
 * browser on loopback always connects from 127.0.0.1, so the second goes through a small relay that connects onward
 * from 127.0.0.2. The second sees the busy screen with its place and a countdown, and drives once the first leaves;
 * with HTTAP_TURN_S it gets the car when the first one's turn is over. Nothing is timed from above: "at once" is
 * shown by a session that would otherwise last 200 s, and every wait is for what the page shows, up to WAIT_MS.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TCPSocketListener } from "bun";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-turns-"));
const SHOTS = resolve(import.meta.dir, "../.test-output/screenshots");
let chrome: RunningBrowser;
const servers: RunningServer[] = [];
const relays: TCPSocketListener<unknown>[] = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  for (const r of relays) r.stop(true);
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** A TCP relay on 127.0.0.1 whose connections reach `port` from 127.0.0.2. */
function relayFrom2(port: number): number {
  const listener = Bun.listen<{ up: ReturnType<typeof connect> | null; early: Buffer[] }>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { up: null, early: [] };
        const up = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" }, () => {
          for (const b of s.data.early) up.write(b);
          s.data.early = [];
        });
        up.on("data", (b) => s.write(b));
        up.on("close", () => s.end());
        up.on("error", () => s.end());
        s.data.up = up;
      },
      data(s, b) {
        if (s.data.up?.writable && s.data.early.length === 0 && !s.data.up.connecting) s.data.up.write(Buffer.from(b));
        else s.data.early.push(Buffer.from(b));
      },
      close(s) {
        s.data.up?.destroy();
      },
    },
  });
  relays.push(listener as never);
  return listener.port;
}

async function carPages(env: Record<string, string>) {
  const server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: join(dir, `sim-${servers.length}.bin`), ...env });
  servers.push(server);
  const relay = relayFrom2(server.port);
  const a = await chrome.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const b = await chrome.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const pa = await a.newPage();
  await pa.goto(`http://127.0.0.1:${server.port}/car.html`, { timeout: WAIT_MS });
  await pa.getByText("Ready: the car is yours.").waitFor({ timeout: WAIT_MS });
  const pb = await b.newPage();
  await pb.goto(`http://127.0.0.1:${relay}/car.html`, { timeout: WAIT_MS });
  return { a, b, pa, pb };
}

describe("two people, one car", () => {
  test(
    "the second sees the busy screen with its place and a countdown, and drives once the first leaves",
    async () => {
      // A's session would last 200 s after its last request: B getting the car within WAIT_MS means A gave it back.
      const { a, b, pa, pb } = await carPages({ HTTAP_KEEPALIVE: "200" });
      try {
        const busy = pb.locator(".shell-busy");
        await busy.waitFor({ state: "visible", timeout: WAIT_MS });
        expect(await busy.textContent()).toMatch(/In use by 127\.0\.0\.1.*You are number 1 in line.*About \d+ s/s);
        const wait = async () => Number(await pb.locator("[data-wait]").textContent());
        const first = await wait();
        expect(await waitFor(async () => (await wait()) < first, WAIT_MS, 100)).toBe(true); // counting down
        await pb.screenshot({ path: join(SHOTS, "car-phone-busy.png") });
        // The tab closes (its browser stays): pagehide, and the page gives the car back at once. Closing the whole
        // context instead may tear its network down before that keepalive request is out (seen on a loaded machine).
        await pa.close();
        await pb.getByText("Ready: the car is yours.").waitFor({ timeout: WAIT_MS });
        expect(await busy.isVisible()).toBe(false);
      } finally {
        await b.close();
        await a.close().catch(() => {});
      }
    },
    60_000 + 4 * WAIT_MS,
  );

  test(
    "HTTAP_TURN_S=10: the second gets the car when the first one's turn is over",
    async () => {
      const { a, b, pa, pb } = await carPages({ HTTAP_TURN_S: "10" });
      try {
        await pb.locator(".shell-busy").waitFor({ state: "visible", timeout: WAIT_MS });
        const t0 = performance.now();
        await pb.getByText("Ready: the car is yours.").waitFor({ timeout: 10_000 + WAIT_MS });
        expect(performance.now() - t0).toBeGreaterThan(5_000); // not before the turn ran out (10 s from A's start)
        await pa.locator(".shell-busy").waitFor({ state: "visible", timeout: WAIT_MS }); // and now A waits its turn
        expect(await pa.locator(".shell-busy").textContent()).toMatch(/In use by 127\.0\.0\.2/);
      } finally {
        await a.close();
        await b.close();
      }
    },
    60_000 + 4 * WAIT_MS,
  );
});
