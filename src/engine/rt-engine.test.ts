/** The engine Worker on the simulator, asserted on the sim file's edge log (CLOCK_MONOTONIC times). */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicNs } from "../os/libc.ts";
import { attachSimFile, openSimBackend } from "../gpio/sim-file.ts";
import { readEdges } from "../gpio/sim-layout.ts";
import { RtEngine } from "./rt-engine.ts";

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

  test("1 kHz for 200 ms: 400 ± 2 edges on the speaker pin, periods 1 ms ± 5%", async () => {
    const from = readEdges(view.buffer).count;
    engine.play([[1000, 200]]);
    await Bun.sleep(350);
    const edges = edgesOf(12, from);
    expect(Math.abs(edges.length - 400)).toBeLessThanOrEqual(2);
    const rises = edges.filter((e) => e.level === 1);
    const periods = rises.slice(1).map((e, i) => Number(e.ns - rises[i].ns) / 1e6);
    const mean = periods.reduce((a, b) => a + b, 0) / periods.length;
    expect(Math.abs(mean - 1)).toBeLessThan(0.05);
    expect(main.backend.read(12)).toBe(0);
    expect(engine.figures().edgeError.sinceStart.count).toBeGreaterThanOrEqual(398);
  });

  test("a motor command changes the pins within one PWM period; stopAll coasts", async () => {
    const from = readEdges(view.buffer).count;
    const sent = monotonicNs();
    engine.motors(0.5, -1, 250, 20);
    await Bun.sleep(30);
    const left = edgesOf(5, from);
    expect(left.length).toBeGreaterThan(4);
    expect(Number(left[0].ns - sent) / 1e6).toBeLessThan(4);
    expect(main.backend.read(24)).toBe(1); // right motor full reverse: IN2 high
    engine.stopAll();
    await Bun.sleep(20);
    for (const p of [5, 6, 23, 24]) expect(main.backend.read(p)).toBe(0);
  });

  test("a stalled heartbeat stops the motors within 500 ms + a little", async () => {
    engine.motors(1, 1, 250, 20);
    await Bun.sleep(20);
    expect(main.backend.read(5)).toBe(1);
    const from = readEdges(view.buffer).count;
    const stalled = monotonicNs();
    engine.pauseHeartbeat();
    await Bun.sleep(700);
    const coast = edgesOf(5, from).find((e) => e.level === 0);
    expect(coast).toBeDefined();
    expect(Number(coast!.ns - stalled) / 1e6).toBeLessThan(600);
    expect(engine.figures().heartbeatLosses).toBe(1);
  });
});
