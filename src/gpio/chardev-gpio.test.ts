import { describe, expect, test } from "bun:test";
import { openHeaderChip, type ChardevSystem } from "./chardev-gpio.ts";
import { GPIO_V2_GET_LINE_IOCTL, GPIO_V2_LINE_SET_CONFIG_IOCTL, GPIO_V2_LINE_SET_VALUES_IOCTL, LINE_FLAG } from "./chardev-uapi.ts";
import { FakeKernel } from "./fakes.test-support.ts";

describe("chardev backend", () => {
  test("finds the header chip by its label, never by number", () => {
    const kernels = [new FakeKernel("pinctrl-rp1")];
    expect(openHeaderChip(kernels[0]).description).toContain("pinctrl-rp1");
    const other = new FakeKernel("gpio-brcmstb@107d508500");
    expect(() => openHeaderChip(other)).toThrow(/no GPIO chip labelled pinctrl-bcm2835 or pinctrl-bcm2711 or pinctrl-rp1 \(found: \/dev\/gpiochip0 "gpio-brcmstb@107d508500"\)/);
    expect(other.openFds).toBe(0);
    const none: ChardevSystem = { chips: () => [], open: () => 0, ioctl: () => {}, close: () => {} };
    expect(() => openHeaderChip(none)).toThrow(/no \/dev\/gpiochip\*/);
  });

  test("a pin is requested once (GET_LINE on the chip), then reconfigured (SET_CONFIG) and set (SET_VALUES) on its line fd", () => {
    const k = new FakeKernel();
    const g = openHeaderChip(k);
    g.setMode(17, "out");
    g.write(17, 1);
    g.setPull(17, "up");
    g.close();
    const requests = k.calls.map(([, r]) => r);
    expect(requests.filter((r) => r === GPIO_V2_GET_LINE_IOCTL).length).toBe(1);
    expect(requests.filter((r) => r === GPIO_V2_LINE_SET_VALUES_IOCTL).length).toBe(1);
    expect(requests.filter((r) => r === GPIO_V2_LINE_SET_CONFIG_IOCTL).length).toBe(1);
    const request = new DataView(k.requests[0].buffer);
    expect(request.getUint32(0, true)).toBe(17);
    expect(request.getBigUint64(288, true)).toBe(LINE_FLAG.OUTPUT | LINE_FLAG.BIAS_DISABLED);
    expect(Buffer.from(k.requests[0].subarray(256, 261)).toString()).toBe("httap");
    expect(k.openFds).toBe(0); // every line fd and the chip closed
  });

  test("a line the kernel uses (I2C, SPI) reads as alt and refuses a request with the error", () => {
    const k = new FakeKernel("pinctrl-bcm2711", [2, 3]);
    const g = openHeaderChip(k);
    expect(g.functionOf(2)).toBe("alt");
    expect(g.functionOf(4)).toBe("in");
    expect(() => g.setMode(2, "out")).toThrow(/EBUSY/);
    expect(g.read(4)).toBe(0); // read "as is" without keeping the line
    g.close();
    expect(k.openFds).toBe(0);
  });
});
