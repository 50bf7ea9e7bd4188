/**
 * @module The pages as people see them (issue 18): every page (dashboard, car, piano, Simon) on both built-in boards,
 * at 390×844 portrait, 844×390 landscape and 1280×800, light and dark, also with the waiting dialog open while
 * someone else ("Ana", from another address) drives: axe-core (the npm package, injected) finds no violation, every
 * control is at least 44 px each way, nothing spills sideways, and a screenshot of each is saved under
 * .test-output/screenshots/<board>-<page>-<w>x<h>-<scheme>[-state].png to be looked at.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { loadAxe, openPage } from "./support/pages.ts";
import { fromAna } from "./support/relay.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-look-"));
const SHOTS = resolve(import.meta.dir, "../.test-output/screenshots");
const VIEWPORTS = [
  { width: 390, height: 844, touch: true },
  { width: 844, height: 390, touch: true },
  { width: 1280, height: 800, touch: false },
] as const;
const SCHEMES = ["light", "dark"] as const;
const PAGES = { dashboard: "/", car: "/car.html", piano: "/piano.html", simon: "/simon.html" } as const;
type PageName = keyof typeof PAGES;
/** The app pages that can show the waiting dialog on each board (the others say the board cannot run them). */
const WAITING: Record<string, PageName[]> = { "rc-car": ["car", "piano"], simon: ["piano", "simon"] };

let chrome: RunningBrowser;
const servers = new Map<string, RunningServer>();

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  chrome = await launchChromium();
  for (const board of ["rc-car", "simon"]) {
    // a turn limit the dialog can count down from; Ana's session outlives the test
    const env = { HTTAP_GPIO: "sim", HTTAP_SIM_FILE: join(dir, `${board}.bin`), HTTAP_BOARD: board, HTTAP_KEEPALIVE: "200" };
    servers.set(board, await startServer({ ...env, HTTAP_TURN_S: "600" }));
  }
}, 60_000);
afterAll(async () => {
  await chrome?.close();
  await Promise.all([...servers.values()].map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

// Code that runs in the page is given as text: the tests are type-checked without the DOM's types.

/** The page has heard from the device and drawn what it knows. */
async function settled(page: Page, name: PageName): Promise<void> {
  const ready =
    name === "dashboard"
      ? '!document.getElementById("device-chip").textContent.includes("Connecting") && !!document.querySelector("#qr svg")'
      : 'document.documentElement.dataset.turn !== undefined && !document.getElementById("state").textContent.includes("Connecting")';
  await page.waitForFunction(ready, null, { timeout: WAIT_MS });
  await page.waitForTimeout(300); // a queue poll and the entrance animations
}

/** axe-core's violations, one line each with the elements concerned. */
async function axeViolations(page: Page): Promise<string[]> {
  await loadAxe(page);
  const violations = (await page.evaluate('axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)')) as {
    id: string;
    help: string;
    nodes: { target: string[] }[];
  }[];
  return violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** Visible controls smaller than 44×44 px, and whether the page scrolls sideways. */
const LAYOUT_PROBLEMS = `(() => {
  const problems = [];
  const controls = document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1']), [role=button]");
  for (const el of controls) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(el).visibility === "hidden" || el.closest(".sr-only")) continue;
    if (r.width < 43.5 || r.height < 43.5) {
      const name = el.getAttribute("aria-label") ?? el.textContent.trim().slice(0, 30);
      problems.push(el.tagName.toLowerCase() + " '" + name + "' is " + Math.round(r.width) + "x" + Math.round(r.height) + " px");
    }
  }
  const width = document.documentElement.scrollWidth;
  if (width > innerWidth + 1) problems.push("scrolls sideways: " + width + " px");
  return problems;
})()`;
const layoutProblems = (page: Page) => page.evaluate(LAYOUT_PROBLEMS) as Promise<string[]>;

/** Checks the page as it stands and saves its screenshot. */
async function look(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${file}.png`), animations: "disabled", fullPage: file.includes("-dashboard-") });
  expect({ file, violations: await axeViolations(page) }).toEqual({ file, violations: [] });
  expect({ file, problems: await layoutProblems(page) }).toEqual({ file, problems: [] });
  expect(await page.locator("body").innerText()).not.toContain("HTTAP_"); // participants' words, no configuration
}

for (const board of ["rc-car", "simon"]) {
  describe(`board ${board}`, () => {
    for (const v of VIEWPORTS) {
      test(`${v.width}×${v.height}, light and dark: every page, then with Ana driving and the waiting dialog open`, async () => {
        const port = servers.get(board)!.port;
        for (const scheme of SCHEMES) {
          const context = await chrome.browser.newContext({
            viewport: { width: v.width, height: v.height },
            hasTouch: v.touch,
            isMobile: v.touch,
            colorScheme: scheme,
          });
          try {
            const errors: string[] = [];
            for (const [name, path] of Object.entries(PAGES) as [PageName, string][]) {
              const opened = await openPage(context, `http://127.0.0.1:${port}${path}`);
              await settled(opened.page, name);
              const base = `${board}-${name}-${v.width}x${v.height}-${scheme}`;
              await look(opened.page, base);
              if (name === "dashboard") {
                await opened.page.getByRole("button", { name: "Look inside" }).click();
                await opened.page.waitForFunction('document.getElementById("line-lag").getAttribute("points").split(" ").length >= 2');
                await look(opened.page, `${base}-explorer`);
              }
              errors.push(...opened.errors);
              await opened.page.close();
            }

            // Ana drives from another address: the pages say so, and asking to drive opens the waiting dialog.
            expect(await fromAna(port, "POST", "/?claim", '{"name":"Ana"}')).toContain("200 OK");
            const dash = await openPage(context, `http://127.0.0.1:${port}/`);
            await settled(dash.page, "dashboard");
            await dash.page.getByText("Ana", { exact: true }).first().waitFor({ timeout: WAIT_MS });
            await look(dash.page, `${board}-dashboard-${v.width}x${v.height}-${scheme}-ana`);
            await dash.page.close();
            for (const name of WAITING[board]) {
              const opened = await openPage(context, `http://127.0.0.1:${port}${PAGES[name]}`);
              await settled(opened.page, name);
              const join = opened.page.getByRole("button", { name: "Join the line" });
              await join.waitFor({ timeout: WAIT_MS });
              expect(await opened.page.locator(".turn-text").textContent()).toBe(`Ana is ${name === "car" ? "driving" : "playing"}`);
              await join.click();
              const dialog = opened.page.getByRole("dialog", { name: "You’re in line" });
              await dialog.waitFor({ timeout: WAIT_MS });
              await opened.page.waitForFunction('document.querySelector("[data-place]").textContent === "1"', null, {
                timeout: WAIT_MS,
              });
              expect(await opened.page.evaluate('!!document.activeElement?.closest("dialog")')).toBe(true); // it took focus
              expect(await dialog.textContent()).toMatch(/Ana is (driving|playing) · your turn in about \d+:\d\d/);
              await opened.page.waitForTimeout(300);
              await look(opened.page, `${board}-${name}-${v.width}x${v.height}-${scheme}-waiting`);
              await dialog.getByRole("button", { name: "Leave the line" }).click();
              await dialog.waitFor({ state: "hidden", timeout: WAIT_MS });
              // the browser logs the device's refusals the client expects: busy (503) and leaving the line (/?invalid)
              errors.push(...opened.errors.filter((e) => !/status of (503|400)/.test(e)));
              await opened.page.close();
            }
            await fromAna(port, "GET", "/?invalid");
            expect(errors).toEqual([]);
          } finally {
            await context.close();
          }
        }
      }, 180_000);
    }
  });
}
