/**
 * @module Test support: the few browser globals assets/httap.js uses, faked, so it runs in Bun with no browser (a
 * visible document, empty storage, timers that fire only when the test says, and a fetch the test provides).
 * `restore()` puts the real globals back.
 */

/** A timer the page set: call `fn` to fire it. `cleared` says whether the page cancelled it since. */
export interface FakeTimer {
  readonly fn: () => void;
  readonly ms: number;
  cleared: boolean;
}

export interface FakeBrowser {
  /** The timers set so far, in order (none fires by itself; a cleared one stays, marked). */
  readonly timers: FakeTimer[];
  restore(): void;
}

const FAKED = ["document", "localStorage", "fetch", "setTimeout", "clearTimeout", "addEventListener"] as const;

/** Replaces the globals in FAKED; `fetch` answers the page's requests. */
export function fakeBrowser(fetch: (url: string, init?: RequestInit) => Promise<Response>): FakeBrowser {
  const g = globalThis as Record<string, unknown>;
  const saved: Record<string, unknown> = {};
  for (const k of FAKED) saved[k] = g[k];
  const timers: FakeTimer[] = [];
  g.document = { addEventListener: () => {}, visibilityState: "visible" };
  g.localStorage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };
  g.addEventListener = () => {};
  const byId = new Map<number, FakeTimer>(); // a test may take timers out of the list; ids stay
  g.setTimeout = (fn: () => void, ms: number) => {
    const timer = { fn, ms, cleared: false };
    timers.push(timer);
    byId.set(byId.size + 1, timer);
    return byId.size;
  };
  g.clearTimeout = (id: number) => {
    const timer = byId.get(id);
    if (timer !== undefined) timer.cleared = true;
  };
  g.fetch = fetch;
  return { timers, restore: () => Object.assign(globalThis, saved) };
}
