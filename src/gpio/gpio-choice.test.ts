import { describe, expect, test } from "bun:test";
import { DEV_MEM, GPIOMEM, GPIOMEM_RP1, planGpio, type MachineFacts, type SocFamily } from "./gpio-choice.ts";
import { GPIO_BLOCK_OFFSET, peripheralBaseFromRanges } from "./peripheral-base.ts";

/** `soc/ranges` as a kernel exposes it: big-endian 32-bit cells. */
function ranges(...cells: number[]): Uint8Array {
  const bytes = new Uint8Array(cells.length * 4);
  const view = new DataView(bytes.buffer);
  cells.forEach((c, i) => view.setUint32(i * 4, c));
  return bytes;
}

function machine(soc: SocFamily, files: string[], address: number | string = 0x3f200000): MachineFacts {
  return { soc, exists: (p) => files.includes(p), gpioBlockAddress: () => address };
}

describe("the peripheral base from the device tree", () => {
  test("one-cell parent addresses (BCM2835-7) and two-cell ones (BCM2711)", () => {
    // Debian's bcm2837-rpi-3-b.dtb: <0x7e000000 0x3f000000 0x1000000>, <0x40000000 0x40000000 0x1000>
    expect(peripheralBaseFromRanges(ranges(0x7e000000, 0x3f000000, 0x1000000, 0x40000000, 0x40000000, 0x1000))).toBe(0x3f000000);
    expect(peripheralBaseFromRanges(ranges(0x7e000000, 0x20000000, 0x2000000))).toBe(0x20000000); // Pi 1, Zero
    // bcm2711: <0x7e000000 0x0 0xfe000000 0x1800000>
    expect(peripheralBaseFromRanges(ranges(0x7e000000, 0x0, 0xfe000000, 0x1800000))).toBe(0xfe000000);
    expect(GPIO_BLOCK_OFFSET).toBe(0x200000);
  });

  test("too short or no base: null", () => {
    expect(peripheralBaseFromRanges(new Uint8Array(8))).toBeNull();
    expect(peripheralBaseFromRanges(ranges(0x7e000000, 0, 0))).toBeNull();
  });
});

describe("which GPIO access a Pi gets", () => {
  test("auto: Raspberry Pi OS's /dev/gpiomem when the kernel has it, else the character device, saying why", () => {
    expect(planGpio("auto", machine("bcm2835", [GPIOMEM]))).toMatchObject({
      kind: "bcm",
      soc: "bcm2835",
      source: { path: GPIOMEM, offset: 0 },
    });
    expect(planGpio("auto", machine("bcm2711", [GPIOMEM]))).toMatchObject({ kind: "bcm", soc: "bcm2711" });
    const mainline = planGpio("auto", machine("bcm2835", [DEV_MEM]));
    expect(mainline.kind).toBe("chardev");
    expect(mainline.why).toContain(`without ${GPIOMEM}`);
  });

  test("auto on a Pi 5: /dev/gpiomem0 (RP1) when present, else the character device", () => {
    expect(planGpio("auto", machine("bcm2712", [GPIOMEM_RP1]))).toMatchObject({ kind: "rp1", source: { path: GPIOMEM_RP1, offset: 0 } });
    expect(planGpio("auto", machine("bcm2712", []))).toMatchObject({ kind: "chardev" });
  });

  test("bcm without /dev/gpiomem: /dev/mem at the GPIO block's address from the device tree", () => {
    const plan = planGpio("bcm", machine("bcm2835", [DEV_MEM], 0x3f200000));
    expect(plan).toMatchObject({ kind: "bcm", source: { path: DEV_MEM, offset: 0x3f200000 } });
    expect(plan.why).toContain("0x3f200000");
  });

  test("bcm with neither: one sentence naming both and the fix", () => {
    const plan = planGpio("bcm", machine("bcm2835", [], "cannot read /proc/device-tree/soc/ranges (ENOENT)"));
    expect(plan.kind).toBe("unavailable");
    expect(plan.why).toMatch(/^\/dev\/gpiomem does not exist: .*\/dev\/mem cannot stand in.*ENOENT.*HTTAP_GPIO=bcm.*chardev$/);
  });

  test("named choices are taken as named", () => {
    expect(planGpio("chardev", machine("bcm2835", [GPIOMEM])).kind).toBe("chardev");
    expect(planGpio("rp1", machine("bcm2835", [])).kind).toBe("rp1");
  });
});
