/**
 * @module The Code page's safety (issue 20, after review) in Debian's headless Chromium against the real server on the
 * simulator: a loop with an empty body (`while (true);`, `for (;;);`, `do ; while (true)`) still gives the page its
 * turn, so a click is handled and Stop brings the motors low; a loop in an array callback, which cannot wait, ends the
 * run with a sentence instead of freezing the page for good; a forever loop with waits keeps a bounded set of
 * wakers; a variable named `car` in blocks does not hide the API; saving over a program already on the device asks
 * first, in the page's own dialog; the leader's pause (issue 21) stops a running program at once and nothing drives
 * after the resume until Run. Every wait is for a condition, up to WAIT_MS.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { clickIsHandled, generatedCode, javascriptMode, openCode, output } from "./support/code-page.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { MOTOR_PINS, SimPins } from "./support/sim-pins.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-code-safety-"));
const PIN = "2468";
let server: RunningServer;
let chrome: RunningBrowser;
let sim: SimPins;

beforeAll(async () => {
  server = await startServer({
    HTTAP_GPIO: "sim",
    HTTAP_SIM_FILE: join(dir, "sim.bin"),
    HTTAP_STATE_DIR: join(dir, "state"),
    HTTAP_LEADER_PIN: PIN,
  });
  sim = new SimPins(join(dir, "sim.bin"));
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  sim?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const motorRises = (from: number) => sim.edgesSince(from).filter((e) => MOTOR_PINS.includes(e.pin) && e.level === 1);

const api = async (target: string, body?: unknown, headers: Record<string, string> = {}) => {
  const init = body === undefined ? {} : { method: "POST", body: JSON.stringify(body) };
  const r = await fetch(`http://127.0.0.1:${server.port}${target}`, { ...init, headers });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
};
/** Closes a context, or gives up after 5 s (a page frozen by a defect would otherwise hold the rest of the file). */
const closeContext = (context: BrowserContext) => Promise.race([context.close().catch(() => {}), Bun.sleep(5000)]);
const newContext = () => chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });

describe("code.html, safe to run", () => {
  test("`while (true);`, `for (;;);`, `do ; while (true)`: a click is handled, Stop brings the motors low", async () => {
    const context = await newContext();
    try {
      const { page, errors } = await openCode(context, server.port);
      for (const loop of ["while (true);", "for (;;);", "do ; while (true)"]) {
        await javascriptMode(page, `car.drive(100, 100);\n${loop}\n`);
        await page.getByRole("button", { name: "Run" }).click();
        expect(await waitFor(sim.motorsHigh)).toBe(true);
        expect(await clickIsHandled(page)).toBe(true);
        await page.getByRole("button", { name: "Stop" }).click();
        expect(await sim.motorsStopped()).toBe(true);
        await page.getByText("Stopped.").waitFor({ timeout: WAIT_MS });
      }
      expect(errors).toEqual([]);
    } finally {
      await closeContext(context);
    }
  }, 90_000);

  test("a loop in an array callback (it cannot wait) ends the run with a sentence; the page answers, the motors are low", async () => {
    const context = await newContext();
    try {
      const { page, errors } = await openCode(context, server.port);
      await javascriptMode(page, "car.drive(100, 100);\n[1, 2].forEach((n) => {\n  while (true);\n});\n");
      await page.getByRole("button", { name: "Run" }).click();
      await page.locator('#output[data-kind="error"]').waitFor({ timeout: WAIT_MS });
      expect(await output(page)).toContain("without a pause");
      expect(await sim.motorsStopped()).toBe(true);
      expect(await clickIsHandled(page)).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await closeContext(context);
    }
  }, 60_000);

  test("a forever loop with waits keeps its wakers bounded (none left behind by each wait)", async () => {
    const context = await newContext();
    try {
      const { page, errors } = await openCode(context, server.port);
      await page.locator("#target").selectOption("virtual");
      await javascriptMode(page, "while (true) {\n  wait(10);\n}\n");
      await page.getByRole("button", { name: "Run" }).click();
      await page.waitForFunction("codePage.runner.running", null, { timeout: WAIT_MS });
      let most = 0;
      const end = performance.now() + 2000;
      while (performance.now() < end) {
        const size = (await page.evaluate(
          "(() => { const w = codePage.runner._ctl?.wake; return w?.size ?? w?.length ?? 0; })()",
        )) as number;
        most = Math.max(most, size);
        await Bun.sleep(100);
      }
      expect(most).toBeLessThanOrEqual(2);
      await page.getByRole("button", { name: "Stop" }).click();
      await page.getByText("Stopped.").waitFor({ timeout: WAIT_MS });
      expect(errors).toEqual([]);
    } finally {
      await closeContext(context);
    }
  }, 60_000);

  test("blocks: a variable named `car` does not hide the API: the car still drives", async () => {
    const context = await newContext();
    try {
      const { page, errors } = await openCode(context, server.port);
      const move = {
        type: "car_move",
        fields: { HOW: "forward" },
        inputs: { SECONDS: { shadow: { type: "math_number", fields: { NUM: 0.3 } } } },
      };
      const set = {
        type: "variables_set",
        x: 20,
        y: 20,
        fields: { VAR: { id: "v-car" } },
        inputs: { VALUE: { block: { type: "math_number", fields: { NUM: 1 } } } },
        next: { block: move },
      };
      const state = { blocks: { languageVersion: 0, blocks: [set] }, variables: [{ name: "car", id: "v-car" }] };
      await page.evaluate(`codePage.Blockly.serialization.workspaces.load(${JSON.stringify(state)}, codePage.workspace)`);
      const gen = await generatedCode(page, (text) => text.includes("car.forward(0.3);"));
      expect(gen).not.toMatch(/\bvar car\b/);
      expect(gen).toContain("car.forward(0.3);");
      const from = sim.edgeCount();
      await page.getByRole("button", { name: "Run" }).click();
      await page.getByText("Done on the real car.").waitFor({ timeout: WAIT_MS });
      expect(motorRises(from).length).toBeGreaterThan(0);
      expect(await sim.motorsStopped()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await closeContext(context);
    }
  }, 60_000);

  test("saving over a program already on the device asks first, in the page's dialog: Cancel keeps theirs, Replace saves", async () => {
    const theirs = { name: "my-program", mode: "js", code: "car.forward(2); // Ana's\n", blocks: null };
    expect((await api("/?programs", theirs)).status).toBe(200);
    const context = await newContext();
    try {
      const { page, errors } = await openCode(context, server.port);
      await page.locator("#program-name").fill("my-program");
      await page.getByRole("button", { name: "Save" }).click();
      const dialog = page.getByRole("dialog", { name: "Replace the saved program?" });
      await dialog.waitFor({ timeout: WAIT_MS });
      expect(await dialog.textContent()).toContain("“my-program” is already saved on this device");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await page.getByText(/Not saved: “my-program” is already on the device/).waitFor({ timeout: WAIT_MS });
      expect((await api("/?programs?name=my-program")).body.code).toBe(theirs.code);
      await page.getByRole("button", { name: "Save" }).click();
      await dialog.waitFor({ timeout: WAIT_MS });
      await dialog.getByRole("button", { name: "Replace it" }).click();
      await page.getByText("Saved “my-program” on the device.").waitFor({ timeout: WAIT_MS });
      expect((await api("/?programs?name=my-program")).body.code).not.toBe(theirs.code);
      expect(await dialog.isVisible()).toBe(false);
      // saving one's own program again asks nothing
      await page.evaluate(`document.getElementById("program-note").textContent = ""`);
      await page.getByRole("button", { name: "Save" }).click();
      await page.getByText("Saved “my-program” on the device.").waitFor({ timeout: WAIT_MS });
      expect(await dialog.isVisible()).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await closeContext(context);
    }
  }, 60_000);

  test("the leader's pause stops a running program at once; after the resume nothing drives until Run", async () => {
    const context = await newContext();
    try {
      const { page } = await openCode(context, server.port);
      const drives: string[] = [];
      page.on("request", (r) => {
        if (r.method() === "POST" && r.url().endsWith("/?motors") && (r.postData() ?? "").includes("left")) drives.push(r.url());
      });
      await javascriptMode(page, "while (true) {\n  car.drive(60, 60);\n  wait(100);\n}\n");
      await page.getByRole("button", { name: "Run" }).click();
      expect(await waitFor(sim.motorsHigh)).toBe(true);
      const login = await api("/?leader/login", { pin: PIN });
      expect(login.status).toBe(200);
      const auth = { Authorization: `Bearer ${login.body.token}` };
      expect((await api("/?leader", { action: "pause", message: "eyes on me" }, auth)).status).toBe(200);
      await page.getByText(/Stopped: paused by the leader/).waitFor({ timeout: WAIT_MS });
      expect(await page.evaluate("codePage.runner.running")).toBe(false);
      expect(await sim.motorsStopped()).toBe(true);
      const sent = drives.length;
      expect((await api("/?leader", { action: "resume" }, auth)).status).toBe(200);
      const from = sim.edgeCount();
      await page.waitForFunction("document.getElementById('run').disabled === false", null, { timeout: WAIT_MS });
      await Bun.sleep(1500); // several re-send periods (150 ms) and a queue poll: nothing may drive meanwhile
      expect(motorRises(from)).toEqual([]);
      expect(drives.length).toBe(sent);
      // Run again: it drives
      await page.getByRole("button", { name: "Run" }).click();
      expect(await waitFor(sim.motorsHigh)).toBe(true);
      await page.getByRole("button", { name: "Stop" }).click();
      expect(await sim.motorsStopped()).toBe(true);
    } finally {
      await closeContext(context);
    }
  }, 60_000);
});
