/**
 * A real browser against the real server: Debian's headless Chromium loads the embedded page (compressed, with
 * its favicon), revalidates it with a 304, talks HTTaP from page script, and a second browser is never blocked by
 * the idle connections the first one keeps open (DESIGN: "Sessions with real browsers").
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { launchChromium, type RunningBrowser } from "./support/browser.ts";
import { startServer, type RunningServer } from "./support/server.ts";

let server: RunningServer;
let chrome: RunningBrowser;

beforeAll(async () => {
  // A small connection limit: a browser opens up to 6 per host and keeps them idle; a second one must still get in.
  server = await startServer({ HTTAP_MAXCONN: "6", HTTAP_VERBOSE: "1" });
  chrome = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  await server?.stop();
});

/** Access-log lines (`addr "METHOD target HTTP/1.1" status bytes`) printed since `from`. */
function accessLog(from: number): string[] {
  return server
    .output()
    .slice(from)
    .split("\n")
    .filter((l) => l.includes('" '));
}

test("the page loads compressed with its favicon, and a reload revalidates it with 304", async () => {
  const context = await chrome.browser.newContext();
  try {
    const page = await context.newPage();
    const mark = server.output().length;
    const response = await page.goto(`http://127.0.0.1:${server.port}/`, { timeout: 15_000 });
    expect(response?.status()).toBe(200);
    expect(response?.headers()["content-encoding"]).toMatch(/^(br|gzip)$/);
    expect(await page.title()).toContain("httap");
    const favicon = await page.evaluate(async () => {
      const r = await fetch("/favicon.ico");
      return { status: r.status, type: r.headers.get("content-type"), bytes: (await r.arrayBuffer()).byteLength };
    });
    expect(favicon).toMatchObject({ status: 200, type: "image/x-icon" });
    expect(favicon.bytes).toBeGreaterThan(0);
    await page.reload({ timeout: 15_000 });
    const lines = accessLog(mark).filter((l) => l.includes('"GET / HTTP/1.1"'));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toMatch(/" 304 0$/);
  } finally {
    await context.close();
  }
}, 60_000);

test("page script speaks HTTaP: looking takes nothing, a claim opens the session, HTTaP_open 0 then 1, ping", async () => {
  const context = await chrome.browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`, { timeout: 15_000 });
    const seen = await page.evaluate(async () => {
      const look = await fetch("/?"); // issue 18: a look answers the root object and opens nothing
      const lookBody = (await look.json()) as { HTTaP_open: number; Signals: string[] };
      const claim = await fetch("/?claim", { method: "POST", body: "{}" });
      const first = await fetch("/?");
      const firstBody = (await first.json()) as { HTTaP_open: number };
      const second = (await (await fetch("/?")).json()) as { HTTaP_open: number };
      const ping = (await (await fetch("/?ping" + Date.now())).json()) as { Remain: number; Timeout: number };
      return {
        look: { status: look.status, session: look.headers.get("HTTaP-Session"), signals: lookBody.Signals.length },
        claim: claim.status,
        status: first.status,
        session: first.headers.get("HTTaP-Session"),
        first: firstBody.HTTaP_open,
        second: second.HTTaP_open,
        ping,
      };
    });
    expect(seen.look).toMatchObject({ status: 200, session: "00000000" });
    expect(seen.look.signals).toBeGreaterThan(0);
    expect(seen.claim).toBe(200);
    expect(seen.status).toBe(200);
    expect(seen.session).toMatch(/^[0-9a-z]{8}$/);
    expect(seen.session).not.toBe("00000000");
    expect([seen.first, seen.second]).toEqual([0, 1]);
    expect(seen.ping.Timeout).toBe(15);
    expect(seen.ping.Remain).toBeGreaterThan(0);
    await page.evaluate(() => fetch("/?invalid")); // end the session for the next test
  } finally {
    await context.close();
  }
}, 60_000);

test("a second browser is served while the first keeps its connections open (HTTAP_MAXCONN=6)", async () => {
  const first = await chrome.browser.newContext();
  const other = await launchChromium(); // another browser process: its own connection pool
  try {
    const a = await first.newPage();
    // Several parallel loads make Chromium open several connections, which it then keeps idle.
    await a.goto(`http://127.0.0.1:${server.port}/`, { timeout: 15_000 });
    await a.evaluate(async () => {
      await Promise.all(Array.from({ length: 8 }, (_, i) => fetch(`/favicon.ico?n=${i}`, { cache: "no-store" })));
    });
    await Bun.sleep(1_100); // issue 11: only a connection idle for 1 s may be closed for a newcomer
    const b = await (await other.browser.newContext()).newPage();
    const response = await b.goto(`http://127.0.0.1:${server.port}/`, { timeout: 30_000 });
    expect(response?.status()).toBe(200);
    // Served by taking an idle connection's slot, not by waiting until one timed out (15 s keep-alive): the server's
    // counters say which, whatever the time it took on this machine.
    const stats = (await b.evaluate(async () => (await fetch("/?stats")).json())) as {
      evicted: Record<string, number>;
      timedOut: Record<string, number>;
    };
    expect(stats.timedOut["keep-alive"]).toBe(0);
    expect(Object.values(stats.evicted).reduce((n, k) => n + k, 0)).toBeGreaterThan(0);
    expect(await a.evaluate(async () => (await fetch("/favicon.ico")).status)).toBe(200); // the first still works
  } finally {
    await first.close();
    await other.close();
  }
}, 60_000);
