import { describe, expect, test } from "bun:test";
import {
  CHIPINFO_BYTES,
  encodeLineConfig,
  encodeLineRequest,
  encodeLineValues,
  GPIO_GET_CHIPINFO_IOCTL,
  GPIO_V2_GET_LINE_IOCTL,
  GPIO_V2_GET_LINEINFO_IOCTL,
  GPIO_V2_LINE_GET_VALUES_IOCTL,
  GPIO_V2_LINE_SET_CONFIG_IOCTL,
  GPIO_V2_LINE_SET_VALUES_IOCTL,
  ioctlFromHeader,
  LINE_CONFIG_BYTES,
  LINE_FLAG,
  LINE_INFO_BYTES,
  LINE_REQUEST_BYTES,
  LINE_VALUES_BYTES,
} from "./chardev-uapi.ts";

// Sizes computed from include/uapi/linux/gpio.h: GPIO_V2_LINES_MAX 64, GPIO_MAX_NAME_SIZE 32, 10 attributes.
const ATTRIBUTE = 4 + 4 + 8; // id, padding, union of u64
const CONFIG_ATTRIBUTE = ATTRIBUTE + 8; // + mask
const CONFIG = 8 + 4 + 5 * 4 + 10 * CONFIG_ATTRIBUTE; // flags, num_attrs, padding[5], attrs[10]
const REQUEST = 64 * 4 + 32 + CONFIG + 4 + 4 + 5 * 4 + 4; // offsets, consumer, config, num_lines, event_buffer_size, padding[5], fd

describe("GPIO character device uAPI v2", () => {
  test("struct sizes match the header", () => {
    expect([CONFIG, REQUEST]).toEqual([272, 592]);
    expect([LINE_CONFIG_BYTES, LINE_REQUEST_BYTES, LINE_VALUES_BYTES, CHIPINFO_BYTES, LINE_INFO_BYTES]).toEqual([272, 592, 16, 68, 256]);
  });

  test("ioctl numbers are _IOWR/_IOR(0xB4, nr, struct) of those sizes", () => {
    expect(GPIO_GET_CHIPINFO_IOCTL).toBe(ioctlFromHeader.chipInfo);
    expect(GPIO_V2_GET_LINEINFO_IOCTL).toBe(ioctlFromHeader.lineInfo);
    expect(GPIO_V2_GET_LINE_IOCTL).toBe(ioctlFromHeader.getLine);
    expect(GPIO_V2_LINE_SET_CONFIG_IOCTL).toBe(ioctlFromHeader.setConfig);
    expect(GPIO_V2_LINE_GET_VALUES_IOCTL).toBe(ioctlFromHeader.getValues);
    expect(GPIO_V2_LINE_SET_VALUES_IOCTL).toBe(ioctlFromHeader.setValues);
    // and the values a C compiler prints for the kernel's macros (x86-64 and arm64 alike)
    expect([
      GPIO_V2_GET_LINE_IOCTL,
      GPIO_V2_LINE_SET_VALUES_IOCTL,
      GPIO_V2_LINE_GET_VALUES_IOCTL,
      GPIO_V2_LINE_SET_CONFIG_IOCTL,
      GPIO_GET_CHIPINFO_IOCTL,
    ]).toEqual([0xc250b407, 0xc010b40f, 0xc010b40e, 0xc110b40d, 0x8044b401]);
  });

  test("a one-line output request, byte for byte", () => {
    const r = encodeLineRequest(17, "httap", LINE_FLAG.OUTPUT | LINE_FLAG.BIAS_DISABLED, 1);
    const expected = new Uint8Array(592);
    const v = new DataView(expected.buffer);
    v.setUint32(0, 17, true); // offsets[0]
    expected.set(Buffer.from("httap"), 256); // consumer
    v.setBigUint64(288, (1n << 3n) | (1n << 10n), true); // config.flags: OUTPUT | BIAS_DISABLED
    v.setUint32(288 + 8, 1, true); // config.num_attrs
    v.setUint32(288 + 32, 2, true); // attrs[0].attr.id = OUTPUT_VALUES
    v.setBigUint64(288 + 32 + 8, 1n, true); // attrs[0].attr.values
    v.setBigUint64(288 + 32 + 16, 1n, true); // attrs[0].mask
    v.setUint32(560, 1, true); // num_lines
    expect(r).toEqual(expected);
  });

  test("an input config carries no output attribute; values are bits then mask", () => {
    const c = encodeLineConfig(LINE_FLAG.INPUT | LINE_FLAG.BIAS_PULL_UP, null);
    const v = new DataView(c.buffer);
    expect(v.getBigUint64(0, true)).toBe((1n << 2n) | (1n << 8n));
    expect(c.subarray(8).every((b) => b === 0)).toBe(true);
    expect(encodeLineValues(1n, 1n)).toEqual(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]));
  });
});
