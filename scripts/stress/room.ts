/**
 * @module The room (issue 11): a workshop's browsers loading the dashboard at the same moment. Each simulated
 * browser opens 6 connections at once (a browser's per-host limit), fetches `/` with a browser's headers, then
 * every same-origin asset the page loads (link, script, img, source…: not the pages it links to) (and those the
 * stylesheets and modules reference in turn, and the favicon), spread over its 6 connections as a browser does. A
 * load is complete when every fetch answered 200; its time runs from the first connect to the last byte. All
 * browsers start together, round after round.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";
import { ClientConnection, type Answer } from "./http-client.ts";

const CONNECTIONS_PER_BROWSER = 6;
/** A page referencing more than this is a bug in the page (or in this parser): stop rather than crawl forever. */
const MAX_ASSETS_PER_PAGE = 100;
const BROWSER_HEADERS = [
  "User-Agent: Mozilla/5.0 (X11; Linux aarch64) httap-stress-room",
  "Accept: text/html,application/xhtml+xml,*/*;q=0.8",
  "Accept-Encoding: gzip, deflate, br",
  "Accept-Language: en",
]
  .map((l) => `${l}\r\n`)
  .join("");

export interface RoomResult {
  readonly loads: number;
  readonly complete: number;
  readonly requestsPerLoad: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly failures: readonly string[];
}

/** `rounds` times, `browsers` browsers load `/` at once. */
export async function room(port: number, browsers: number, rounds: number): Promise<RoomResult> {
  const times: number[] = [];
  const failures: string[] = [];
  let requests = 0;
  for (let round = 0; round < rounds; round++) {
    const loads = await Promise.all(Array.from({ length: browsers }, () => loadPage(port)));
    for (const l of loads) {
      if (l.failure === null) times.push(l.ms);
      else failures.push(`round ${round + 1}: ${l.failure}`);
      requests += l.requests;
    }
  }
  times.sort((a, b) => a - b);
  const at = (p: number) => (times.length === 0 ? NaN : times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]);
  return {
    loads: browsers * rounds,
    complete: times.length,
    requestsPerLoad: requests / (browsers * rounds),
    p50Ms: at(50),
    p99Ms: at(99),
    maxMs: at(100),
    failures,
  };
}

/** One browser loading the page: its time, the requests it made, and why it failed (null when complete). */
async function loadPage(port: number): Promise<{ ms: number; requests: number; failure: string | null }> {
  const t0 = performance.now();
  let connections: ClientConnection[] = [];
  try {
    connections = await Promise.all(Array.from({ length: CONNECTIONS_PER_BROWSER }, () => ClientConnection.open(port)));
    const seen = new Set<string>(["/", "/favicon.ico"]);
    const queue: string[] = ["/"];
    let requests = 0;
    // The first connection fetches the page; the favicon waits for it, as in a browser.
    const fetchAll = async (c: ClientConnection) => {
      for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
        requests++;
        const answer = await c.request("GET", target, BROWSER_HEADERS);
        if (answer.status !== 200) throw new Error(`${target} answered ${answer.status}`);
        for (const ref of cachedReferencesIn(target, answer)) {
          if (seen.has(ref)) continue;
          if (seen.size >= MAX_ASSETS_PER_PAGE) throw new Error(`more than ${MAX_ASSETS_PER_PAGE} assets`);
          seen.add(ref);
          queue.push(ref);
        }
      }
    };
    await fetchAll(connections[0]);
    queue.push("/favicon.ico");
    await Promise.all(connections.map(fetchAll));
    return { ms: performance.now() - t0, requests, failure: null };
  } catch (error) {
    return { ms: performance.now() - t0, requests: 0, failure: (error as Error).message };
  } finally {
    for (const c of connections) c.close();
  }
}

/**
 * The references of an answer whose bytes were seen before, from the first time they were decoded. A browser
 * decompresses in parallel, natively; this one thread decompressing every page 100 times (brotli, synchronously)
 * delayed every browser behind it and made a compressing server's page loads look slower than an identity one's
 * (issue 22: the room's p99 measured the load generator). The bytes are compared whole, so a changed page is decoded.
 */
const decodedBefore = new Map<string, { body: Buffer; refs: string[] }>();
function cachedReferencesIn(base: string, answer: Answer): string[] {
  const header = (name: string) => new RegExp(`\r\n${name}: *([^\r]*)`, "i").exec(answer.head)?.[1] ?? "";
  const key = `${base}\n${header("content-type")}\n${header("content-encoding")}`;
  const seen = decodedBefore.get(key);
  if (seen !== undefined && seen.body.equals(answer.body)) return seen.refs;
  const refs = referencesIn(base, answer);
  decodedBefore.set(key, { body: answer.body, refs });
  return refs;
}

/** Same-origin paths an HTML page, a stylesheet or a module names (resolved against `base`). */
export function referencesIn(base: string, answer: Answer): string[] {
  const type = /\r\ncontent-type: *([^;\r]+)/i.exec(answer.head)?.[1].toLowerCase() ?? "";
  if (!/html|css|javascript/.test(type)) return [];
  const text = decoded(answer).toString("utf8");
  const modules = [/\bfrom\s*["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']/g, /^\s*import\s*["']([^"']+)["']/gm];
  const patterns = type.includes("html")
    ? // what a browser fetches (not <a href>), and the modules an inline <script type="module"> imports
      [/<(?:link|script|img|source|audio|video|iframe|embed)\b[^>]*?\s(?:src|href)\s*=\s*["']([^"'#]+)/gi, ...modules]
    : type.includes("css")
      ? [/url\(\s*["']?([^"')#]+)/gi, /@import\s+["']([^"']+)/gi]
      : modules;
  const out: string[] = [];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const ref = m[1].trim();
      if (ref === "" || /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(ref)) continue; // another origin, data:, mailto:
      const url = new URL(ref, `http://device${base}`);
      out.push(url.pathname + url.search);
    }
  }
  return out;
}

function decoded(answer: Answer): Buffer {
  const coding = /\r\ncontent-encoding: *([a-z-]+)/i.exec(answer.head)?.[1].toLowerCase();
  if (coding === "gzip") return gunzipSync(answer.body);
  if (coding === "br") return brotliDecompressSync(answer.body);
  if (coding === "deflate") return inflateSync(answer.body);
  return answer.body;
}
