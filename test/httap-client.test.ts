/**
 * @module assets/httap.js's own bookkeeping (issue 18), run with a fake fetch and fake timers: no browser needed.
 * A `/?queue` reply that was asked for before the device became ours must not end our turn: on a busy machine the
 * poll sent just before a claim comes back after it, still saying "not yours", and the page used to close a turn the
 * device had just given it (the car then never drove until the page was reloaded).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { fakeBrowser, type FakeBrowser } from "./support/fake-browser.ts";

let browser: FakeBrowser;
let queueReply: (r: Response) => void = () => {};

beforeAll(() => {
  browser = fakeBrowser((url) => {
    if (url === "/?queue") return new Promise<Response>((resolve) => (queueReply = resolve)); // held: answered late
    if (url === "/?claim")
      return Promise.resolve(new Response('{"Remain":15,"Timeout":15}', { status: 200, headers: { "HTTaP-Session": "abcd1234" } }));
    return Promise.resolve(new Response("{}", { status: 200 }));
  });
});
afterAll(() => browser.restore());

test("a /?queue reply asked for before our claim was answered does not close the turn the claim opened", async () => {
  // @ts-ignore: a browser script, typed by its JSDoc only (no declaration file)
  const { Httap } = await import("../assets/httap.js");
  const device = new Httap("");
  const closed: unknown[] = [];
  device.addEventListener("closed", (e: Event) => closed.push((e as CustomEvent).detail));
  device.isReachable = true;
  device._startPolling();
  browser.timers.shift()?.fn(); // the poll goes out: the device is free, and nobody has claimed it yet
  device.claim(); // the participant touches the stick
  await Bun.sleep(0);
  expect(device.isOpen).toBe(true);
  queueReply(new Response('{"owned":false,"you":false,"waiting":0,"place":0,"line":[]}', { status: 200 })); // the late poll
  await Bun.sleep(0);
  await Bun.sleep(0);
  expect(device.isOpen).toBe(true);
  expect(closed).toEqual([]);
});
