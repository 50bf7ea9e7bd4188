/**
 * The board on the character device, over the fake kernel: on QEMU's raspi3b with Debian's 6.1 kernel the engine's
 * start released the motor and speaker lines (undriven inputs until the Worker requested them again), and the safe
 * state at exit asked for a line the Worker still held (EBUSY, exit 70). Every output is requested once, held until
 * exit, and released pulled down.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openHeaderChip } from "../gpio/chardev-gpio.ts";
import { GPIO_V2_GET_LINE_IOCTL, LINE_FLAG } from "../gpio/chardev-uapi.ts";
import { FakeKernel } from "../gpio/fakes.test-support.ts";
import { loadProfile, outputPins } from "./board-profile.ts";
import { Hardware } from "./hardware.ts";
import { driveLow } from "./safe-state.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-chardev-board-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const requestFlags = (k: FakeKernel) => k.requests.map((r) => new DataView(r.buffer).getBigUint64(288, true));
const requestedPins = (k: FakeKernel) => k.requests.map((r) => new DataView(r.buffer).getUint32(0, true));

describe("the board's lines on the character device", () => {
  test("each output requested once, OUTPUT | BIAS_PULL_DOWN at 0; the engine's start closes none; close asks for none again", async () => {
    const k = new FakeKernel("pinctrl-bcm2835");
    const profile = loadProfile("rc-car");
    const gpio = { backend: null, simPath: null, notices: [], unavailable: null, soc: null, registers: null };
    const logged: string[] = [];
    const log = (line: string) => void logged.push(line);
    const pwmSysfs = join(dir, "no-pwm"); // no PWM chip: the engine makes the tone, so the speaker pin is the engine's too
    const hw = new Hardware(openHeaderChip(k), { profile, gpio, pwmSysfs, motorPwmHz: 250, deadmanMs: 500, realtime: false, log });
    const outputs = outputPins(profile);
    expect(requestedPins(k).sort((a, b) => a - b)).toEqual([...outputs].sort((a, b) => a - b));
    expect(new Set(requestFlags(k))).toEqual(new Set([LINE_FLAG.OUTPUT | LINE_FLAG.BIAS_PULL_DOWN]));
    for (const pin of outputs) expect(k.electrical(pin)).toEqual({ direction: "out", pull: "down", level: 0 });

    // The Worker gets the main thread's fds. Here they are the fake's, which its real ioctls refuse (EBADF): the
    // engine fails, and the main thread drives its pins low again through its own requests. Either way, the start
    // must have let go of no line, and nothing asks for one twice.
    await hw.startEngineNow();
    expect(k.closed).toEqual([]);
    expect(k.count(GPIO_V2_GET_LINE_IOCTL)).toBe(outputs.length);
    expect(logged.join("\n")).toMatch(/set GPIO \d+: errno 9/); // EBADF on a handed fd: the Worker requested nothing
    for (const pin of outputs) expect(k.electrical(pin).direction).toBe("out");

    await hw.close();
    expect(k.count(GPIO_V2_GET_LINE_IOCTL)).toBe(outputs.length);
    expect(k.openFds).toBe(0);
    for (const pin of outputs) expect(k.electrical(pin)).toEqual({ direction: "in", pull: "down", level: 0 }); // released, still low
  });

  test("--safe-state's driveLow: one request per pin at level 0 with a pull-down, so the release leaves them low", () => {
    const k = new FakeKernel("pinctrl-bcm2835");
    const g = openHeaderChip(k);
    driveLow(g, [5, 6, 23, 24]);
    expect(requestedPins(k)).toEqual([5, 6, 23, 24]);
    expect(requestFlags(k)).toEqual(Array(4).fill(LINE_FLAG.OUTPUT | LINE_FLAG.BIAS_PULL_DOWN));
    g.close();
    for (const pin of [5, 6, 23, 24]) expect(k.electrical(pin)).toEqual({ direction: "in", pull: "down", level: 0 });
  });
});
