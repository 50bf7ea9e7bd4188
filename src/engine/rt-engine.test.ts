/**
 * The engine Worker on the simulator, asserted on the sim file's edge log (CLOCK_MONOTONIC times). Waits are for
 * conditions, times only lower bounds (nothing early): how late an edge comes on a loaded machine is `npm run bench`'s
 * edge error, not a test's.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicNs } from "../os/libc.ts";
import { attachSimFile, openSimBackend } from "../gpio/sim-file.ts";
import { readEdges } from "../gpio/sim-layout.ts";
import { WAIT_MS, waitFor } from "../../test/support/wait.ts";
import { RtEngine } from "./rt-engine.ts";

const WAITING_TEST_MS = 5_000 + 3 * WAIT_MS;

const dir = mkdtempSync(join(tmpdir(), "httap-engine-"));
const path = join(dir, "sim.bin");
const main = openSimBackend(path, { create: true, removeOnClose: false });
const view = attachSimFile(path);
const pins = { speaker: 12, motors: { left: { in1: 5, in2: 6, enable: null }, right: { in1: 23, in2: 24, enable: null } } };
let engine: RtEngine;
afterAll(async () => {
  await engine?.stop();
  view.close();
  main.backend.close();
  rmSync(dir, { recursive: true, force: true });
});

const edgesOf = (pin: number, from: number) => readEdges(view.buffer, from).edges.filter((e) => e.pin === pin);

describe("real-time engine (Worker) on the simulator", () => {
  test("starts, owns its pins as outputs, all low", async () => {
    engine = RtEngine.start({ kind: "sim", simPath: path, registers: null, lines: [] }, pins, (l) => console.error(l));
    await engine.ready();
    expect(engine.figures().running).toBe(true);
    for (const p of [12, 5, 6, 23, 24]) {
      expect(main.backend.functionOf(p)).toBe("out");
      expect(main.backend.read(p)).toBe(0);
    }
  });

  test(
    "each second says which of its edges were its own, read whole: no more and no later than all of them",
    async () => {
      engine.play([[1000, 60_000]]); // stopped below; long enough for a slow machine to see a whole second of it
      const rolled = () => engine.figures().edgeError.lastSecond.count >= 1900;
      expect(await waitFor(rolled)).toBe(true);
      // each reading is whole (the copy behind its seqlock), so the relations hold in every one
      let ownSeen = 0;
      for (let i = 0; i < 200; i++) {
        const f = engine.figures();
        const { lastSecond, lastSecondOwn } = f.edgeError;
        expect(lastSecondOwn.maxUs).toBeLessThanOrEqual(lastSecond.maxUs);
        expect(lastSecondOwn.count).toBeLessThanOrEqual(lastSecond.count);
        expect(f.lastSecondWakeLateMaxUs).toBeGreaterThanOrEqual(0);
        ownSeen = Math.max(ownSeen, lastSecondOwn.count);
        await Bun.sleep(5);
      }
      expect(ownSeen).toBeGreaterThan(0); // edges after a wake-up in time are counted as the engine's own
      engine.play([]);
    },
    WAITING_TEST_MS,
  );

  test(
    "1 kHz for 200 ms: 400 ± 2 alternating edges on the speaker pin, ending low, the last not before 199.5 ms",
    async () => {
      // From silence: the test before stops its tone as it ends, and an engine slow to take that stop (a loaded
      // machine) went on to this tone from a high pin, its first edge then a low one (seen once in CI). Silent: low,
      // and no edge for 20 ms, when a playing 1 kHz tone makes one every 0.5 ms.
      const silent = () => {
        const last = edgesOf(12, 0).at(-1);
        return main.backend.read(12) === 0 && (last === undefined || monotonicNs() - last.ns > 20_000_000n);
      };
      expect(await waitFor(silent)).toBe(true);
      const from = readEdges(view.buffer).count;
      const sent = monotonicNs();
      engine.play([[1000, 200]]);
      // the tone is over once most edges are in and none came for 100 ms (at 1 kHz one comes every 0.5 ms)
      const quiet = () => {
        const e = edgesOf(12, from);
        return e.length >= 398 && monotonicNs() - e.at(-1)!.ns > 100_000_000n;
      };
      expect(await waitFor(quiet)).toBe(true);
      const edges = edgesOf(12, from);
      expect(Math.abs(edges.length - 400)).toBeLessThanOrEqual(2);
      expect(edges.every((e, i) => e.level === (i % 2 === 0 ? 1 : 0))).toBe(true);
      // no edge before its time: the last (399 half periods in) comes 199.5 ms after the command or later
      expect(Number(edges.at(-1)!.ns - sent) / 1e6).toBeGreaterThanOrEqual(199);
      expect(main.backend.read(12)).toBe(0);
      expect(engine.figures().edgeError.sinceStart.count).toBeGreaterThanOrEqual(398);
    },
    WAITING_TEST_MS,
  );

  test(
    "a motor command drives the pins (PWM on the left, full reverse on the right); stopAll coasts",
    async () => {
      const from = readEdges(view.buffer).count;
      const sent = monotonicNs();
      engine.motors(0.5, -1, 250, 20);
      expect(await waitFor(() => edgesOf(5, from).length > 4)).toBe(true); // half duty: IN1 toggles
      expect(edgesOf(5, from)[0].ns).toBeGreaterThan(sent);
      expect(await waitFor(() => main.backend.read(24) === 1)).toBe(true); // right motor full reverse: IN2 high
      engine.stopAll();
      expect(await waitFor(() => [5, 6, 23, 24].every((p) => main.backend.read(p) === 0))).toBe(true);
    },
    WAITING_TEST_MS,
  );

  test(
    "idle, the heartbeat stops and the engine waits on its doorbell alone; a command then drives, no heartbeat loss",
    async () => {
      engine.motors(1, 1, 250, 20);
      expect(engine.isBeating).toBe(true);
      expect(await waitFor(() => main.backend.read(5) === 1)).toBe(true);
      engine.motors(0, 0, 250, 20);
      expect(await waitFor(() => !engine.isBeating)).toBe(true); // the engine said: idle, with that command taken
      expect([5, 6, 23, 24].map((p) => main.backend.read(p))).toEqual([0, 0, 0, 0]);
      // two seconds rolled idle, then the engine waits on the doorbell only: the second it published last is an idle
      // one, and no second rolls any more (its CPU figure, stored at each roll, holds still over one and a half)
      expect(await waitFor(() => engine.figures().edgeError.lastSecond.count === 0)).toBe(true);
      const rollsNoMore = async () => {
        const before = engine.figures().cpuMicros;
        await Bun.sleep(1_500);
        return engine.figures().cpuMicros === before;
      };
      expect(await waitFor(rollsNoMore)).toBe(true);
      const losses = engine.figures().heartbeatLosses;
      engine.motors(1, 1, 250, 20);
      expect(await waitFor(() => main.backend.read(5) === 1)).toBe(true);
      // past the 500 ms loss time: the command was the main thread's sign of life, not its last beat seconds ago
      await Bun.sleep(1_000);
      expect(main.backend.read(5)).toBe(1);
      expect(engine.figures().heartbeatLosses).toBe(losses);
      expect(engine.isBeating).toBe(true);
    },
    WAITING_TEST_MS + 2 * WAIT_MS,
  );

  test(
    "a stalled heartbeat stops the motors, not before the 500 ms loss time",
    async () => {
      engine.motors(1, 1, 250, 20);
      expect(await waitFor(() => main.backend.read(5) === 1)).toBe(true);
      const lossesBefore = engine.figures().heartbeatLosses;
      const from = readEdges(view.buffer).count;
      const stalled = monotonicNs();
      engine.pauseHeartbeat();
      expect(await waitFor(() => edgesOf(5, from).some((e) => e.level === 0))).toBe(true);
      const coast = edgesOf(5, from).find((e) => e.level === 0)!;
      // The last beat may be one 50 ms heartbeat period older than the pause; the 500 ms run from it.
      expect(Number(coast.ns - stalled) / 1e6).toBeGreaterThanOrEqual(500 - 50 - 5);
      expect(engine.figures().heartbeatLosses).toBeGreaterThanOrEqual(lossesBefore + 1);
    },
    WAITING_TEST_MS,
  );
});
