/**
 * @module Load generator for the benchmark: lock-step keep-alive connections over raw sockets (`Bun.connect`), one
 * request in flight per connection, with optional per-request latency, and percentiles over those latencies.
 * Traffic goes to 127.0.0.1 only; every phase is bounded in request count and time.
 */

/**
 * Latency slots allocated per phase: this many per millisecond of it (a million requests a second, beyond any server
 * here), at most MAX_REQUESTS; also the request cap, so a very fast server cannot overrun the array. Sized by the
 * phase, since a lock-step round is made of 250 ms slices, each a phase with its own array.
 */
const MAX_REQUESTS_PER_MS = 1_000;
const MAX_REQUESTS = 2_000_000;
/** Time a phase may overrun its duration before it counts as hung (one error) and its sockets are torn down. */
const PHASE_GRACE_MS = 5_000;

export interface LoadResult {
  requests: number;
  bytes: number;
  elapsedMs: number;
  errors: number;
  /** Per-request latency in µs (only when asked for). */
  latencies: Float64Array | null;
}

const CRLFCRLF = Buffer.from("\r\n\r\n");

/**
 * Sends `GET target` on `connections` keep-alive connections for `durationMs`, each sending the next request as soon
 * as the previous answer is complete. `headers` is extra header lines, each ending in CRLF. A non-2xx status, a
 * response without Content-Length or a lost connection counts as an error.
 */
export async function load(
  port: number,
  target: string,
  connections: number,
  durationMs: number,
  recordLatency: boolean,
  headers = "",
): Promise<LoadResult> {
  const request = Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${headers}\r\n`);
  const cap = Math.min(MAX_REQUESTS, Math.max(1, Math.ceil(durationMs * MAX_REQUESTS_PER_MS)));
  const result: LoadResult = {
    requests: 0,
    bytes: 0,
    elapsedMs: 0,
    errors: 0,
    latencies: recordLatency ? new Float64Array(cap) : null,
  };
  const started = performance.now();
  const endAt = started + durationMs;
  let open = connections;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const closeOne = () => {
    if (--open === 0) finish();
  };

  const sockets = await Promise.all(
    Array.from({ length: connections }, () => {
      let head: Buffer | null = null; // response head bytes so far (only while reading a head)
      let need = -1; // body bytes still expected; -1 while reading the head
      let sentAt = 0;
      let done = false;
      const send = (s: { write(b: Buffer): number }) => {
        sentAt = performance.now();
        s.write(request);
      };
      const complete = (s: { write(b: Buffer): number; end(): void }) => {
        const now = performance.now();
        if (result.latencies !== null && result.requests < cap) result.latencies[result.requests] = (now - sentAt) * 1000;
        result.requests++;
        if (now < endAt && result.requests < cap) send(s);
        else if (!done) {
          done = true;
          s.end();
          closeOne();
        }
      };
      return Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          open(s) {
            s.setNoDelay(true);
            send(s);
          },
          data(s, chunk: Buffer) {
            result.bytes += chunk.length;
            let data = chunk;
            while (data.length > 0 && !done) {
              if (need < 0) {
                head = head === null ? data : Buffer.concat([head, data]);
                const end = head.indexOf(CRLFCRLF);
                if (end < 0) return;
                const text = head.subarray(0, end).toString("latin1");
                if (text.charCodeAt(9) !== 50 /* "2" */) result.errors++;
                const m = /\r\ncontent-length: *(\d+)/i.exec(text);
                if (m === null) {
                  result.errors++;
                  done = true;
                  s.end();
                  closeOne();
                  return;
                }
                data = head.subarray(end + 4);
                head = null;
                need = Number(m[1]);
              }
              const take = Math.min(need, data.length);
              need -= take;
              data = data.subarray(take);
              if (need === 0) {
                need = -1;
                complete(s);
              }
            }
          },
          close() {
            if (!done) {
              done = true;
              result.errors++;
              closeOne();
            }
          },
          connectError() {
            if (!done) {
              done = true;
              result.errors++;
              closeOne();
            }
          },
        },
      });
    }),
  );
  const timedOut = await Promise.race([finished.then(() => false), Bun.sleep(durationMs + PHASE_GRACE_MS).then(() => true)]);
  result.elapsedMs = performance.now() - started;
  for (const s of sockets) s.terminate();
  if (timedOut) result.errors++;
  return result;
}

/** The median of some values (the upper middle one of an even count), NaN when there are none. */
export const median = (values: readonly number[]): number =>
  values.length === 0 ? NaN : [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The p-th percentile (0-100) of the first `count` values, NaN when there are none. */
export function percentile(values: Float64Array, count: number, p: number): number {
  const sorted = values.slice(0, Math.min(count, values.length)).sort();
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One GET answered 2xx (false on refusal, error status or no answer). */
export async function answersOk(port: number, target: string): Promise<boolean> {
  try {
    const r = await load(port, target, 1, 0, false);
    return r.requests === 1 && r.errors === 0;
  } catch {
    return false; // connection refused
  }
}
