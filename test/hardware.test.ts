/**
 * @module Black-box tests of the hardware (issue 7): the compiled binary on the simulator, watched from this process
 * through the simulator file (the BCM2711 block, the drive words, the edge log with CLOCK_MONOTONIC times).
 * Network: 127.0.0.1 only; every wait bounded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicNs, type Mapping } from "../src/gpio/libc.ts";
import { attachSimFile } from "../src/gpio/sim-file.ts";
import { readEdges, SIM_WORD, type SimEdge } from "../src/gpio/sim-layout.ts";
import { BUILD_TIMEOUT_MS, buildBinaries, X64 } from "./support/build.ts";
import { runToExit, startServer, type RunningServer } from "./support/server.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-hardware-"));
const servers: RunningServer[] = [];
const maps: Mapping[] = [];
const GPLEV0 = 0x34 / 4;
const CAR_OUTPUTS = [5, 6, 12, 23, 24, 26];

beforeAll(() => buildBinaries(["x64"]), BUILD_TIMEOUT_MS + 5_000);
afterAll(async () => {
  for (const m of maps) m.close();
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
async function car(env: Record<string, string> = {}) {
  const simFile = join(dir, `sim-${n++}.bin`);
  const server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile, ...env }, [X64], { cwd: dir });
  servers.push(server);
  const map = attachSimFile(simFile);
  maps.push(map);
  const words = new Uint32Array(map.buffer);
  const url = (t: string) => `http://127.0.0.1:${server.port}/?${t}`;
  const post = async (t: string, body: unknown) => { const r = await fetch(url(t), { method: "POST", body: JSON.stringify(body) }); return { status: r.status, json: await r.json() as Record<string, unknown> }; };
  const get = async (t: string) => { const r = await fetch(url(t)); return { status: r.status, json: await r.json() as Record<string, unknown> }; };
  const level = (pin: number) => (Atomics.load(words, GPLEV0) >>> pin) & 1;
  const edges = (pin: number, from: number): SimEdge[] => readEdges(map.buffer, from).edges.filter((e) => e.pin === pin);
  const count = () => readEdges(map.buffer).count;
  return { server, simFile, map, words, post, get, level, edges, count };
}

/** Waits (bounded) until `check` holds. */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) { if (check()) return true; await Bun.sleep(5); }
  return check();
}

describe("the compiled binary on the simulator", () => {
  test("at start every output of the profile is an output, low; the file is named in the log", async () => {
    const c = await car();
    expect(c.server.output()).toContain(c.simFile);
    for (const pin of CAR_OUTPUTS) {
      expect((c.words[Math.floor(pin / 10)] >>> ((pin % 10) * 3)) & 7).toBe(1); // GPFSEL: output
      expect(c.level(pin)).toBe(0);
    }
  });

  test("POST /?speaker 1 kHz 200 ms: 400 ± 2 edges on GPIO 12, periods 1 ms ± 5%; a motor command then moves its pins within one PWM period", async () => {
    const c = await car();
    let from = c.count();
    const r = await c.post("speaker", { freq: 1000, ms: 200 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ playing: true, frequency: 1000, method: "engine" });
    // The engine starts with the first timed command (a device nobody drives pays no Worker), so allow it that start.
    await until(() => c.edges(12, from).length >= 400, 3000);
    await Bun.sleep(50);
    const tone = c.edges(12, from);
    expect(Math.abs(tone.length - 400)).toBeLessThanOrEqual(2);
    const rises = tone.filter((e) => e.level === 1);
    const periods = rises.slice(1).map((e, i) => Number(e.ns - rises[i].ns) / 1e6);
    expect(Math.abs(periods.reduce((a, b) => a + b, 0) / periods.length - 1)).toBeLessThan(0.05);
    // each period too, but for a few: this shared 2-core VM preempts even a SCHED_FIFO thread now and then (seen: up
    // to 11 of 199 periods past 5%); `npm run bench` measures the edge error itself (p99 3-7 µs there)
    expect(periods.filter((p) => Math.abs(p - 1) > 0.05).length).toBeLessThanOrEqual(periods.length * 0.08);
    expect(c.level(12)).toBe(0);

    from = c.count();
    const sent = monotonicNs();
    expect((await c.post("motors", { left: 0.5, right: 0.5 })).status).toBe(200);
    expect(await until(() => c.edges(5, from).length > 0, 1000)).toBe(true);
    expect(Number(c.edges(5, from)[0].ns - sent) / 1e6).toBeLessThan(4); // one period at 250 Hz
    expect((await c.get("motors")).json).toMatchObject({ left: 0.5, right: 0.5, pwmHz: 250 });
    expect((await c.post("motors", { stop: true })).status).toBe(200);
  });

  test("the dead-man stop: no drive command for HTTAP_DEADMAN_MS, and both motors coast within it + 50 ms", async () => {
    const c = await car({ HTTAP_DEADMAN_MS: "300" });
    await c.post("motors", { left: 1, right: -1 }); // full speed: IN1 left high, IN2 right high
    expect(await until(() => c.level(5) === 1 && c.level(24) === 1, 3000)).toBe(true);
    const from = c.count();
    const last = monotonicNs();
    await c.post("motors", { left: 1, right: -1 }); // the last command
    expect(await until(() => c.level(5) === 0 && c.level(24) === 0, 1500)).toBe(true);
    const coast = [...c.edges(5, from), ...c.edges(24, from)].filter((e) => e.level === 0);
    expect(coast.length).toBe(2);
    for (const e of coast) expect(Number(e.ns - last) / 1e6).toBeLessThan(300 + 50);
    expect((await c.get("motors")).json).toMatchObject({ left: 0, right: 0, lastStop: "deadman" });
  });

  test("/?invalid from the owner ends the session: the motors stop, the status LED goes off", async () => {
    const c = await car({ HTTAP_DEADMAN_MS: "5000" });
    await c.post("motors", { left: 1, right: 1 });
    expect(await until(() => c.level(5) === 1 && c.level(23) === 1, 3000)).toBe(true);
    expect(c.level(26)).toBe(1); // status LED: someone owns the device
    await fetch(`http://127.0.0.1:${c.server.port}/?invalid`);
    expect(await until(() => c.level(5) === 0 && c.level(23) === 0, 500)).toBe(true);
    expect(c.level(26)).toBe(0);
  });

  test("SIGTERM leaves every output low; after kill -9 the pins stay, and httap --safe-state brings them low", async () => {
    const a = await car({ HTTAP_DEADMAN_MS: "5000" });
    await a.post("motors", { left: 1, right: 1 });
    await a.post("leds", { status: 1 });
    expect(await until(() => a.level(5) === 1, 3000)).toBe(true);
    expect(await a.server.stop()).toBe(0);
    for (const pin of CAR_OUTPUTS) expect(a.level(pin)).toBe(0);

    const b = await car({ HTTAP_DEADMAN_MS: "5000" });
    await b.post("motors", { left: 1, right: 1 });
    expect(await until(() => b.level(5) === 1 && b.level(23) === 1, 3000)).toBe(true);
    b.server.proc.kill("SIGKILL");
    await b.server.proc.exited;
    expect([b.level(5), b.level(23), b.level(26)]).toEqual([1, 1, 1]); // nobody could run any code
    const r = await runToExit([X64, "--safe-state"], { HTTAP_GPIO: "sim", HTTAP_SIM_FILE: b.simFile }, 15_000, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("safe state");
    for (const pin of CAR_OUTPUTS) expect(b.level(pin)).toBe(0);
  });

  test("simon: a button pressed through the drive words shows in /?buttons (debounced) and in /?changes", async () => {
    const c = await car({ HTTAP_BOARD: "simon" });
    expect((await c.get("buttons")).json).toEqual({ red: false, green: false, blue: false, yellow: false });
    await c.get("changes"); // the session has seen everything
    Atomics.or(c.words, SIM_WORD.driveMask0, 1 << 5); // a wire pulls GPIO 5 (green) to ground
    expect(await until(() => c.level(5) === 0, 500)).toBe(true);
    await Bun.sleep(60); // 20 ms debounce, 5 ms sampling
    expect((await c.get("buttons")).json).toEqual({ red: false, green: true, blue: false, yellow: false });
    expect((await c.get("changes")).json).toEqual({ changes: ["buttons"] });
    Atomics.and(c.words, SIM_WORD.driveMask0, ~(1 << 5));
    await Bun.sleep(60);
    expect((await c.get("buttons")).json).toMatchObject({ green: false });
    // the same through /?sim, as a page's virtual board does it
    expect((await c.post("sim", { pin: 6, level: 0 })).json).toMatchObject({ drive: [{ pin: 6, level: 0 }] });
    await Bun.sleep(60);
    expect((await c.get("buttons")).json).toMatchObject({ blue: true });
    expect((await c.post("sim", { pin: 6, level: null })).json).toMatchObject({ drive: [] });
  });

  test("leds and gpio: set by name; a free pin may be driven, an owned one is 409, bad bodies are 400 naming the field", async () => {
    const c = await car({ HTTAP_BOARD: "simon" });
    expect((await c.post("leds", { red: 1, blue: true })).json).toMatchObject({ red: 1, blue: 1, green: 0 });
    expect(c.level(22) + c.level(27)).toBe(2);
    expect(await c.post("leds", { purple: 1 })).toMatchObject({ status: 400, json: { error: "bad-value", message: expect.stringContaining('no LED "purple"') } });
    expect(await c.post("gpio/16", { mode: "out", level: 1 })).toMatchObject({ status: 200, json: { pin: 16, mode: "out", level: 1, role: null } });
    expect(c.level(16)).toBe(1);
    expect(await c.post("gpio/22", { mode: "out", level: 0 })).toMatchObject({ status: 409, json: { error: "pin-owned" } });
    expect(await c.post("gpio/16", { mode: "sideways" })).toMatchObject({ status: 400 });
    const all = (await c.get("gpio")).json as { pins: { pin: number; role: string | null }[] };
    expect(all.pins.length).toBe(28);
    expect(all.pins.find((p) => p.pin === 4)?.role).toBe("buttons.red");
    for (const [body, field] of [[{ freq: 5, ms: 100 }, "freq"], [{ freq: 440, ms: 0 }, "ms"], [{ notes: [[440, 100], [30000, 1]] }, "notes[1]"], [{ freq: 440, ms: 100, x: 1 }, '"x"']] as const) {
      const r = await c.post("speaker", body);
      expect(r.status).toBe(400);
      expect(String(r.json.message)).toContain(field);
    }
    expect(await c.post("motors", { left: 2, right: 0 })).toMatchObject({ status: 404 }); // simon has no motors
  });

  test("/?rt reports the engine's edge error and the main loop's lag", async () => {
    const c = await car();
    await c.post("speaker", { freq: 2000, ms: 100 });
    await Bun.sleep(1300);
    const rt = (await c.get("rt")).json as { engine: string; edgeErrorUs: { sinceStart: { count: number; p99Us: number } }; mainLoopLag: { samples: number }; toneMethod: string };
    expect(rt.engine).toBe("running");
    expect(rt.edgeErrorUs.sinceStart.count).toBeGreaterThanOrEqual(400);
    expect(rt.mainLoopLag.samples).toBeGreaterThan(10);
    expect(rt.toneMethod).toBe("engine");
  });
});

describe("hardware PWM, bad profiles, missing devices", () => {
  test("the speaker uses sysfs PWM when the chip is there: period and duty in ns, enable, then off", async () => {
    const sysfs = join(dir, "pwm");
    const channel = join(sysfs, "pwmchip0", "pwm0");
    mkdirSync(channel, { recursive: true });
    for (const f of ["export", "pwm0/period", "pwm0/duty_cycle", "pwm0/enable"]) writeFileSync(join(sysfs, "pwmchip0", f), "0");
    const c = await car({ HTTAP_PWM_SYSFS: sysfs });
    const read = (f: string) => readFileSync(join(channel, f), "utf8");
    expect(read("enable")).toBe("0");
    const r = await c.post("speaker", { notes: [[440, 150], [880, 150]] });
    expect(r.json).toMatchObject({ method: "pwm", frequency: 440 });
    expect([read("period"), read("duty_cycle"), read("enable")]).toEqual(["2272727", "1136364", "1"]);
    await Bun.sleep(200);
    expect([read("period"), read("duty_cycle")]).toEqual(["1136364", "568182"]);
    await Bun.sleep(200);
    expect(read("enable")).toBe("0");
    expect(c.edges(12, 0).length).toBe(0); // the GPIO pin was never toggled: it belongs to the PWM
  });

  test("a bad board file stops the start with exit 2 and a sentence naming the problem", async () => {
    const cases: [string, RegExp][] = [
      ['{"name":"x","speaker":12,"leds":{"status":12}}', /GPIO 12 is used twice \(speaker and leds\.status\)/],
      ['{"name":"x","speaker":40,"leds":{"status":26}}', /speaker must be a header GPIO 0-27, got 40/],
      ['{"name":"x","speaker":12,"leds":{"status":26},"lasers":1}', /unknown key "lasers"/],
      ['{"name":"x","leds":{"status":26}}', /the role speaker is missing/],
      ["not json", /is not JSON/],
    ];
    for (const [text, message] of cases) {
      const file = join(dir, `board-${n++}.json`);
      writeFileSync(file, text);
      const r = await runToExit([X64], { HTTAP_TCPPORT: "0", HTTAP_GPIO: "sim", HTTAP_BOARD: file }, 15_000, dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  test("HTTAP_GPIO=bcm without /dev/gpiomem: one clear line, pages served, hardware resources 503 no-gpio", async () => {
    if (existsSync("/dev/gpiomem")) return; // this machine is a Pi
    const server = await startServer({ HTTAP_GPIO: "bcm" }, [X64], { cwd: dir });
    servers.push(server);
    expect(server.output()).toMatch(/gpio: \/dev\/gpiomem does not exist: .*HTTAP_GPIO=bcm/);
    expect((await fetch(`http://127.0.0.1:${server.port}/`)).status).toBe(200);
    for (const r of ["speaker", "motors", "leds", "gpio"]) {
      const res = await fetch(`http://127.0.0.1:${server.port}/?${r}`);
      expect([r, res.status]).toEqual([r, 503]);
      expect(await res.json()).toMatchObject({ error: "no-gpio", message: expect.stringContaining("/dev/gpiomem") });
    }
    expect((await fetch(`http://127.0.0.1:${server.port}/?sim`)).status).toBe(404);
  });
});
