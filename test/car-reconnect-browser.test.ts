/**
 * @module Races on the car page, made certain instead of waited for. The order is forced with Chromium's request
 * interception, by events, not by times.
 * - Seen in the room test on a loaded machine: the page asks for the car, and its once-a-second look at the line
 *   (`/?queue`) learns the car is its own before the claim's own answer does, so it reconnects (`GET /?`). The
 *   claim's answer opens the turn, the participant holds the throttle, and only then does the reconnect complete.
 *   That late reconnect is no comeback of a lost car: the press held on the open turn must go on driving. The claim's
 *   answer is held until the reconnect has asked, the reconnect's request until the car drives.
 * - Seen in the restart test on a slow network (CI): the device stops while a drive command is on its way back; the
 *   page's look at the line fails, so the car is lost; then the command's answer arrives, naming the session of
 *   before. That stale answer must not open the car again: it did, which cancelled the reconnect, and the page sat
 *   unreachable and silent until its keep-alive, a second press needed once more. The answer is held until the page
 *   has said the car is lost.
 * - Seen in the room test: a participant who asked while the page was still reading the device sees "You're in line"
 *   for a moment; the turn opens and the dialog closes, but the dialog kept the focus until the browser's next
 *   fix-up, and the arrow key pressed as "Your turn" appeared went to it and was lost (so would a name field in it
 *   that had the focus). The claim is held until the dialog is open; where the focus is, is read in the same task as
 *   the dialog closes.
 */
import { afterAll, afterEach, beforeAll, expect, test } from "bun:test";
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

/** Ends this host's session, whatever a closed page left behind (every page here connects from 127.0.0.1). */
async function giveBack(): Promise<void> {
  await fetch(`http://127.0.0.1:${server.port}/?invalid`);
}

afterEach(giveBack);

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

test(
  "a drive command's answer that arrives after the car was lost does not open it again: the page reconnects",
  async () => {
    const context = await chrome.browser.newContext();
    const page = await context.newPage();
    let holdNextDrive = false;
    let failLine = false;
    let isStaleAnswerIn = false;
    let reconnects = 0; // reads of the device after the stale answer arrived
    let looksAfterBack = 0; // looks at the line answered once the device answers again
    const driveHeld = signal();
    const lostSeen = signal();
    await page.route(
      (url) => url.href.endsWith("/?motors"),
      async (route) => {
        if (!holdNextDrive || route.request().method() !== "POST") return route.continue();
        holdNextDrive = false;
        const response = await route.fetch(); // carried out, its answer naming the session of now
        driveHeld.fire();
        await within(lostSeen.promise);
        await route.fulfill({ response });
        isStaleAnswerIn = true;
      },
    );
    await page.route(
      (url) => url.href.endsWith("/?queue"),
      (route) => {
        if (route.request().method() !== "GET") return route.continue();
        if (failLine) return route.abort("connectionrefused");
        if (isStaleAnswerIn) looksAfterBack += 1;
        return route.continue();
      },
    );
    await page.route(
      (url) => url.href.endsWith("/?"),
      (route) => {
        if (isStaleAnswerIn && failLine) reconnects += 1;
        return route.continue();
      },
    );
    await page.goto(`http://127.0.0.1:${server.port}/car.html`, { timeout: WAIT_MS });
    await page.getByText("Touch the stick to drive. Let go to stop.").waitFor({ timeout: WAIT_MS });

    await page.keyboard.down("ArrowUp"); // claims the free car and drives
    expect(await waitFor(async () => (await motors()).left > 0)).toBe(true);
    holdNextDrive = true;
    expect(await within(driveHeld.promise)).toBe(true);
    failLine = true; // the device stops answering: the next look at the line is refused
    await page.getByText("No answer from the car", { exact: false }).waitFor({ timeout: WAIT_MS });
    lostSeen.fire(); // now the drive command's answer arrives, from before the loss
    // the page tries to reach the device again (each try refused at the line while it is away)
    expect(await waitFor(() => reconnects >= 1)).toBe(true);
    failLine = false; // the device answers again: the page reads it, and looks at the line once a second again
    expect(await waitFor(() => looksAfterBack >= 2)).toBe(true);
    await page.getByText("Let go and touch the stick again", { exact: false }).waitFor({ timeout: WAIT_MS });
    expect(await page.locator("#pad").getAttribute("data-held")).toBe("disarmed");
    await page.keyboard.up("ArrowUp");
    expect(await waitFor(async () => (await motors()).left === 0)).toBe(true);
    await page.keyboard.down("ArrowUp"); // let go and pressed again: it drives
    expect(await waitFor(async () => (await motors()).left > 0)).toBe(true);
    await page.keyboard.up("ArrowUp");
    expect(await waitFor(async () => (await motors()).left === 0)).toBe(true);
    await context.close();
  },
  WAIT_MS * 6,
);

/** Page script: where the focus is each time the waiting dialog closes, read in the same task (before any fix-up by
 * the browser), into `window.focusAtClose`. */
const RECORD_FOCUS_AT_CLOSE = `{
  window.focusAtClose = [];
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.target.matches?.("dialog.wait") && !c.target.open) window.focusAtClose.push(document.activeElement?.tagName);
    }
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ["open"] });
}`;

for (const [where, focus] of [
  ["the dialog", null],
  ["its name field", "dialog.wait input"],
] as const) {
  test(
    `the key pressed as the turn opens steers: the closing waiting dialog hands the focus back (it was on ${where})`,
    async () => {
      const context = await chrome.browser.newContext();
      await context.addInitScript(RECORD_FOCUS_AT_CLOSE);
      const page = await context.newPage();
      const dialogOpen = signal();
      await page.route(
        (url) => url.href.endsWith("/?claim"),
        async (route) => {
          await within(dialogOpen.promise); // the claim goes out once the page shows the line
          await route.continue();
        },
      );
      await page.goto(`http://127.0.0.1:${server.port}/car.html`, { timeout: WAIT_MS });
      await page.getByText("Touch the stick to drive. Let go to stop.").waitFor({ timeout: WAIT_MS });
      await page.keyboard.press("ArrowUp"); // asks for the car
      await page.locator("dialog.wait[open]").waitFor({ timeout: WAIT_MS }); // "You're in line" while the claim is on its way
      if (focus !== null) await page.locator(focus).focus(); // a participant typing a name while waiting
      dialogOpen.fire();
      await page.getByText("Your turn", { exact: true }).waitFor({ timeout: WAIT_MS });
      expect(await page.evaluate("window.focusAtClose")).toEqual(["BODY"]);
      await page.keyboard.down("ArrowUp");
      expect(await waitFor(async () => (await motors()).left > 0)).toBe(true);
      expect(await page.locator("#pad").getAttribute("data-held")).toBe("armed");
      await page.keyboard.up("ArrowUp");
      expect(await waitFor(async () => (await motors()).left === 0)).toBe(true);
      await context.close();
    },
    WAIT_MS * 4,
  );
}
