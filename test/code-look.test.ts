/**
 * @module The Code page's budget and look (issue 20). On a workshop's Wi-Fi (1.6 Mbit/s, 150 ms, Chromium's own
 * throttling) its first load stays within 450 KiB on the wire (Blockly compressed), also once CodeMirror has come
 * in the background, and the editor is ready within 3 s (the page's `code-interactive` mark). At 390×844 and
 * 1280×800, light and dark, in blocks and in JavaScript: axe-core finds no violation in the page's own controls
 * (Blockly's and CodeMirror's insides, and the canvas Blockly measures text with, are theirs), every control of ours
 * is at least 44 px, nothing spills sideways, and a screenshot is saved under
 * .test-output/screenshots/code-<w>x<h>-<scheme>-<mode>.png to be looked at. The
 * other pages' budgets are their own tests' (Blockly is loaded by this page only).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { generatedCode } from "./support/code-page.ts";
import { firstLoad, loadAxe, openPage } from "./support/pages.ts";
import { throttle, WORKSHOP_WIFI } from "./support/phone-driving.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-code-look-"));
const SHOTS = resolve(import.meta.dir, "../.test-output/screenshots");
const BUDGET_BYTES = 450 * 1024;
const INTERACTIVE_MS = 3000;
let server: RunningServer;
let chrome: RunningBrowser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: join(dir, "sim.bin"), HTTAP_STATE_DIR: join(dir, "state") });
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ready = (page: Page) => page.waitForFunction("document.documentElement.dataset.ready !== undefined", null, { timeout: WAIT_MS });

describe("code.html budget", () => {
  test("first load ≤ 450 KiB and ready ≤ 3 s on 1.6 Mbit/s with 150 ms", async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    try {
      const page = await context.newPage();
      await throttle(page, WORKSHOP_WIFI);
      await page.goto(`http://127.0.0.1:${server.port}/code.html`, { timeout: 30_000 });
      await ready(page);
      const atReady = await firstLoad(page);
      const interactiveMs = (await page.evaluate('performance.getEntriesByName("code-interactive")[0].startTime')) as number;
      // CodeMirror follows in the background once the page is idle
      await page.waitForFunction('performance.getEntriesByType("resource").some((e) => e.name.endsWith("/vendor/codemirror.js"))', null, {
        timeout: WAIT_MS,
      });
      await page.waitForFunction(
        'performance.getEntriesByType("resource").filter((e) => e.name.endsWith("/vendor/codemirror.js")).every((e) => e.responseEnd > 0)',
        null,
        { timeout: WAIT_MS },
      );
      const withEditor = await firstLoad(page);
      console.log(
        `code.html on ${WORKSHOP_WIFI.name}: ready in ${interactiveMs.toFixed(0)} ms, ${(atReady.bytes / 1024).toFixed(0)} KiB in ` +
          `${atReady.requests} requests; with CodeMirror ${(withEditor.bytes / 1024).toFixed(0)} KiB in ${withEditor.requests} requests`,
      );
      expect(atReady.bytes).toBeLessThanOrEqual(BUDGET_BYTES);
      expect(withEditor.bytes).toBeLessThanOrEqual(BUDGET_BYTES);
      expect(interactiveMs).toBeLessThanOrEqual(INTERACTIVE_MS);
    } finally {
      await context.close();
    }
  }, 60_000);
});

/** axe-core's violations in the page's own parts, one line each. */
async function axeViolations(page: Page): Promise<string[]> {
  await loadAxe(page);
  const found = (await page.evaluate(`axe.run({ exclude: [["#blockly"], ["#js .cm-editor"], [".blocklyWidgetDiv"], [".blocklyTooltipDiv"],
    [".blocklyDropDownDiv"], ["body > canvas"]] })
    .then((r) => r.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")))`)) as string[];
  return found;
}

/** Our controls smaller than 44 px either way (Blockly's and CodeMirror's are theirs). */
function smallControls(page: Page): Promise<string[]> {
  return page.evaluate(`[...document.querySelectorAll("main button, main select, main input:not(.sr-only), main a, header a")]
    .filter((e) => !e.closest("#blockly, #js") && e.offsetParent !== null)
    .map((e) => [e, e.getBoundingClientRect()])
    .filter(([, r]) => r.width < 44 || r.height < 44)
    .map(([e, r]) => (e.id || e.textContent.trim()) + " " + Math.round(r.width) + "x" + Math.round(r.height))`) as Promise<string[]>;
}

describe("code.html on Simon's board", () => {
  test("the toolbox is the board's (lights and buttons, no motion); the first program plays on the real board", async () => {
    const simon = await startServer({
      HTTAP_GPIO: "sim",
      HTTAP_BOARD: "simon",
      HTTAP_SIM_FILE: join(dir, "simon.bin"),
      HTTAP_STATE_DIR: join(dir, "s"),
    });
    const context = await chrome.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const { page, errors } = await openPage(context, `http://127.0.0.1:${simon.port}/code.html`);
      await ready(page);
      const categories = (await page.locator(".blocklyToolboxCategoryLabel").allTextContents()).map((t) => t.trim());
      expect(categories.slice(0, 4)).toEqual(["Sound", "Lights", "Buttons", "Control"]);
      const first = 'leds.set("yellow", true);\nspeaker.tone(440, 300);\n';
      expect(await generatedCode(page, (text) => text === first)).toBe(first);
      await page.getByRole("button", { name: "Run" }).click();
      await page.getByText("Done on the real board.").waitFor({ timeout: WAIT_MS });
      await page.screenshot({ path: join(SHOTS, "code-simon-1280x800-light.png"), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await simon.stop();
    }
  }, 60_000);
});

describe("code.html look", () => {
  for (const size of [
    { width: 390, height: 844, touch: true },
    { width: 1280, height: 800, touch: false },
  ]) {
    for (const scheme of ["light", "dark"] as const) {
      test(`${size.width}×${size.height} ${scheme}: axe, 44 px, no sideways spill, screenshots in blocks and JavaScript`, async () => {
        const context = await chrome.browser.newContext({
          viewport: { width: size.width, height: size.height },
          hasTouch: size.touch,
          isMobile: size.touch,
          colorScheme: scheme,
        });
        try {
          const { page, errors } = await openPage(context, `http://127.0.0.1:${server.port}/code.html`);
          await ready(page);
          await page.waitForTimeout(300); // the queue's first poll and the list of programs
          const base = `code-${size.width}x${size.height}-${scheme}`;
          await page.screenshot({ path: join(SHOTS, `${base}-blocks.png`), fullPage: true });
          expect(await axeViolations(page)).toEqual([]);
          expect(await smallControls(page)).toEqual([]);
          expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
          // the virtual car after a run, and the Motion category open
          await page.getByRole("button", { name: "Run" }).click();
          await page.getByText(/^Done on the/).waitFor({ timeout: WAIT_MS });
          await page.screenshot({ path: join(SHOTS, `${base}-ran.png`), fullPage: true });
          await page.getByRole("tab", { name: "JavaScript" }).click();
          await page.locator("#js .cm-editor").waitFor({ timeout: WAIT_MS });
          await page.evaluate(
            `codePage.loadEditor().then((e) => e.setText("// a syntax error, marked as you type\\ncar.drive(50, 50\\nwait(500);\\n"))`,
          );
          await page.locator("#js .cm-lintRange-error").first().waitFor({ timeout: WAIT_MS });
          await page.screenshot({ path: join(SHOTS, `${base}-javascript.png`), fullPage: true });
          expect(await axeViolations(page)).toEqual([]);
          expect(errors).toEqual([]);
        } finally {
          await context.close();
        }
      }, 60_000);
    }
  }
});
