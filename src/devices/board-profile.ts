/**
 * @module Board profiles (issue 7): which header pin plays which role. JSON, with two built in; `HTTAP_BOARD`
 * names one of them or a file. A profile is checked completely at start and refused with one sentence naming the
 * problem (main exits 2): not JSON, an unknown key, a pin outside 0-27, a pin used twice, a role missing.
 *
 * The built-in pins leave the buses free: I2C1 (GPIO 2, 3), the HAT EEPROM's I2C0 (0, 1), SPI0 (7-11), SPI1
 * (16-21) and UART0 (14, 15). The speaker sits on GPIO 12, which every Pi can drive with hardware PWM
 * (PWM0 channel 0: ALT0 on the BCM2711 and on the Pi 5's RP1, `dtoverlay=pwm,pin=12,func=4` on a Pi 4).
 *
 *   { "name": "rc-car", "speaker": 12, "speakerPwm": { "chip": 0, "channel": 0 },
 *     "motors": { "left": { "in1": 5, "in2": 6 }, "right": { "in1": 23, "in2": 24, "enable": 13 } },
 *     "leds": { "status": 26 }, "buttons": {} }
 */
import { nodeFs } from "../os/node-builtins.ts";
import { HEADER_PINS } from "../gpio/gpio-backend.ts";

export interface MotorPins {
  /** IN1 high, IN2 low: forward. */
  readonly in1: number;
  readonly in2: number;
  /** Enable input of the H-bridge: carries the PWM when present (IN1/IN2 then only set the direction). */
  readonly enable: number | null;
}

export interface BoardProfile {
  readonly name: string;
  readonly speaker: number;
  /** The sysfs PWM channel wired to the speaker pin, when the board has one (else the engine makes the tone). */
  readonly speakerPwm: { readonly chip: number; readonly channel: number } | null;
  readonly motors: { readonly left: MotorPins; readonly right: MotorPins } | null;
  /** Name → pin; "status" is always there. Active high. */
  readonly leds: Readonly<Record<string, number>>;
  /** Name → pin; inputs with pull-ups, pressed = low (a button to ground). */
  readonly buttons: Readonly<Record<string, number>>;
}

export const BUILT_IN_PROFILES: Readonly<Record<string, unknown>> = {
  "rc-car": {
    name: "rc-car",
    speaker: 12,
    speakerPwm: { chip: 0, channel: 0 },
    motors: { left: { in1: 5, in2: 6 }, right: { in1: 23, in2: 24 } },
    leds: { status: 26 },
    buttons: {},
  },
  simon: {
    name: "simon",
    speaker: 12,
    speakerPwm: { chip: 0, channel: 0 },
    leds: { status: 26, red: 22, green: 25, blue: 27, yellow: 24 },
    buttons: { red: 4, green: 5, blue: 6, yellow: 13 },
  },
};

export class ProfileError extends Error {}

const TOP_KEYS = ["name", "speaker", "speakerPwm", "motors", "leds", "buttons"];
const NAME = /^[a-z][a-z0-9_]{0,15}$/;
const PROFILE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/** A built-in name or a path to a JSON file. */
export function loadProfile(nameOrPath: string): BoardProfile {
  if (Object.hasOwn(BUILT_IN_PROFILES, nameOrPath)) return parseProfile(BUILT_IN_PROFILES[nameOrPath], `built-in profile ${nameOrPath}`);
  if (!nameOrPath.includes("/") && !nameOrPath.endsWith(".json")) {
    throw new ProfileError(
      `HTTAP_BOARD: "${nameOrPath}" is neither a built-in profile (${Object.keys(BUILT_IN_PROFILES).join(", ")}) nor a .json file path`,
    );
  }
  let text: string;
  try {
    text = nodeFs().readFileSync(nameOrPath, "utf8");
  } catch (error) {
    throw new ProfileError(`HTTAP_BOARD: cannot read ${nameOrPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(`board profile ${nameOrPath} is not JSON: ${(error as Error).message}`);
  }
  return parseProfile(json, `board profile ${nameOrPath}`);
}

/** Checks everything; the first problem is the error. */
export function parseProfile(json: unknown, where: string): BoardProfile {
  const fail = (why: string): never => {
    throw new ProfileError(`${where}: ${why}`);
  };
  const object = (v: unknown, at: string): Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${at} must be an object`);
  const onlyKeys = (o: Record<string, unknown>, keys: readonly string[], at: string) => {
    for (const k of Object.keys(o)) if (!keys.includes(k)) fail(`unknown key "${at}${k}" (known: ${keys.join(", ")})`);
  };
  const used = new Map<number, string>();
  const pin = (v: unknown, role: string): number => {
    if (v === undefined) fail(`the role ${role} is missing`);
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v >= HEADER_PINS)
      fail(`${role} must be a header GPIO 0-${HEADER_PINS - 1}, got ${JSON.stringify(v)}`);
    const n = v as number;
    const other = used.get(n);
    if (other !== undefined) fail(`GPIO ${n} is used twice (${other} and ${role})`);
    used.set(n, role);
    return n;
  };
  const named = (v: unknown, at: string): Record<string, number> => {
    const o = object(v ?? {}, at);
    const out: Record<string, number> = {};
    for (const [k, p] of Object.entries(o)) {
      if (!NAME.test(k)) fail(`${at} name "${k}" must be a lowercase word (letters, digits, _; at most 16)`);
      out[k] = pin(p, `${at}.${k}`);
    }
    return out;
  };

  const top = object(json, "the profile");
  onlyKeys(top, TOP_KEYS, "");
  if (typeof top.name !== "string" || !PROFILE_NAME.test(top.name))
    fail(`name must be lowercase letters, digits, "-" or "_", got ${JSON.stringify(top.name)}`);
  const speaker = pin(top.speaker, "speaker");
  let speakerPwm: BoardProfile["speakerPwm"] = null;
  if (top.speakerPwm !== undefined && top.speakerPwm !== null) {
    const p = object(top.speakerPwm, "speakerPwm");
    onlyKeys(p, ["chip", "channel"], "speakerPwm.");
    const small = (v: unknown, at: string) =>
      typeof v === "number" && Number.isInteger(v) && v >= 0 && v < 64 ? v : fail(`${at} must be a whole number 0-63`);
    speakerPwm = { chip: small(p.chip, "speakerPwm.chip"), channel: small(p.channel, "speakerPwm.channel") };
  }
  let motors: BoardProfile["motors"] = null;
  if (top.motors !== undefined) {
    const m = object(top.motors, "motors");
    onlyKeys(m, ["left", "right"], "motors.");
    const motor = (v: unknown, side: string): MotorPins => {
      if (v === undefined) fail(`the role motors.${side} is missing`);
      const o = object(v, `motors.${side}`);
      onlyKeys(o, ["in1", "in2", "enable"], `motors.${side}.`);
      return {
        in1: pin(o.in1, `motors.${side}.in1`),
        in2: pin(o.in2, `motors.${side}.in2`),
        enable: o.enable === undefined || o.enable === null ? null : pin(o.enable, `motors.${side}.enable`),
      };
    };
    motors = { left: motor(m.left, "left"), right: motor(m.right, "right") };
  }
  const leds = named(top.leds, "leds");
  if (leds.status === undefined) fail("the role leds.status is missing");
  const buttons = named(top.buttons, "buttons");
  return Object.freeze({
    name: top.name as string,
    speaker,
    speakerPwm,
    motors,
    leds: Object.freeze(leds),
    buttons: Object.freeze(buttons),
  });
}

/** Every output pin of the profile with its safe level (all low: motors coast, speaker silent, LEDs off). */
export function outputPins(p: BoardProfile): number[] {
  const out = [p.speaker, ...Object.values(p.leds)];
  if (p.motors !== null) for (const m of [p.motors.left, p.motors.right]) out.push(m.in1, m.in2, ...(m.enable === null ? [] : [m.enable]));
  return out;
}

/** Which role owns each pin (for `/?gpio`). */
export function pinRoles(p: BoardProfile): Map<number, string> {
  const roles = new Map<number, string>([[p.speaker, "speaker"]]);
  for (const [n, pin] of Object.entries(p.leds)) roles.set(pin, `leds.${n}`);
  for (const [n, pin] of Object.entries(p.buttons)) roles.set(pin, `buttons.${n}`);
  if (p.motors !== null) {
    for (const side of ["left", "right"] as const) {
      const m = p.motors[side];
      roles.set(m.in1, `motors.${side}.in1`);
      roles.set(m.in2, `motors.${side}.in2`);
      if (m.enable !== null) roles.set(m.enable, `motors.${side}.enable`);
    }
  }
  return roles;
}
