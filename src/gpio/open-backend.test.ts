import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openGpio, socFromCompatible } from "./open-backend.ts";
import { defaultSimPath, removeAbandonedSimFiles } from "./sim-file-place.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-open-gpio-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("choosing the GPIO backend", () => {
  test("the SoC from /proc/device-tree/compatible", () => {
    expect(socFromCompatible("raspberrypi,5-model-b\0brcm,bcm2712\0")).toBe("bcm2712");
    expect(socFromCompatible("raspberrypi,4-model-b\0brcm,bcm2711\0")).toBe("bcm2711");
    expect(socFromCompatible("raspberrypi,400\0brcm,bcm2711\0")).toBe("bcm2711");
    expect(socFromCompatible("raspberrypi,3-model-b-plus\0brcm,bcm2837\0")).toBe("bcm2835");
    expect(socFromCompatible("raspberrypi,model-zero-2-w\0brcm,bcm2837\0")).toBe("bcm2835");
    expect(socFromCompatible("pine64,rock64\0rockchip,rk3328\0")).toBeNull();
    expect(socFromCompatible("")).toBeNull();
  });

  test("auto off a Pi is the simulator, with a notice naming its file", () => {
    const simFile = join(dir, "auto.bin");
    const g = openGpio({ choice: "auto", simFile, env: {}, compatible: "" });
    expect(g.backend?.kind).toBe("sim");
    expect(g.simPath).toBe(simFile);
    expect(g.notices[0]).toMatch(/not a Raspberry Pi, so the pins are simulated; simulator file .*auto\.bin/);
    g.backend!.close();
    expect(existsSync(simFile)).toBe(true); // a named file stays for inspection
  });

  test("a default simulator file goes under XDG_RUNTIME_DIR and is removed on close", () => {
    const g = openGpio({ choice: "sim", simFile: null, env: { XDG_RUNTIME_DIR: dir }, compatible: "" });
    expect(g.simPath).toBe(join(dir, `httap-sim-${process.pid}.bin`));
    expect(existsSync(g.simPath!)).toBe(true);
    g.backend!.close();
    expect(existsSync(g.simPath!)).toBe(false);
  });

  test("without XDG_RUNTIME_DIR the default file goes to memory (/dev/shm), else to the temporary directory", () => {
    const shm = join(dir, "shm");
    mkdirSync(shm, { recursive: true });
    expect(defaultSimPath({}, 42, shm)).toBe(join(shm, "httap-sim-42.bin"));
    expect(defaultSimPath({ XDG_RUNTIME_DIR: "" }, 42, shm)).toBe(join(shm, "httap-sim-42.bin")); // empty is unset
    expect(defaultSimPath({ XDG_RUNTIME_DIR: dir }, 42, shm)).toBe(join(dir, "httap-sim-42.bin"));
    expect(defaultSimPath({}, 42, join(dir, "no-such-dir"))).toBe(join(tmpdir(), "httap-sim-42.bin"));
  });

  test("default files of processes that are gone are removed; a running one's and other files stay", () => {
    const shm = join(dir, "abandoned");
    mkdirSync(shm, { recursive: true });
    for (const name of ["httap-sim-11.bin", "httap-sim-22.bin", "httap-sim-x.bin", "notes.bin"]) writeFileSync(join(shm, name), "");
    expect(removeAbandonedSimFiles(shm, (pid) => pid === 22)).toBe(1);
    expect(readdirSync(shm).sort()).toEqual(["httap-sim-22.bin", "httap-sim-x.bin", "notes.bin"]);
    expect(removeAbandonedSimFiles(join(dir, "no-such-dir"))).toBe(0);
  });

  test("bcm without /dev/gpiomem: no backend and one sentence naming the device and the fix", () => {
    if (existsSync("/dev/gpiomem")) return; // on a Pi this machine has the device
    const g = openGpio({ choice: "bcm", simFile: null, env: {}, compatible: "" });
    expect(g.backend).toBeNull();
    expect(g.unavailable).toMatch(/^\/dev\/gpiomem does not exist: .*HTTAP_GPIO=bcm.*pages are still served, hardware answers 503$/);
  });

  test("none: no backend, on purpose", () => {
    const g = openGpio({ choice: "none", simFile: null, env: {}, compatible: "" });
    expect(g.backend).toBeNull();
    expect(g.unavailable).toMatch(/disabled/);
  });
});
