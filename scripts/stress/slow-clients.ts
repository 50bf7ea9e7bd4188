/**
 * @module Slow-client rows for the stress harness: Debian's `slowhttptest` (slowloris -H, slow body -B, slow read
 * -X) against 127.0.0.1 for a bounded time while a probe asks `GET /` every 100 ms on fresh connections. Reports
 * the probe's worst latency and failures, and the server's own counters (`/?stats`) before and after. The probe's
 * time-out and the wait for the server's deadlines are generous: on a busy machine they come late, which is no defect.
 */

export type SlowKind = "slowloris" | "slow-body" | "slow-read";

const FLAGS: Record<SlowKind, string[]> = {
  slowloris: ["-H", "-i", "10"], // a header line every 10 s: head deadline is 3 s
  "slow-body": ["-B", "-i", "10", "-s", "8192"], // a body byte every 10 s: body deadline is keep-alive
  "slow-read": ["-X", "-k", "3", "-n", "1", "-z", "32", "-w", "512", "-y", "1024"], // reads 32 bytes a second, tiny window
};
const PROBE_EVERY_MS = 100;
/** A probe unanswered this long counts as failed: the server is stuck, not slow. */
const PROBE_TIMEOUT_MS = 10_000;
/** How long past its run time an attack goes on while the server has not yet cut every connection. */
const SETTLE_LIMIT_S = 30;
/** How often the server's counters are read while waiting for it to settle. */
const SETTLE_POLL_MS = 1_000;

export interface SlowResult {
  probes: number;
  probeFailures: number;
  probeMaxMs: number;
  probeP95Ms: number;
  before: any;
  after: any;
  toolRan: boolean;
}

async function stats(port: number): Promise<any> {
  return (await fetch(`http://127.0.0.1:${port}/?stats`)).json();
}

async function probe(port: number): Promise<number> {
  const t0 = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS), headers: { Connection: "close" } });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  return performance.now() - t0;
}

/**
 * Runs one attack of `connections` on `target` (a path) and probes throughout: for `seconds` plus `tailS`, then on
 * until `settled(before, after)` holds for the server's counters (the server has done its part), up to
 * SETTLE_LIMIT_S more. slowhttptest itself may run that long (it opens its connections once and ends when all are
 * closed), so it never ends the attack before the server's deadlines do.
 */
export async function slowAttack(
  kind: SlowKind,
  port: number,
  target: string,
  connections: number,
  seconds: number,
  tailS: number,
  settled: (before: any, after: any) => boolean,
): Promise<SlowResult> {
  const before = await stats(port);
  const runS = seconds + tailS + SETTLE_LIMIT_S;
  const tool = Bun.spawn(
    [
      "slowhttptest",
      ...FLAGS[kind],
      "-c",
      String(connections),
      "-r",
      String(connections),
      "-l",
      String(runS),
      "-p",
      "2",
      "-u",
      `http://127.0.0.1:${port}${target}`,
    ],
    { stdout: "pipe", stderr: "pipe", timeout: (runS + 30) * 1000 },
  );
  const result: SlowResult = { probes: 0, probeFailures: 0, probeMaxMs: 0, probeP95Ms: 0, before, after: null, toolRan: false };
  const latencies: number[] = [];
  const end = performance.now() + (seconds + tailS) * 1000;
  const giveUpAt = end + SETTLE_LIMIT_S * 1000;
  let lookedAt = 0;
  for (;;) {
    try {
      latencies.push(await probe(port));
    } catch {
      result.probeFailures++;
    }
    result.probes++;
    const now = performance.now();
    if (now >= end && now - lookedAt >= SETTLE_POLL_MS) {
      lookedAt = now;
      result.after = await stats(port);
      if (settled(before, result.after) || now >= giveUpAt) break;
    }
    await Bun.sleep(PROBE_EVERY_MS);
  }
  latencies.sort((a, b) => a - b);
  result.probeMaxMs = latencies.at(-1) ?? NaN;
  result.probeP95Ms = latencies[Math.floor(latencies.length * 0.95)] ?? NaN;
  tool.kill("SIGINT");
  await tool.exited;
  const out = await new Response(tool.stdout).text();
  result.toolRan = /test type:/i.test(out) || /slowhttptest/i.test(out);
  return result;
}
