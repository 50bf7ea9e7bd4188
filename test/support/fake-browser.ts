/**
 * @module Test support: the few browser globals assets/httap.js uses, faked, so it runs in Bun with no browser (a
 * visible document, empty storage, timers that fire only when the test says, and a fetch the test provides).
 * `restore()` puts the real globals back.
 */

/** A timer the page set: call `fn` to fire it. */
export interface FakeTimer {
  readonly fn: () => void;
  readonly ms: number;
}

export interface FakeBrowser {
  /** The timers set so far, in order (none fires by itself). */
  readonly timers: FakeTimer[];
  restore(): void;
}

const FAKED = ["document", "localStorage", "fetch", "setTimeout", "clearTimeout", "addEventListener"] as const;

/** Replaces the globals in FAKED; `fetch` answers the page's requests. */
export function fakeBrowser(fetch: (url: string) => Promise<Response>): FakeBrowser {
  const g = globalThis as Record<string, unknown>;
  const saved: Record<string, unknown> = {};
  for (const k of FAKED) saved[k] = g[k];
  const timers: FakeTimer[] = [];
  g.document = { addEventListener: () => {}, visibilityState: "visible" };
  g.localStorage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };
  g.addEventListener = () => {};
  g.setTimeout = (fn: () => void, ms: number) => timers.push({ fn, ms });
  g.clearTimeout = () => {};
  g.fetch = fetch;
  return { timers, restore: () => Object.assign(globalThis, saved) };
}
