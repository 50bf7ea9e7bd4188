/**
 * @module Test support: driving the Code page (issue 20) from a test or the bench. Code that runs in the page is
 * given as text: the tests are type-checked without the DOM's types. Every wait is up to WAIT_MS.
 */
import type { BrowserContext, Page } from "playwright-core";
import { openPage, type OpenedPage } from "./pages.ts";
import { WAIT_MS, waitFor } from "./wait.ts";

/** Waits until the Code page has set itself up (its editor and runner). */
export async function codeReady(page: Page): Promise<void> {
  await page.waitForFunction("document.documentElement.dataset.ready !== undefined", null, { timeout: WAIT_MS });
}

/** Opens the Code page of the server on `port` in `context`, ready. */
export async function openCode(context: BrowserContext, port: number): Promise<OpenedPage> {
  const opened = await openPage(context, `http://127.0.0.1:${port}/code.html`);
  await codeReady(opened.page);
  return opened;
}

/**
 * The generated code the page shows (`#gen`), once `shows` holds for it or after WAIT_MS: Blockly fires its change
 * events after a load returns, so the text is read when it has caught up, not at once (CI read it half-updated).
 */
export async function generatedCode(page: Page, shows: (text: string) => boolean): Promise<string> {
  const read = async () => (await page.locator("#gen").textContent()) ?? "";
  await waitFor(async () => shows(await read()), WAIT_MS, 20);
  return read();
}

/** Replaces the workspace with `blocks` (Blockly's serialization: the same API the editor saves and loads with). */
export async function loadBlocks(page: Page, blocks: unknown[]): Promise<void> {
  const state = JSON.stringify({ blocks: { languageVersion: 0, blocks } });
  await page.evaluate(`codePage.Blockly.serialization.workspaces.load(${state}, codePage.workspace)`);
}

/** A block with number inputs (shadows) and fields, and the block after it. */
export function block(type: string, numbers: Record<string, number> = {}, fields: Record<string, string> = {}, next?: object, more = {}) {
  const inputs: Record<string, object> = {};
  for (const [k, v] of Object.entries(numbers)) inputs[k] = { shadow: { type: "math_number", fields: { NUM: v } } };
  return { type, fields, inputs: { ...inputs, ...more }, ...(next === undefined ? {} : { next: { block: next } }) };
}

/** Switches to the JavaScript tab and puts `code` in its editor. */
export async function javascriptMode(page: Page, code: string): Promise<void> {
  await page.getByRole("tab", { name: "JavaScript" }).click();
  await page.waitForFunction("document.querySelector('#js .cm-editor') !== null", null, { timeout: WAIT_MS });
  await page.evaluate(`codePage.loadEditor().then((e) => e.setText(${JSON.stringify(code)}))`);
}

/** The page handles a click now: a listener counts it, and the count is read back within 5 s. */
export async function clickIsHandled(page: Page): Promise<boolean> {
  await page.evaluate(`window.__clicks = 0;
    window.__counting ??= document.getElementById("output").addEventListener("click", () => window.__clicks++) ?? true`);
  await page.locator("#output").click({ timeout: 5000 });
  return page.waitForFunction("window.__clicks === 1", null, { timeout: 5000 }).then(
    () => true,
    () => false,
  );
}

/** What the page's output line says. */
export const output = (page: Page) => page.locator("#output").textContent();
