/**
 * @module assets/httap.js after the device was lost (seen in the restart test on a slow network), run with a fake
 * fetch and fake timers: no browser needed. An answer to a request sent before the loss names the session of then (a
 * restarted device no longer has it): it must not open the device, whose reconnect would otherwise be cancelled and
 * the page left unreachable. And a claim made while the device is not known to answer reads the device first.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { fakeBrowser, type FakeBrowser } from "./support/fake-browser.ts";

let browser: FakeBrowser;
const asked: string[] = [];
/** The answers held back, by URL: the test gives each when it chooses. */
const held = new Map<string, { answer: (r: Response) => void; fail: (e: Error) => void }>();

beforeAll(() => {
  browser = fakeBrowser(
    (url) =>
      new Promise<Response>((answer, fail) => {
        asked.push(url);
        held.set(url, { answer, fail });
      }),
  );
});
afterAll(() => browser.restore());

const OURS = { status: 200, headers: { "HTTaP-Session": "abcd1234" } };
const settle = async () => {
  for (let i = 0; i < 5; i++) await Bun.sleep(0);
};

test("a claim's answer that arrives after the device was lost opens nothing; the reconnect is still due", async () => {
  // @ts-ignore: a browser script, typed by its JSDoc only (no declaration file)
  const { Httap } = await import("../assets/httap.js");
  const device = new Httap("");
  const opened: unknown[] = [];
  device.addEventListener("open", () => opened.push(true));
  device.isReachable = true;
  device.claim();
  expect(asked).toEqual(["/?claim"]);
  device._startPolling();
  browser.timers.at(-1)?.fn(); // the look at the line goes out, and is refused: the device is lost
  const timersBeforeLoss = browser.timers.length;
  held.get("/?queue")?.fail(new TypeError("Failed to fetch"));
  await settle();
  expect(device.isReachable).toBe(false);
  const reconnect = browser.timers[timersBeforeLoss]; // the loss plans the reconnect first, then the next look
  expect(reconnect?.ms).toBe(1000);
  const timersAtLoss = browser.timers.length;
  held.get("/?claim")?.answer(new Response('{"Remain":15,"Timeout":15}', OURS)); // the claim's late answer
  await settle();
  expect(device.isOpen).toBe(false);
  expect(opened).toEqual([]);
  expect(browser.timers.length).toBe(timersAtLoss); // nothing new was planned: the reconnect stays the next step
  asked.length = 0;
  reconnect?.fn();
  expect(asked).toEqual(["/?"]); // it reads the device again
});

test("a claim made while the device is not known to answer reads the device first", async () => {
  // @ts-ignore: a browser script, typed by its JSDoc only (no declaration file)
  const { Httap } = await import("../assets/httap.js");
  const device = new Httap("");
  asked.length = 0;
  device.claim();
  expect(asked).toEqual(["/?"]);
  expect(device.wantsTurn).toBe(true);
});
