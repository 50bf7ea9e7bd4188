/**
 * @module Test support: waiting for a condition, never for a time. A test waits until what it expects has happened,
 * up to WAIT_MS; on a correct build the wait ends as soon as it happens, so a long limit costs nothing, and on a
 * loaded, shared CI machine a late event is still seen. A defect still fails, only later.
 */

/** How long a test waits for something that must happen. Generous on purpose: it is a limit, not a figure. */
export const WAIT_MS = 20_000;

/** Polls `check` every `everyMs` until it holds or `maxMs` pass; returns whether it came true. */
export async function waitFor(check: () => boolean | Promise<boolean>, maxMs = WAIT_MS, everyMs = 5): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    if (await check()) return true;
    await Bun.sleep(everyMs);
  }
  return await check();
}
