/**
 * @module Mutation fuzzer for the stress harness (issue 11): the request vectors of `../shared/extsuite/data/` and
 * HTTaP requests with JSON bodies and resource names, mutated with a fixed seed (byte flips, splices, truncation,
 * repeats, huge numbers), each case sent on its own connection to 127.0.0.1 and half-closed. Checks after every
 * case that what came back is a sequence of complete responses with valid status lines and no more answers than
 * the case could hold requests; after every batch that the server is alive and `/?ping` answers. A failure prints
 * the seed, the case number and the case.
 */
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";

const CASE_TIMEOUT_MS = 10_000; // a case whose connection is not closed by then counts as a hang (not 2 s: a busy machine)
const CONCURRENCY = 32;
const BATCH = 1_000;

const HTTAP_SEEDS = [
  'POST /?REG HTTP/1.1\r\nHost: f\r\nContent-Type: application/json\r\nContent-Length: 8\r\n\r\n{"R1":5}',
  "POST /?REG/R2 HTTP/1.1\r\nHost: f\r\nContent-Length: 1\r\n\r\n7",
  "POST /?MEM/10 HTTP/1.1\r\nHost: f\r\nContent-Length: 7\r\n\r\n[1,2,3]",
  "GET /?MEM/10-1F?hyx HTTP/1.1\r\nHost: f\r\n\r\n",
  "GET /?REG/R0,R3 HTTP/1.1\r\nHost: f\r\n\r\nGET /?list HTTP/1.1\r\nHost: f\r\n\r\n",
  'POST /?loopback?name=a.json HTTP/1.1\r\nHost: f\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{"a":1}\r\n0\r\n\r\n',
  "GET /?ping123 HTTP/1.1\r\nHost: f\r\n\r\nHEAD / HTTP/1.1\r\nHost: f\r\n\r\n",
].map((s) => Buffer.from(s, "latin1"));

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function loadCorpus(sharedDir: string): Buffer[] {
  const out = [...HTTAP_SEEDS];
  for (const f of ["llhttp-requests-host.jsonl", "desync-guardian.jsonl"]) {
    const p = join(sharedDir, "extsuite/data", f);
    if (!existsSync(p)) throw new Error(`fuzz: ${p} is missing (the shared/ folder beside the checkout)`);
    for (const line of readFileSync(p, "utf8").split("\n"))
      if (line.trim() !== "") out.push(Buffer.from(JSON.parse(line).raw_b64, "base64"));
  }
  return out;
}

const HUGE = ["99999999999999999999", "-1", "0x10", "18446744073709551616", "1e9", " 5", "4294967296"];

function mutate(input: Buffer, corpus: Buffer[], rnd: () => number): Buffer {
  let b = Buffer.from(input);
  const at = (n: number) => Math.floor(rnd() * Math.max(1, n));
  for (let k = 1 + at(3); k > 0; k--) {
    switch (at(7)) {
      case 0:
        if (b.length > 0) b[at(b.length)] = at(256);
        break; // byte flip
      case 1:
        if (b.length > 0) b[at(b.length)] ^= 1 << at(8);
        break; // bit flip
      case 2: {
        const o = corpus[at(corpus.length)];
        const s = at(o.length);
        const p = at(b.length); // splice
        b = Buffer.concat([b.subarray(0, p), o.subarray(s, s + at(64) + 1), b.subarray(p)]);
        break;
      }
      case 3:
        b = b.subarray(0, at(b.length + 1));
        break; // truncation
      case 4: {
        const s = at(b.length);
        const slice = b.subarray(s, s + at(32) + 1); // repeat
        b = Buffer.concat([b.subarray(0, s), ...Array(2 + at(20)).fill(slice), b.subarray(s)]);
        break;
      }
      case 5: {
        const text = b.toString("latin1");
        const digits = [...text.matchAll(/\d+/g)]; // huge number
        if (digits.length > 0) {
          const d = digits[at(digits.length)];
          b = Buffer.from(text.slice(0, d.index) + HUGE[at(HUGE.length)] + text.slice(d.index! + d[0].length), "latin1");
        }
        break;
      }
      case 6: {
        const s = at(b.length);
        b = Buffer.concat([b.subarray(0, s), b.subarray(s + at(16) + 1)]);
        break;
      } // deletion
    }
  }
  return b.length > 64 * 1024 ? b.subarray(0, 64 * 1024) : b;
}

/** What is wrong with the bytes answered to `sent`, or null: complete responses, valid status lines, not too many. */
export function checkAnswer(sent: Buffer, got: Buffer): string | null {
  const maxAnswers = (sent.toString("latin1").match(/HTTP\//g)?.length ?? 0) + 1;
  const mayBeHead = sent.includes("HEAD");
  let p = 0;
  let finals = 0;
  while (p < got.length) {
    const end = got.indexOf("\r\n\r\n", p);
    if (end < 0) return `an incomplete response head at byte ${p}`;
    const head = got.subarray(p, end).toString("latin1");
    const m = /^HTTP\/1\.1 ([1-5]\d\d) [^\r\n]*(\r\n|$)/.exec(head);
    if (m === null) return `an invalid status line at byte ${p}: ${JSON.stringify(head.slice(0, 60))}`;
    const status = Number(m[1]);
    const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (status >= 200) finals++;
    let length = status < 200 || status === 204 || status === 304 ? 0 : cl ? Number(cl[1]) : -1;
    if (length < 0) return `a ${status} without Content-Length`;
    p = end + 4;
    // A HEAD answer has Content-Length but no body: the next response (or the end) follows at once.
    if (mayBeHead && length > 0 && (got.length === p || got.subarray(p, p + 7).toString() === "HTTP/1.")) length = 0;
    if (p + length > got.length) return `a ${status} body cut short (${got.length - p} of ${length} bytes)`;
    p += length;
  }
  return finals > maxAnswers ? `${finals} answers to a case holding at most ${maxAnswers} requests` : null;
}

function sendCase(port: number, bytes: Buffer): Promise<{ got: Buffer; hung: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ got: Buffer.concat(chunks), hung: true });
    }, CASE_TIMEOUT_MS);
    s.on("connect", () => s.end(bytes)); // half-close: the server answers what is complete, then closes
    s.on("data", (d: Buffer) => chunks.push(d));
    s.on("error", () => {});
    s.on("close", () => {
      clearTimeout(timer);
      resolve({ got: Buffer.concat(chunks), hung: false });
    });
    s.on("end", () => s.destroy());
  });
}

export interface FuzzResult {
  cases: number;
  failures: string[];
  hung: number;
}

/** Runs `count` cases from `seed` against `port`; `isAlive` is asked after each batch. Stops at the first failure. */
export async function fuzz(
  port: number,
  corpus: Buffer[],
  count: number,
  seed: number,
  isAlive: () => Promise<boolean>,
): Promise<FuzzResult> {
  const rnd = random(seed);
  const cases = Array.from({ length: count }, () => mutate(corpus[Math.floor(rnd() * corpus.length)], corpus, rnd));
  const result: FuzzResult = { cases: 0, failures: [], hung: 0 };
  for (let start = 0; start < count && result.failures.length === 0; start += BATCH) {
    let next = start;
    const end = Math.min(count, start + BATCH);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < end && result.failures.length === 0) {
          const i = next++;
          const { got, hung } = await sendCase(port, cases[i]);
          result.cases++;
          if (hung) result.hung++;
          const why = hung
            ? `no close within ${CASE_TIMEOUT_MS / 1000} s after the case was sent and half-closed`
            : checkAnswer(cases[i], got);
          if (why !== null)
            result.failures.push(
              `seed ${seed}, case ${i}: ${why}\n  case (base64): ${cases[i].toString("base64")}\n` +
                `  answer: ${JSON.stringify(got.toString("latin1").slice(0, 300))}`,
            );
        }
      }),
    );
    if (result.failures.length === 0 && !(await isAlive()))
      result.failures.push(`seed ${seed}: the server died or stopped answering /?ping after case ${end - 1}`);
  }
  return result;
}
