/**
 * @module assets/httap.js after the device was lost (seen in the restart test on a slow network), run with a fake
 * fetch and fake timers: no browser needed. An answer to a request sent before the loss speaks of the turn of then
 * (a restarted device no longer has its session): it must not open the device. Nothing but a reconnect cancels the
 * reconnect a loss plans: before, the stale answer opened the car, which cancelled it, and the page stayed
 * unreachable, its look at the line stopped. A reading of the device begun before a loss is of before, and one that
 * hangs ends by its time limit: neither may hold the page back from reading the device afresh.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from "bun:test";
import { fakeBrowser, type FakeBrowser, type FakeTimer } from "./support/fake-browser.ts";

let browser: FakeBrowser;
const asked: string[] = [];
/** The answers held back, by "METHOD url": the test gives each when it chooses. */
const held = new Map<string, { answer: (r: Response) => void; fail: (e: Error) => void; init?: RequestInit }>();

beforeAll(() => {
  browser = fakeBrowser(
    (url, init) =>
      new Promise<Response>((answer, fail) => {
        const request = `${init?.method ?? "GET"} ${url}`;
        asked.push(request);
        held.set(request, { answer, fail, init });
      }),
  );
});
afterAll(() => browser.restore());
beforeEach(() => {
  asked.length = 0;
  held.clear();
  browser.timers.length = 0;
});

/** A device's answer naming session `session`. */
const answer = (body: object, session = "abcd1234") =>
  new Response(JSON.stringify(body), { status: 200, headers: { "HTTaP-Session": session } });
const settle = async () => {
  for (let i = 0; i < 5; i++) await Bun.sleep(0);
};

// @ts-ignore: a browser script, typed by its JSDoc only (no declaration file)
const { Httap } = await import("../assets/httap.js");

/** A page whose device answers: it has read the device and polls the line (its first look not yet gone out). */
function readDevice(): { device: InstanceType<typeof Httap>; opened: unknown[]; poll: FakeTimer } {
  const device = new Httap("");
  const opened: unknown[] = [];
  device.addEventListener("open", () => opened.push(true));
  device.isReachable = true;
  device._startPolling();
  return { device, opened, poll: browser.timers.at(-1)! };
}

/** The look at the line goes out and is refused: the device is lost. Returns the reconnect the loss planned. */
async function loseDevice(device: InstanceType<typeof Httap>, poll: FakeTimer): Promise<FakeTimer> {
  poll.fn();
  const before = browser.timers.length;
  held.get("GET /?queue")?.fail(new TypeError("Failed to fetch"));
  await settle();
  expect(device.isReachable).toBe(false);
  const reconnect = browser.timers[before]; // the loss plans the reconnect first, then the next look
  expect(reconnect?.ms).toBe(1000);
  return reconnect;
}

test("a claim's answer that arrives after the device was lost opens nothing; the reconnect is still due", async () => {
  const { device, opened, poll } = readDevice();
  device.claim();
  expect(asked).toEqual(["POST /?claim"]);
  const reconnect = await loseDevice(device, poll);
  held.get("POST /?claim")?.answer(answer({ Remain: 15, Timeout: 15 })); // the claim's late answer
  await settle();
  expect(device.isOpen).toBe(false);
  expect(opened).toEqual([]);
  expect(reconnect.cleared).toBe(false);
  asked.length = 0;
  reconnect.fn();
  expect(asked).toEqual(["GET /?"]); // it reads the device again
});

test("a drive command's answer from before the loss, naming the session of then, opens nothing", async () => {
  const { device, opened, poll } = readDevice();
  device.claim();
  held.get("POST /?claim")?.answer(answer({ Remain: 15, Timeout: 15 }));
  await settle();
  expect(device.isOpen).toBe(true);
  device.drive(0.5, 0.5); // on its way when the device stops
  expect(asked).toContain("POST /?motors");
  const reconnect = await loseDevice(device, poll);
  expect(device.isOpen).toBe(false);
  held.get("POST /?motors")?.answer(answer({ left: 0.5, right: 0.5, applied: true }));
  await settle();
  expect(device.isOpen).toBe(false);
  expect(opened).toEqual([true]); // the claim's, only
  expect(reconnect.cleared).toBe(false);
});

test("a command sent after the loss that opens the device leaves the reconnect due", async () => {
  const { device, poll } = readDevice();
  const reconnect = await loseDevice(device, poll);
  device.post("leds", 0); // a page that posts without asking first (a program mid-run)
  await settle();
  held.get("POST /?leds")?.answer(answer({ value: 0 }, "ef567890")); // the device, free, opened a session for it
  await settle();
  expect(device.isOpen).toBe(true); // the device says so: its session is ours
  expect(reconnect.cleared).toBe(false); // and the page still reads it again, so its look at the line resumes
});

test("a claim's answer after the turn ended, for a page that no longer wants it, is given straight back", async () => {
  const { device, poll } = readDevice();
  device.claim();
  held.get("POST /?claim")?.answer(answer({ Remain: 15, Timeout: 15 }));
  await settle();
  device.name = "Ana"; // a new name is sent with a claim at once
  expect(asked.filter((r) => r === "POST /?claim").length).toBe(2);
  poll.fn(); // the line says the turn lapsed meanwhile
  held.get("GET /?queue")?.answer(answer({ owned: false, you: false, yourLastEnd: "lapsed", waiting: 0, place: 0, line: [] }));
  await settle();
  expect(device.isOpen).toBe(false);
  expect(device.wantsTurn).toBe(false);
  held.get("POST /?claim")?.answer(answer({ Remain: 15, Timeout: 15 }, "ef567890"));
  await settle();
  expect(device.isOpen).toBe(false);
  expect(asked.at(-1)).toBe("POST /?queue"); // left: the device is free for the next in line
});

test("a loss while the device is being read: that reading opens and readies nothing; the reconnect reads it again", async () => {
  const device = new Httap("");
  const events: string[] = [];
  for (const type of ["ready", "open", "lost"]) device.addEventListener(type, () => events.push(type));
  device.connect();
  expect(asked).toEqual(["GET /?"]);
  device.get("motors").catch(() => {}); // a read that fails: the device is lost while the first reading is on its way
  const timersBeforeLoss = browser.timers.length;
  held.get("GET /?motors")?.fail(new TypeError("Failed to fetch"));
  await settle();
  const reconnect = browser.timers[timersBeforeLoss];
  expect(reconnect?.ms).toBe(1000);
  held.get("GET /?")?.answer(answer({ Timeout: 15 })); // the reading of before goes on, naming a session
  await settle();
  held.get("GET /?device")?.answer(answer({ id: "car-01", apps: ["car"] }));
  await settle();
  held.get("GET /?queue")?.answer(answer({ owned: true, you: true, waiting: 0, place: 0, line: [] }));
  await settle();
  expect(device.isReachable).toBe(false);
  expect(device.isOpen).toBe(false);
  expect(events).toEqual([]);
  expect(reconnect?.cleared).toBe(false);
  asked.length = 0;
  reconnect?.fn();
  expect(asked).toEqual(["GET /?"]);
});

test("every reading of the device carries a time limit: a reading that hangs cannot hold the next attempt back", async () => {
  const device = new Httap("");
  device.connect();
  held.get("GET /?")?.answer(answer({ Timeout: 15 }, "00000000"));
  await settle();
  held.get("GET /?device")?.answer(answer({ id: "car-01", apps: ["car"] }, "00000000"));
  await settle();
  expect(asked).toEqual(["GET /?", "GET /?device", "GET /?queue"]);
  for (const request of asked) expect(held.get(request)?.init?.signal).toBeInstanceOf(AbortSignal);
  const timersBeforeLoss = browser.timers.length;
  held.get("GET /?queue")?.fail(new DOMException("The operation timed out.", "TimeoutError")); // its limit passed
  await settle();
  expect(device.isReachable).toBe(false);
  const reconnect = browser.timers[timersBeforeLoss];
  expect(reconnect?.ms).toBe(1000);
  asked.length = 0;
  reconnect?.fn();
  expect(asked).toEqual(["GET /?"]); // a fresh attempt, not the hung one joined
});
