import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILT_IN_PROFILES, loadProfile, outputPins, parseProfile, pinRoles } from "./board-profile.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-profile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const BUSES = [0, 1, 2, 3, 7, 8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21];
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const car = BUILT_IN_PROFILES["rc-car"] as Record<string, unknown>;

describe("board profiles", () => {
  test("the built-ins load and leave I2C, SPI and UART pins free", () => {
    for (const name of Object.keys(BUILT_IN_PROFILES)) {
      const p = loadProfile(name);
      for (const pin of pinRoles(p).keys()) expect(BUSES).not.toContain(pin);
    }
    const c = loadProfile("rc-car");
    expect(c.motors?.left).toEqual({ in1: 5, in2: 6, enable: null });
    expect(outputPins(c).sort((a, b) => a - b)).toEqual([5, 6, 12, 23, 24, 26]);
    expect(Object.keys(loadProfile("simon").buttons)).toEqual(["red", "green", "blue", "yellow"]);
  });

  test("a file is read and checked the same way", () => {
    const p = loadProfile(file("mine.json", JSON.stringify({ ...car, name: "mine", leds: { status: 26, head: 27 } })));
    expect(p.leds).toEqual({ status: 26, head: 27 });
  });

  const refusals: [string, unknown, RegExp][] = [
    ["unknown key", { ...car, wheels: 4 }, /unknown key "wheels"/],
    [
      "unknown nested key",
      { ...car, motors: { left: { in1: 5, in2: 6, pwm: 1 }, right: { in1: 23, in2: 24 } } },
      /unknown key "motors\.left\.pwm"/,
    ],
    ["pin outside 0-27", { ...car, speaker: 28 }, /speaker must be a header GPIO 0-27, got 28/],
    ["not a number", { ...car, speaker: "12" }, /speaker must be a header GPIO 0-27, got "12"/],
    ["pin used twice", { ...car, leds: { status: 5 } }, /GPIO 5 is used twice \(motors\.left\.in1 and leds\.status\)/],
    ["speaker missing", { ...car, speaker: undefined }, /the role speaker is missing/],
    ["status LED missing", { ...car, leds: {} }, /the role leds\.status is missing/],
    ["motor missing", { ...car, motors: { left: { in1: 5, in2: 6 } } }, /the role motors\.right is missing/],
    ["motor input missing", { ...car, motors: { left: { in1: 5 }, right: { in1: 23, in2: 24 } } }, /the role motors\.left\.in2 is missing/],
    ["not an object", [], /the profile must be an object/],
  ];
  for (const [what, json, message] of refusals) test(`refused: ${what}`, () => expect(() => parseProfile(json, "test")).toThrow(message));

  test("not JSON, a missing file and an unknown name are one sentence each", () => {
    expect(() => loadProfile(file("bad.json", "{ speaker: 12 "))).toThrow(/bad\.json is not JSON: /);
    expect(() => loadProfile(join(dir, "none.json"))).toThrow(/cannot read .*none\.json: ENOENT/);
    expect(() => loadProfile("tank")).toThrow(/"tank" is neither a built-in profile \(rc-car, simon\) nor a \.json file path/);
  });
});
