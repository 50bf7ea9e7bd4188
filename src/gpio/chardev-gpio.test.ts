import { describe, expect, test } from "bun:test";
import { AdoptedChardevGpio } from "./chardev-adopted.ts";
import { openHeaderChip, type ChardevSystem } from "./chardev-gpio.ts";
import {
  GPIO_V2_GET_LINE_IOCTL,
  GPIO_V2_GET_LINEINFO_IOCTL,
  GPIO_V2_LINE_GET_VALUES_IOCTL,
  GPIO_V2_LINE_SET_CONFIG_IOCTL,
  GPIO_V2_LINE_SET_VALUES_IOCTL,
  LINE_FLAG,
} from "./chardev-uapi.ts";
import { FakeKernel } from "./fakes.test-support.ts";

describe("chardev backend", () => {
  test("finds the header chip by its label, never by number", () => {
    const kernels = [new FakeKernel("pinctrl-rp1")];
    expect(openHeaderChip(kernels[0]).description).toContain("pinctrl-rp1");
    const other = new FakeKernel("gpio-brcmstb@107d508500");
    expect(() => openHeaderChip(other)).toThrow(
      /no GPIO chip labelled pinctrl-bcm2835 or pinctrl-bcm2711 or pinctrl-rp1 \(found: \/dev\/gpiochip0 "gpio-brcmstb@107d508500"\)/,
    );
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
    g.close();
    expect(k.openFds).toBe(0);
  });

  test("GET /?gpio took the UART's pins 14/15 out of ALT5: reading never requests a line, only GET_LINEINFO", () => {
    const k = new FakeKernel("pinctrl-bcm2835", [14, 15]);
    const g = openHeaderChip(k);
    const from = k.calls.length;
    for (let pin = 0; pin < 28; pin++) {
      expect(g.read(pin)).toBeNull(); // a level cannot be read without requesting the line: unknown, not invented
      g.functionOf(pin);
      g.pullOf(pin);
    }
    expect(g.functionOf(14)).toBe("alt");
    expect(new Set(k.calls.slice(from).map(([, r]) => r))).toEqual(new Set([GPIO_V2_GET_LINEINFO_IOCTL]));
    expect(k.count(GPIO_V2_GET_LINE_IOCTL)).toBe(0);
    g.close();
  });

  test("a pull set before the direction goes into the one request: OUTPUT | BIAS_PULL_DOWN, value 0", () => {
    const k = new FakeKernel();
    const g = openHeaderChip(k);
    g.write(5, 0);
    g.setPull(5, "down");
    expect(k.count(GPIO_V2_GET_LINE_IOCTL)).toBe(0); // a bias needs a direction: nothing requested yet
    expect(g.pullOf(5)).toBe("down");
    g.setMode(5, "out");
    expect(k.count(GPIO_V2_GET_LINE_IOCTL)).toBe(1);
    expect(k.count(GPIO_V2_LINE_SET_CONFIG_IOCTL)).toBe(0);
    expect(new DataView(k.requests[0].buffer).getBigUint64(288, true)).toBe(LINE_FLAG.OUTPUT | LINE_FLAG.BIAS_PULL_DOWN);
    expect(k.electrical(5)).toEqual({ direction: "out", pull: "down", level: 0 });
    g.close(); // released: the kernel makes it an input, and the pull-down keeps it low
    expect(k.electrical(5)).toEqual({ direction: "in", pull: "down", level: 0 });
  });

  test("a written or configured free pin is requested once and held until close", () => {
    const k = new FakeKernel();
    const g = openHeaderChip(k);
    g.setMode(16, "out");
    for (const level of [1, 0, 1] as const) g.write(16, level);
    g.setMode(16, "out"); // nothing changes: no ioctl
    expect(g.read(16)).toBe(1);
    expect(k.count(GPIO_V2_GET_LINE_IOCTL)).toBe(1);
    expect(k.count(GPIO_V2_LINE_SET_CONFIG_IOCTL)).toBe(0);
    expect(k.closed).toEqual([]);
    g.close();
    expect(k.openFds).toBe(0);
  });
});

describe("hand-over to the engine Worker", () => {
  /** The main thread's side as Hardware leaves it: motor pins low outputs with a pull-down, held. */
  function mainThread() {
    const k = new FakeKernel();
    const main = openHeaderChip(k);
    for (const pin of [5, 6]) {
      main.write(pin, 0);
      main.setPull(pin, "down");
      main.setMode(pin, "out");
    }
    return { k, main };
  }

  test("handOver keeps the request: nothing is closed, and it gives the fd with the line's configuration", () => {
    const { k, main } = mainThread();
    const lines = [5, 6].map((pin) => main.handOver(pin));
    expect(k.closed).toEqual([]);
    expect(lines.map((l) => l.pin)).toEqual([5, 6]);
    expect(lines[0]).toMatchObject({ mode: "out", pull: "down", level: 0 });
    expect(k.electrical(5)).toEqual({ direction: "out", pull: "down", level: 0 });
    expect(() => main.handOver(7)).toThrow(/GPIO 7 is not held/);
    main.close();
  });

  test("the Worker's backend adopts the fds: it never requests nor closes a line, and drives the main thread's own", () => {
    const { k, main } = mainThread();
    const lines = [5, 6].map((pin) => main.handOver(pin));
    const from = k.calls.length;
    const engine = new AdoptedChardevGpio(k, lines);
    for (const pin of [5, 6]) {
      engine.write(pin, 0);
      engine.setMode(pin, "out");
    } // what the engine does at start
    engine.write(5, 1);
    expect(main.read(5)).toBe(1); // one request, seen from both threads
    expect(() => engine.write(7, 1)).toThrow(/GPIO 7 was not handed to this thread/);
    engine.write(5, 0);
    engine.close();
    const issued = k.calls.slice(from);
    expect(issued.every(([fd]) => lines.some((l) => l.fd === fd))).toBe(true); // only the adopted fds, never the chip
    expect(new Set(issued.map(([, r]) => r))).toEqual(new Set([GPIO_V2_LINE_SET_VALUES_IOCTL, GPIO_V2_LINE_GET_VALUES_IOCTL]));
    expect(k.closed).toEqual([]);
    // after the engine: the main thread's safe state writes through its held request, no second request (no EBUSY)
    main.write(6, 0);
    expect(k.count(GPIO_V2_GET_LINE_IOCTL)).toBe(2);
    main.close();
    expect(k.openFds).toBe(0);
    expect(k.electrical(6)).toEqual({ direction: "in", pull: "down", level: 0 });
  });
});
