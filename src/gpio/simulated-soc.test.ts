import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicNs } from "../os/libc.ts";
import { GPCLR0, GPFSEL0, GPIO_PUP_PDN_CNTRL_REG0, GPLEV0, GPSET0 } from "./bcm-gpio.ts";
import { attachSimFile, openSimBackend } from "./sim-file.ts";
import { readEdges, SIM_FILE_BYTES, SIM_WORD } from "./sim-layout.ts";
import { SimulatedSoc } from "./simulated-soc.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-sim-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const path = join(dir, `sim-${n++}.bin`);
  return { path, ...openSimBackend(path, { create: true, removeOnClose: false }) };
};

describe("simulator file", () => {
  test("header: magic HSIM, version 1, capacity 65536, count 0; size 0x2000 + 65536 × 16", () => {
    const { path, backend } = fresh();
    const bytes = readFileSync(path);
    expect(bytes.length).toBe(SIM_FILE_BYTES);
    expect(bytes.subarray(0x1000, 0x1004).toString("latin1")).toBe("HSIM");
    expect(bytes.readUInt32LE(0x1000)).toBe(0x4d495348);
    expect(bytes.readUInt32LE(0x1004)).toBe(1);
    expect(bytes.readUInt32LE(0x1018)).toBe(65536);
    expect(bytes.readUInt32LE(0x101c)).toBe(0);
    backend.close();
  });

  test("GPLEV0 (0x34) holds every pin's level, as another mapping of the file sees it", () => {
    const { path, backend } = fresh();
    const other = attachSimFile(path); // what an outside process sees
    const words = new Uint32Array(other.buffer);
    backend.setMode(17, "out");
    backend.write(17, 1);
    expect(words[0x34 / 4] & (1 << 17)).toBe(1 << 17);
    expect(words[0x04 / 4]).toBe(0b001 << 21); // GPFSEL1 holds what was written
    backend.setMode(4, "in");
    backend.setPull(4, "up");
    expect(words[0xe4 / 4]).toBe(0b01 << 8);
    expect(words[0x34 / 4] & (1 << 4)).toBe(1 << 4); // pulled up
    // an outside wire pulls pin 4 low: the drive words at 0x1008 / 0x100c
    words[SIM_WORD.driveMask0] = 1 << 4;
    words[SIM_WORD.driveLevels0] = 0;
    expect(backend.read(4)).toBe(0);
    expect(words[0x34 / 4] & (1 << 4)).toBe(0);
    words[SIM_WORD.driveMask0] = 0; // released: the pull again
    expect(backend.read(4)).toBe(1);
    // a drive on an output changes nothing: outputs win
    words[SIM_WORD.driveMask0] = 1 << 17;
    expect(backend.read(17)).toBe(1);
    other.close();
    backend.close();
  });

  test("GPLEV after random function selects, pulls, latch and drive: each pin as a pin-by-pin reading says", () => {
    const { backend, soc } = fresh();
    const words = new Uint32Array(0x100); // what was written, by register word
    let seed = 0x2545f491; // xorshift32: the same registers in every run
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const field = (firstWord: number, width: number, pin: number) => {
      const perWord = Math.floor(32 / width);
      return (words[firstWord + Math.floor(pin / perWord)] >>> ((pin % perWord) * width)) & ((1 << width) - 1);
    };
    for (let round = 0; round < 50; round++) {
      for (let w = 0; w < 6; w++) soc.write(GPFSEL0 + w, (words[GPFSEL0 + w] = random() & 0x3fffffff));
      for (let w = 0; w < 4; w++) soc.write(GPIO_PUP_PDN_CNTRL_REG0 + w, (words[GPIO_PUP_PDN_CNTRL_REG0 + w] = random()));
      const latch = [random(), random() & 0x3ffffff];
      soc.write(GPSET0, latch[0]);
      soc.write(GPSET0 + 1, latch[1]);
      soc.write(GPCLR0, ~latch[0] >>> 0); // what is not set is cleared
      soc.write(GPCLR0 + 1, ~latch[1] >>> 0);
      const drive = Array.from({ length: 58 }, () => (random() % 3) as 0 | 1 | 2); // 2: no wire
      drive.forEach((d, pin) => soc.drive(pin, d === 2 ? null : d));
      for (let pin = 0; pin < 58; pin++) {
        const isOutput = field(GPFSEL0, 3, pin) === 0b001;
        const expected = isOutput
          ? (latch[pin >> 5] >>> (pin & 31)) & 1
          : drive[pin] !== 2
            ? drive[pin]
            : field(GPIO_PUP_PDN_CNTRL_REG0, 2, pin) === 0b01
              ? 1
              : 0;
        expect([pin, (soc.read(GPLEV0 + (pin >> 5)) >>> (pin & 31)) & 1]).toEqual([pin, expected]);
      }
    }
    backend.close();
  });

  test("every output change is logged once with CLOCK_MONOTONIC time; inputs are not logged", () => {
    const { path, backend } = fresh();
    const before = monotonicNs();
    backend.setMode(18, "out"); // latch 0, level was 0: no change, no edge
    backend.write(18, 1);
    backend.write(18, 1); // no change: no edge
    backend.write(18, 0);
    backend.setMode(22, "in");
    backend.setPull(22, "up"); // an input rising: not an output edge
    const after = monotonicNs();
    const map = attachSimFile(path);
    const { edges, count } = readEdges(map.buffer);
    expect(count).toBe(2);
    expect(edges.map((e) => [e.pin, e.level])).toEqual([
      [18, 1],
      [18, 0],
    ]);
    expect(before).toBeGreaterThan(0n);
    for (const e of edges) expect(e.ns >= before && e.ns <= after).toBe(true);
    map.close();
    backend.close();
  });

  test("a pin turned output shows its latch: an edge where that differs from its input level, none back to input", () => {
    const { path, backend } = fresh();
    backend.setPull(22, "up"); // an input reading 1
    backend.setMode(22, "out"); // latch 0: falls
    backend.setMode(22, "in"); // reads 1 again, no output edge
    backend.write(23, 1); // the latch of an input: no edge yet
    backend.setMode(23, "out"); // rises
    backend.setMode(24, "out"); // latch 0, input level 0: no edge
    const map = attachSimFile(path);
    expect(readEdges(map.buffer).edges.map((e) => [e.pin, e.level])).toEqual([
      [22, 0],
      [23, 1],
    ]);
    expect([backend.read(22), backend.read(23), backend.read(24)]).toEqual([1, 1, 0]);
    map.close();
    backend.close();
  });

  test("two SoCs over one file (main thread and engine) share the latch and log each edge once", () => {
    const { path, backend } = fresh();
    const map = attachSimFile(path);
    const second = new SimulatedSoc(map.buffer, false);
    backend.setMode(12, "out");
    backend.setMode(13, "out");
    second.write(0x1c / 4, 1 << 13); // GPSET0 from the other side
    backend.write(12, 1);
    expect(backend.read(13)).toBe(1);
    second.write(0x28 / 4, 1 << 12); // GPCLR0
    expect(backend.read(12)).toBe(0);
    const { edges } = readEdges(map.buffer);
    expect(edges.map((e) => [e.pin, e.level])).toEqual([
      [13, 1],
      [12, 1],
      [12, 0],
    ]);
    map.close();
    backend.close();
  });

  test("an edge is logged by the thread that made it, so the log's order is the pin's: the other's refresh logs none", () => {
    // CI (a room test's car): the engine set GPIO 5's latch; the main thread's refresh (then a 20 ms timer; a read of
    // GPLEV does the same) published that rise
    // and was preempted before logging it; meanwhile the engine cleared the latch and logged the fall; the late rise
    // then came last in the log, a pin "high" for good on a car that had stopped.
    const { path, backend } = fresh();
    backend.setMode(5, "out");
    const map = attachSimFile(path);
    const words = new Uint32Array(map.buffer);
    const engine = new SimulatedSoc(map.buffer, false);
    let isPreempted = false;
    const main = new SimulatedSoc(map.buffer, false, () => {
      // the main thread, once between publishing a level and logging it: the engine runs meanwhile
      if (!isPreempted) {
        isPreempted = true;
        engine.write(0x28 / 4, 1 << 5); // GPCLR0
      }
      return Number(monotonicNs());
    });
    Atomics.or(words, SIM_WORD.latch0, 1 << 5); // the engine's GPSET moved the latch; its own logging is yet to come
    main.refresh(); // publishes the level, logs nothing (no rise can come late)
    engine.write(0x28 / 4, 1 << 5); // the fall
    main.refresh();
    expect(readEdges(map.buffer).edges.map((e) => [e.pin, e.level])).toEqual([[5, 0]]);
    expect(backend.read(5)).toBe(0);
    // the writer's own path, the other thread refreshing and reading while it logs: both edges, in their order
    const hooked = new SimulatedSoc(map.buffer, false, () => {
      main.refresh();
      main.read(0x34 / 4); // GPLEV0
      return Number(monotonicNs());
    });
    hooked.write(0x1c / 4, 1 << 5);
    hooked.write(0x28 / 4, 1 << 5);
    expect(readEdges(map.buffer).edges.map((e) => e.level)).toEqual([0, 1, 0]);
    expect(backend.read(5)).toBe(0);
    map.close();
    backend.close();
  });

  test("the edge log is a ring: edge i in slot i mod 65536, readers skip what was overwritten", () => {
    const { path, backend } = fresh();
    backend.setMode(6, "out");
    for (let i = 0; i < 65536 + 10; i++) backend.write(6, (i & 1) === 0 ? 1 : 0);
    const map = attachSimFile(path);
    const { edges, count } = readEdges(map.buffer);
    expect(count).toBe(65546);
    expect(edges.length).toBe(65536);
    expect(edges.at(-1)!.level).toBe(0);
    map.close();
    backend.close();
  });

  test("a file that is not a simulator file is refused; a default file is removed on close", () => {
    const path = join(dir, "not-sim.bin");
    writeFileSync(path, new Uint8Array(SIM_FILE_BYTES));
    const map = attachSimFile(path);
    expect(() => new SimulatedSoc(map.buffer, false)).toThrow(/not an httap simulator file/);
    map.close();
    const temp = join(dir, "temp.bin");
    const { backend } = openSimBackend(temp, { create: true, removeOnClose: true });
    expect(existsSync(temp)).toBe(true);
    backend.close();
    expect(existsSync(temp)).toBe(false);
  });
});
