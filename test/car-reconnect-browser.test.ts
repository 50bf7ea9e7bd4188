/**
 * @module A race on the car page, made certain instead of waited for (seen in the room test on a loaded machine): the
 * page asks for the car, and its once-a-second look at the line (`/?queue`) learns the car is its own before the
 * claim's own answer does, so it reconnects (`GET /?`). The claim's answer opens the turn, the participant holds the
 * throttle, and only then does the reconnect complete. That late reconnect is no comeback of a lost car: the press
 * held on the open turn must go on driving. The order is forced with Chromium's request interception, by events, not
 * by times: the claim's answer is held until the reconnect has asked, the reconnect's request until the car drives.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-reconnect-"));
let chrome: RunningBrowser;
let server: RunningServer;

beforeAll(async () => {
  [chrome, server] = await Promise.all([launchChromium(), startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: join(dir, "sim.bin") })]);
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A promise and the function that settles it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = () => {};
  const promise = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { promise, fire };
}

const within = (promise: Promise<void>) => Promise.race([promise.then(() => true), Bun.sleep(WAIT_MS).then(() => false)]);

async function motors(): Promise<{ left: number; right: number; lastStop: string | null }> {
  return (await (await fetch(`http://127.0.0.1:${server.port}/?motors`)).json()) as {
    left: number;
    right: number;
    lastStop: string | null;
  };
}

test(
  "a reconnect that completes after the page's own claim opened the car leaves the held throttle driving",
  async () => {
    const context = await chrome.browser.newContext();
    // counts the Httap object's "ready" events: the first on loading, the second the late reconnect's
    await context.addInitScript(`{
      const dispatch = EventTarget.prototype.dispatchEvent;
      EventTarget.prototype.dispatchEvent = function (event) {
        if (event.type === "ready") window.readyEvents = (window.readyEvents ?? 0) + 1;
        return dispatch.call(this, event);
      };
    }`);
    const page = await context.newPage();
    let hasClaimed = false;
    const reconnectAsked = signal();
    const carDrives = signal();
    await page.route(
      (url) => url.href.endsWith("/?claim"),
      async (route) => {
        hasClaimed = true;
        const response = await route.fetch(); // the device gives the car now; the page hears of it later
        await within(reconnectAsked.promise);
        await route.fulfill({ response });
      },
    );
    await page.route(
      (url) => url.href.endsWith("/?"),
      async (route) => {
        if (!hasClaimed) return route.continue();
        reconnectAsked.fire();
        await within(carDrives.promise); // sent on late: a read, its answer the same (route.fetch() would drop the bare "?")
        await route.continue();
      },
    );
    await page.goto(`http://127.0.0.1:${server.port}/car.html`, { timeout: WAIT_MS });
    await page.getByText("Touch the stick to drive. Let go to stop.").waitFor({ timeout: WAIT_MS });

    await page.keyboard.press("ArrowUp"); // asks for the car
    expect(await within(reconnectAsked.promise)).toBe(true); // the line's poll saw the car ours first: it reconnects
    await page.getByText("Your turn", { exact: true }).waitFor({ timeout: WAIT_MS });
    await page.keyboard.down("ArrowUp");
    expect(await waitFor(async () => (await motors()).left > 0)).toBe(true);

    let drivesSent = 0;
    await page.route(
      (url) => url.href.endsWith("/?motors"),
      (route) => {
        drivesSent += 1;
        return route.continue();
      },
    );
    carDrives.fire(); // the reconnect completes now
    const readyEvents = () => page.evaluate("window.readyEvents");
    if (!(await waitFor(async () => (await readyEvents()) === 2))) throw new Error(`ready events: ${await readyEvents()}`);
    expect(await page.locator("#pad").getAttribute("data-held")).toBe("armed");
    expect(await page.locator("#state").textContent()).toBe("Driving. Let go to stop.");
    // it goes on re-sending the drive, and the car drives: no stop was sent
    const sentAtReady = drivesSent;
    expect(await waitFor(() => drivesSent >= sentAtReady + 3)).toBe(true);
    expect(await motors()).toMatchObject({ left: 0.6, right: 0.6, lastStop: null });
    await page.keyboard.up("ArrowUp");
    expect(await waitFor(async () => (await motors()).left === 0)).toBe(true);
    await context.close();
  },
  WAIT_MS * 4,
);
