/**
 * @module The Linux GPIO character device, uAPI v2, as bytes (issue 7). Structs and ioctl numbers from the kernel's
 * `include/uapi/linux/gpio.h` (v5.10+); sizes and offsets are those the header gives on both 64-bit targets (all
 * members are naturally aligned `__u32`/`__aligned_u64`, so x86-64 and arm64 agree), and the unit test recomputes
 * every ioctl number from `_IOWR`/`_IOR` and these sizes:
 *
 *   gpiochip_info                  68 B: name[32] @0, label[32] @32, lines u32 @64
 *   gpio_v2_line_attribute         16 B: id u32 @0, padding u32 @4, flags | values | debounce_period_us @8
 *   gpio_v2_line_config_attribute  24 B: attr @0, mask u64 @16
 *   gpio_v2_line_config           272 B: flags u64 @0, num_attrs u32 @8, padding u32[5] @12, attrs[10] @32
 *   gpio_v2_line_request          592 B: offsets u32[64] @0, consumer[32] @256, config @288, num_lines u32 @560,
 *                                        event_buffer_size u32 @564, padding u32[5] @568, fd s32 @588
 *   gpio_v2_line_values            16 B: bits u64 @0, mask u64 @8
 *   gpio_v2_line_info             256 B: name[32] @0, consumer[32] @32, offset u32 @64, num_attrs u32 @68,
 *                                        flags u64 @72, attrs[10] @80, padding u32[4] @240
 */

export const GPIO_MAX_NAME_SIZE = 32;
export const GPIO_V2_LINES_MAX = 64;
export const GPIO_V2_LINE_NUM_ATTRS_MAX = 10;

export const CHIPINFO_BYTES = 68;
export const LINE_ATTRIBUTE_BYTES = 16;
export const LINE_CONFIG_ATTRIBUTE_BYTES = 24;
export const LINE_CONFIG_BYTES = 272;
export const LINE_REQUEST_BYTES = 592;
export const LINE_VALUES_BYTES = 16;
export const LINE_INFO_BYTES = 256;

const REQUEST_CONSUMER = 256;
const REQUEST_CONFIG = 288;
const REQUEST_NUM_LINES = 560;
const REQUEST_FD = 588;
const CONFIG_NUM_ATTRS = 8;
const CONFIG_ATTRS = 32;
const INFO_FLAGS = 72;

/** `_IOC(dir, type, nr, size)` of `<asm-generic/ioctl.h>`: dir in bits 31:30, size 29:16, type 15:8, nr 7:0. */
export function ioc(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}
const IOC_WRITE = 1;
const IOC_READ = 2;
const GPIO_IOCTL_TYPE = 0xb4;

export const GPIO_GET_CHIPINFO_IOCTL = 0x8044b401; // _IOR(0xB4, 0x01, struct gpiochip_info)
export const GPIO_V2_GET_LINEINFO_IOCTL = 0xc100b405; // _IOWR(0xB4, 0x05, struct gpio_v2_line_info)
export const GPIO_V2_GET_LINE_IOCTL = 0xc250b407; // _IOWR(0xB4, 0x07, struct gpio_v2_line_request)
export const GPIO_V2_LINE_SET_CONFIG_IOCTL = 0xc110b40d; // _IOWR(0xB4, 0x0D, struct gpio_v2_line_config)
export const GPIO_V2_LINE_GET_VALUES_IOCTL = 0xc010b40e; // _IOWR(0xB4, 0x0E, struct gpio_v2_line_values)
export const GPIO_V2_LINE_SET_VALUES_IOCTL = 0xc010b40f; // _IOWR(0xB4, 0x0F, struct gpio_v2_line_values)

/** The same numbers from the macro, for the test that checks the constants. */
export const ioctlFromHeader = {
  chipInfo: ioc(IOC_READ, GPIO_IOCTL_TYPE, 0x01, CHIPINFO_BYTES),
  lineInfo: ioc(IOC_READ | IOC_WRITE, GPIO_IOCTL_TYPE, 0x05, LINE_INFO_BYTES),
  getLine: ioc(IOC_READ | IOC_WRITE, GPIO_IOCTL_TYPE, 0x07, LINE_REQUEST_BYTES),
  setConfig: ioc(IOC_READ | IOC_WRITE, GPIO_IOCTL_TYPE, 0x0d, LINE_CONFIG_BYTES),
  getValues: ioc(IOC_READ | IOC_WRITE, GPIO_IOCTL_TYPE, 0x0e, LINE_VALUES_BYTES),
  setValues: ioc(IOC_READ | IOC_WRITE, GPIO_IOCTL_TYPE, 0x0f, LINE_VALUES_BYTES),
};

/** enum gpio_v2_line_flag */
export const LINE_FLAG = {
  USED: 1n << 0n,
  ACTIVE_LOW: 1n << 1n,
  INPUT: 1n << 2n,
  OUTPUT: 1n << 3n,
  BIAS_PULL_UP: 1n << 8n,
  BIAS_PULL_DOWN: 1n << 9n,
  BIAS_DISABLED: 1n << 10n,
} as const;
/** enum gpio_v2_line_attr_id */
export const ATTR_ID_OUTPUT_VALUES = 2;

/** A gpio_v2_line_config for one line: `flags`, and for an output its initial value as an attribute. */
export function encodeLineConfig(flags: bigint, outputValue: 0 | 1 | null, into = new Uint8Array(LINE_CONFIG_BYTES), at = 0): Uint8Array {
  const v = new DataView(into.buffer, into.byteOffset + at, LINE_CONFIG_BYTES);
  v.setBigUint64(0, flags, true);
  if (outputValue !== null) {
    v.setUint32(CONFIG_NUM_ATTRS, 1, true);
    const a = CONFIG_ATTRS;
    v.setUint32(a, ATTR_ID_OUTPUT_VALUES, true);
    v.setBigUint64(a + 8, BigInt(outputValue), true); // values: bit i = line i of the request
    v.setBigUint64(a + 16, 1n, true); // mask: the request's line 0
  }
  return into;
}

/** A gpio_v2_line_request for one line `offset` with the config above. */
export function encodeLineRequest(offset: number, consumer: string, flags: bigint, outputValue: 0 | 1 | null): Uint8Array {
  const out = new Uint8Array(LINE_REQUEST_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, offset, true);
  out.set(Buffer.from(consumer.slice(0, GPIO_MAX_NAME_SIZE - 1), "latin1"), REQUEST_CONSUMER);
  encodeLineConfig(flags, outputValue, out, REQUEST_CONFIG);
  v.setUint32(REQUEST_NUM_LINES, 1, true);
  return out;
}

/** The line fd the kernel wrote into a request. */
export function requestFd(request: Uint8Array): number {
  return new DataView(request.buffer, request.byteOffset).getInt32(REQUEST_FD, true);
}

export function encodeLineValues(bits: bigint, mask: bigint): Uint8Array {
  const out = new Uint8Array(LINE_VALUES_BYTES);
  const v = new DataView(out.buffer);
  v.setBigUint64(0, bits, true);
  v.setBigUint64(8, mask, true);
  return out;
}

export function lineValuesBits(values: Uint8Array): bigint {
  return new DataView(values.buffer, values.byteOffset).getBigUint64(0, true);
}

/** The NUL-terminated text of a char[] field. */
function text(bytes: Uint8Array, at: number, size: number): string {
  const field = bytes.subarray(at, at + size);
  const end = field.indexOf(0);
  return Buffer.from(field.subarray(0, end < 0 ? size : end)).toString("latin1");
}

export function decodeChipInfo(info: Uint8Array): { name: string; label: string; lines: number } {
  return { name: text(info, 0, 32), label: text(info, 32, 32), lines: new DataView(info.buffer, info.byteOffset).getUint32(64, true) };
}

/** A gpio_v2_line_info asking about line `offset` (the kernel fills the rest). */
export function encodeLineInfoQuery(offset: number): Uint8Array {
  const out = new Uint8Array(LINE_INFO_BYTES);
  new DataView(out.buffer).setUint32(64, offset, true);
  return out;
}

export function decodeLineInfo(info: Uint8Array): { consumer: string; flags: bigint } {
  return { consumer: text(info, 32, 32), flags: new DataView(info.buffer, info.byteOffset).getBigUint64(INFO_FLAGS, true) };
}
