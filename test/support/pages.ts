/**
 * @module Test support for the web pages: open a page in a context while collecting its console errors, page
 * errors and every response status, read its first load (requests, bytes) from the browser's resource timing, and
 * load axe-core into it for the accessibility checks.
 */
import { resolve } from "node:path";
import type { BrowserContext, Page } from "playwright-core";

const AXE = resolve(import.meta.dir, "../../node_modules/axe-core/axe.min.js");

export interface OpenedPage {
  readonly page: Page;
  readonly errors: string[];
  readonly statuses: number[];
}

export async function openPage(context: BrowserContext, url: string): Promise<OpenedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  const statuses: number[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("response", (r) => statuses.push(r.status()));
  await page.goto(url, { timeout: 15_000 });
  return { page, errors, statuses };
}

/** The page's first load as the browser counted it: its requests (HTTaP calls not included) and bytes on the wire. */
export function firstLoad(page: Page): Promise<{ requests: number; bytes: number }> {
  return page.evaluate(() => {
    const entries = (performance.getEntriesByType("resource") as PerformanceResourceTiming[]).filter((e) => !e.name.includes("/?"));
    const nav = performance.getEntriesByType("navigation" as never)[0] as PerformanceResourceTiming; // the page itself
    return { requests: entries.length + 1, bytes: entries.reduce((s, e) => s + e.transferSize, nav.transferSize) };
  });
}

/** Loads axe-core into the page, unless it is there already (`axe.run` is then page code, given as text). */
export async function loadAxe(page: Page): Promise<void> {
  if (!(await page.evaluate('"axe" in window'))) await page.addScriptTag({ path: AXE });
}
