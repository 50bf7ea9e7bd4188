/**
 * @module The soak (issue 11): minutes of mixed traffic against one server, watched from outside through /proc.
 * Keep-alive clients cycle through pages, `/?ping`, HTTaP writes and reads of the example appliance's resources
 * and of the simulated board (motors, speaker, LEDs: the real-time engine runs throughout);
 * churners open a new connection per request. Any answer but the expected status is an error. RSS and open file
 * descriptors are sampled every second; drift is the growth of the RSS median from just after the warm-up to the
 * end, and the descriptors, counted with no client connected, must not be more after the soak than before it.
 */
import { readdirSync } from "node:fs";
import { rssMiB } from "../bench/proc-stats.ts";
import { ClientConnection } from "./http-client.ts";
import { scpiSoakClients } from "./scpi-client.ts";

const KEEP_ALIVE_CLIENTS = 8;
const CHURNERS = 4;
const SAMPLE_MS = 1_000;
/** Samples on each side whose median is compared: one GC cycle more or less must not count as drift. */
const MEDIAN_OF = 5;
const GZIP = "Accept-Encoding: gzip, deflate, br\r\n";
const JSON_BODY = "Content-Type: application/json\r\n";

export interface SoakResult {
  readonly requests: number;
  readonly errors: readonly string[];
  readonly rssAfterWarmUpMiB: number;
  readonly rssEndMiB: number;
  readonly fdsBefore: number;
  readonly fdsAfter: number;
}

/** Open file descriptors of a process (`/proc/<pid>/fd`). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/**
 * Runs the mixed load for `seconds` (the first `warmUpS` not counted for drift) against `pid` listening on `port`,
 * and on `scpiPort` too when given (SCPI clients in lock-step and churning, scripts/stress/scpi-client.ts).
 */
export async function soak(port: number, pid: number, seconds: number, warmUpS: number, scpiPort = 0): Promise<SoakResult> {
  const errors: string[] = [];
  const note = (e: string) => {
    if (errors.length < 20) errors.push(e);
  };
  let requests = 0;
  // The board's engine Worker starts with the first tone and keeps its own event loop's descriptors for good:
  // start it before counting, so the count compares like with like.
  await fetch(`http://127.0.0.1:${port}/?speaker`, { method: "POST", body: '{"freq":440,"ms":20}' }).catch(() => {});
  await Bun.sleep(300);
  const fdsBefore = openFds(pid);
  const endAt = performance.now() + seconds * 1000;
  const running = () => performance.now() < endAt && errors.length === 0;

  // Each step: method, target, extra head lines, body, expected status. R1 counts up, so writes change something.
  let counter = 0;
  const steps: (() => [string, string, string, string, number])[] = [
    () => ["GET", "/", GZIP, "", 200],
    () => ["GET", "/?ping", "", "", 200],
    () => ["POST", "/?REG", JSON_BODY, `{"R1":${++counter % 4294967296}}`, 200],
    () => ["GET", "/?REG/R1", "", "", 200],
    () => ["POST", "/?MEM/10", JSON_BODY, `[${counter & 255},2,3]`, 200],
    () => ["GET", "/?MEM/0-1F?hyx", "", "", 200],
    () => ["GET", "/favicon.ico", GZIP, "", 200],
    () => ["GET", "/?list", "", "", 200],
    () => ["GET", "/no-such-page", "", "", 404],
    // the board (simulated): the engine Worker runs throughout, fed motor and tone commands, LEDs toggled
    () => ["POST", "/?motors", JSON_BODY, `{"left":${(counter % 21) / 10 - 1},"right":0.5}`, 200],
    () => ["POST", "/?speaker", JSON_BODY, `{"freq":${440 + (counter % 400)},"ms":50}`, 200],
    () => ["POST", "/?leds", JSON_BODY, `{"status":${counter & 1}}`, 200],
    () => ["GET", "/?rt", "", "", 200],
  ];
  const ask = async (c: ClientConnection, i: number) => {
    const [method, target, headers, body, expected] = steps[i % steps.length]();
    const answer = await c.request(method, target, headers, body);
    requests++;
    if (answer.status !== expected) note(`${method} ${target} answered ${answer.status}, expected ${expected}`);
  };
  const keepAlive = async (k: number) => {
    let c: ClientConnection | null = null;
    try {
      c = await ClientConnection.open(port);
      for (let i = k; running(); i++) await ask(c, i);
    } catch (error) {
      note(`keep-alive client ${k}: ${(error as Error).message}`);
    } finally {
      c?.close();
    }
  };
  const churner = async (k: number) => {
    for (let i = k; running(); i++) {
      let c: ClientConnection | null = null;
      try {
        c = await ClientConnection.open(port);
        await ask(c, i);
      } catch (error) {
        note(`churner ${k}: ${(error as Error).message}`);
      } finally {
        c?.close();
      }
    }
  };

  const rss: { atS: number; mib: number }[] = [];
  const t0 = performance.now();
  const sampler = setInterval(() => rss.push({ atS: (performance.now() - t0) / 1000, mib: rssMiB(pid) }), SAMPLE_MS);
  await Promise.all([
    ...Array.from({ length: KEEP_ALIVE_CLIENTS }, (_, k) => keepAlive(k)),
    ...Array.from({ length: CHURNERS }, (_, k) => churner(k)),
    ...(scpiPort === 0 ? [] : scpiSoakClients(scpiPort, running, note, () => requests++)),
  ]);
  clearInterval(sampler);

  // Every client has closed: wait for the server to see the FINs (up to 30 s on a busy machine), then count again.
  let fdsAfter = openFds(pid);
  for (let i = 0; i < 300 && fdsAfter > fdsBefore; i++) {
    await Bun.sleep(100);
    fdsAfter = openFds(pid);
  }
  const measured = rss.filter((s) => s.atS >= warmUpS).map((s) => s.mib);
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length === 0 ? NaN : s[Math.floor(s.length / 2)];
  };
  return {
    requests,
    errors,
    rssAfterWarmUpMiB: median(measured.slice(0, MEDIAN_OF)),
    rssEndMiB: median(measured.slice(-MEDIAN_OF)),
    fdsBefore,
    fdsAfter,
  };
}
