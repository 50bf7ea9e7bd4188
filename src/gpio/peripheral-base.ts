/**
 * @module Where a BCM283x/BCM2711's peripherals sit in physical memory, read from the device tree the firmware or the
 * kernel was booted with, as Raspberry Pi's own tools do (raspberrypi/utils `pinctrl`, pigpio, bcm_host): the `soc`
 * node's `ranges` maps the peripherals' bus address 0x7E000000 to a CPU physical address. Each entry is
 * <child-address parent-address… size> in big-endian 32-bit cells; the parent address is one cell on a BCM2835-7
 * (0x20000000 on a Pi 1/Zero, 0x3F000000 on a Pi 2/3/Zero 2) and two on a BCM2711 (0x0 0xFE000000), so a zero second
 * cell means "read the third".
 */
import { nodeFs } from "../os/node-builtins.ts";

export const SOC_RANGES_PATH = "/proc/device-tree/soc/ranges";
/** The GPIO block's offset from the peripheral base (BCM2835 ARM Peripherals §6.1: bus address 0x7E200000). */
export const GPIO_BLOCK_OFFSET = 0x200000;

/** The peripheral base from the bytes of `soc/ranges`, or null when they do not hold one. */
export function peripheralBaseFromRanges(ranges: Uint8Array): number | null {
  if (ranges.length < 12) return null;
  const cells = new DataView(ranges.buffer, ranges.byteOffset, ranges.byteLength);
  const base = cells.getUint32(4) !== 0 ? cells.getUint32(4) : cells.getUint32(8);
  return base !== 0 && base % 0x1000 === 0 ? base : null;
}

/** The GPIO block's physical address on this machine, or the sentence saying why it is not known. */
export function gpioBlockAddress(path = SOC_RANGES_PATH): number | string {
  let bytes: Uint8Array;
  try {
    bytes = nodeFs().readFileSync(path);
  } catch (error) {
    return `cannot read ${path} (${(error as Error).message})`;
  }
  const base = peripheralBaseFromRanges(bytes);
  return base === null ? `${path} holds no peripheral base` : base + GPIO_BLOCK_OFFSET;
}
