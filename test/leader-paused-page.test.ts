/**
 * @module The page's side of the leader's pause (issue 21): a waiting page whose claim is answered 423 keeps
 * asking, so it learns of the resume and its turn goes on (the line kept its place meanwhile). assets/httap.js is
 * run here with a fake fetch and fake timers: no browser needed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { fakeBrowser, type FakeBrowser } from "./support/fake-browser.ts";

const claims: string[] = [];
let answer = 423;
let browser: FakeBrowser;

beforeAll(() => {
  browser = fakeBrowser(async (url) => {
    claims.push(url);
    const body = answer === 423 ? { error: "paused", paused: { message: "Eyes on me" } } : { owned: true, place: 1, waiting: 1 };
    return new Response(JSON.stringify(body), { status: answer, headers: { "Retry-After": "1" } });
  });
});
afterAll(() => browser.restore());

test("a claim answered 423 is asked again while paused, and the page is in line again after the resume", async () => {
  // @ts-ignore: a browser script, typed by its JSDoc only (no declaration file)
  const { Httap } = await import("../assets/httap.js");
  const device = new Httap("");
  const busy: unknown[] = [];
  device.addEventListener("busy", (e: Event) => busy.push((e as CustomEvent).detail));
  device.wantsTurn = true;
  await device._ask();
  expect(device.paused).toBe("Eyes on me");
  expect(claims).toEqual(["/?claim"]);
  const again = browser.timers.at(-1);
  expect(again?.ms).toBeLessThanOrEqual(3000); // it asks again: the pause may end any time
  answer = 503; // resumed: someone drives, we wait in line
  again?.fn();
  await Bun.sleep(0); // the claim's reply is read
  expect(claims).toEqual(["/?claim", "/?claim"]);
  expect(busy.length).toBe(1);
});
