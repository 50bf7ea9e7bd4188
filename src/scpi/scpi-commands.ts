/**
 * @module The SCPI commands of this instrument (issue 10): the IEEE 488.2 common commands, SYSTem, and the device
 * subsystems over the same devices and resources as HTTaP. A command that touches the device needs the session:
 * it opens or renews it for the client's host like any HTTaP request, and fails with error 101 naming the owner
 * while another host has it. `*IDN?`, the status commands and SYSTem stay open to everyone.
 */
import { EngineUnavailable } from "../devices/engine-unavailable.ts";
import type { Hardware } from "../devices/hardware.ts";
import { HEADER_PINS } from "../gpio/gpio-backend.ts";
import type { HttapErrorCode } from "../httap/httap-error.ts";
import { invokeResource } from "../httap/resource-call.ts";
import type { ResourceRegistry } from "../httap/resource-registry.ts";
import type { SessionManager } from "../owner/session-manager.ts";
import type { Session } from "../owner/session.ts";
import { MAX_HZ, MAX_NOTE_MS, MIN_HZ } from "../devices/speaker.ts";
import { ScpiError, type ScpiErrorNumber } from "./scpi-errors.ts";
import type { ScpiInterpreter } from "./scpi-interpreter.ts";
import { boolean, expectParams, formatNumber, name, numeric, unquote, type NumericSpec } from "./scpi-params.ts";
import type { ScpiStatus } from "./scpi-status.ts";
import { compile, type CommandSpec, type Compiled } from "./scpi-tree.ts";

export interface CommandContext {
  readonly params: readonly string[];
  readonly host: string;
  readonly status: ScpiStatus;
  readonly interpreter: ScpiInterpreter;
}

export type Handler = (c: CommandContext) => string | null;

export interface ScpiDevice {
  readonly hardware: Hardware | null;
  /** Why there is no hardware (for -241). */
  readonly unavailable: string;
  readonly sessions: SessionManager;
  readonly resources: ResourceRegistry;
  readonly identity: { readonly id: string; readonly board: string; readonly version: string };
  readonly log: (line: string) => void;
  readonly now?: () => number;
}

export interface ScpiCommands {
  readonly common: ReadonlyMap<string, Handler>;
  readonly tree: readonly Compiled<Handler>[];
  /** Milliseconds until pending operations (a tone) are complete; 0 when none. */
  pendingMs(): number;
}

const FREQ: NumericSpec = { name: "frequency", min: MIN_HZ, max: MAX_HZ, def: 440, units: { HZ: 1, KHZ: 1e3, MHZ: 1e6 } };
const DURATION: NumericSpec = { name: "duration (ms)", min: 1, max: MAX_NOTE_MS, def: 200, units: { MS: 1, S: 1000, US: 0.001 }, whole: true };
const SPEED: NumericSpec = { name: "speed", min: -1, max: 1, def: 0 };
const PIN: NumericSpec = { name: "pin", min: 0, max: HEADER_PINS - 1, def: 0, whole: true };

/** HTTaP refusals as SCPI errors, for RESource. */
const FROM_HTTAP: Readonly<Record<HttapErrorCode, ScpiErrorNumber>> = {
  "not-found": -224, "bad-value": -224, "bad-address": -224, "out-of-range": -222, "bad-json": -104, "method-not-allowed": -224,
  "routine-failed": -200, "device-error": -240, "no-gpio": -241, "pin-owned": -221, "busy": 101, "bad-filename": -224,
  "forbidden-origin": -200, "invalid": -200, "engine-unavailable": -240,
};

export function scpiCommands(d: ScpiDevice): ScpiCommands {
  const now = d.now ?? (() => performance.now());

  /** The device, for this client: opens or renews its session, or error 101 naming the owner. */
  const claim = (c: CommandContext): Session => {
    const a = d.sessions.admit(c.host, now());
    if (a.kind === "busy") throw new ScpiError(101, `owned by ${a.owner} for ${a.remainS} s more; place ${a.place} in line`);
    c.interpreter.hasOwned = true;
    return a.session;
  };
  const hardware = (c: CommandContext): Hardware => {
    claim(c);
    if (d.hardware === null) throw new ScpiError(-241, d.unavailable);
    return d.hardware;
  };
  const motors = (c: CommandContext) => {
    const m = hardware(c).motors;
    if (m === null) throw new ScpiError(-241, "this board has no motors");
    return m;
  };
  const ledName = (h: Hardware, text: string | undefined) => {
    const n = name(text, "LED name");
    if (!Object.hasOwn(h.profile.leds, n)) throw new ScpiError(-224, `no LED "${n}" (${Object.keys(h.profile.leds).join(", ")})`);
    return n;
  };
  const freePin = (h: Hardware, pin: number) => {
    const role = h.roles.get(pin);
    if (role !== undefined) throw new ScpiError(-221, `GPIO ${pin} is the board's ${role}`);
    if (h.gpio.functionOf(pin) === "alt") throw new ScpiError(-221, `GPIO ${pin} is held by a peripheral`);
  };
  const resourceAddress = (text: string | undefined) => {
    if (text === undefined) throw new ScpiError(-109, 'a resource such as "REG/R1"');
    const address = unquote(text);
    const slash = address.indexOf("/");
    return slash < 0 ? { name: address, selector: null } : { name: address.slice(0, slash), selector: address.slice(slash + 1) };
  };
  const invoke = (c: CommandContext, method: "GET" | "POST", body: string): string => {
    const session = claim(c);
    const { name: resourceName, selector } = resourceAddress(c.params[0]);
    const r = invokeResource(d.resources, d.log, resourceName, selector, method, Buffer.from(body), session);
    if (r.kind === "refused") throw new ScpiError(FROM_HTTAP[r.code], r.message);
    return r.reply.body;
  };

  /** A command that takes no parameters: one given is -108. */
  const bare = (h: Handler): Handler => (c) => { expectParams(c.params, 0); return h(c); };

  const common = new Map<string, Handler>([
    ["*IDN?", bare(() => `httap,${d.identity.board},${d.identity.id},${d.identity.version}`)],
    ["*RST", bare((c) => {
      const h = hardware(c);
      h.motors?.stop("command");
      h.speaker.stop();
      for (const led of Object.keys(h.profile.leds)) if (led !== "status") h.setLed(led, false);
      return null;
    })],
    ["*CLS", bare((c) => { c.status.clear(); return null; })],
    ["*ESE", (c) => { expectParams(c.params, 1); c.status.ese = numeric(c.params[0], { name: "mask", min: 0, max: 255, def: 0, whole: true }); return null; }],
    ["*ESE?", bare((c) => String(c.status.ese))],
    ["*ESR?", bare((c) => String(c.status.takeEsr()))],
    ["*SRE", (c) => { expectParams(c.params, 1); c.status.sre = numeric(c.params[0], { name: "mask", min: 0, max: 255, def: 0, whole: true }); return null; }],
    ["*SRE?", bare((c) => String(c.status.sre))],
    ["*STB?", bare((c) => String(c.status.stb))],
    // Every command is complete when it returns (a tone is started, not awaited), so OPC is set at once;
    // *OPC? and *WAI wait for a tone where the transport can wait (raw TCP), see the interpreter.
    ["*OPC", bare((c) => { c.status.esr |= 1; return null; })],
    ["*OPC?", bare(() => "1")],
    ["*WAI", bare(() => null)],
    ["*TST?", bare(() => (d.hardware === null ? "1" : "0"))],
  ]);

  const specs: CommandSpec<Handler>[] = [
    { path: "SYSTem:ERRor[:NEXT]", query: bare((c) => c.status.next()) },
    { path: "SYSTem:ERRor:COUNt", query: bare((c) => String(c.status.count)) },
    { path: "SYSTem:VERSion", query: bare(() => "1999.0") },
    {
      path: "SOURce#:TONE[:IMMediate]",
      set: (c) => {
        expectParams(c.params, 2, 1);
        const h = hardware(c);
        const note: [number, number] = [numeric(c.params[0], FREQ), numeric(c.params[1] ?? "DEF", DURATION)];
        onEngine(() => h.speaker.play([note]));
        return null;
      },
      query: (c) => { const s = hardware(c).speaker.state(); return `${s.playing ? 1 : 0},${formatNumber(s.frequency)},${s.msLeft}`; },
    },
    { path: "SOURce#:TONE:STOP", set: (c) => { expectParams(c.params, 0); hardware(c).speaker.stop(); return null; } },
    { path: "MOTor", query: bare((c) => { const s = motors(c).speeds; return `${formatNumber(s.left)},${formatNumber(s.right)}`; }) },
    {
      path: "MOTor:LEFT",
      set: (c) => { expectParams(c.params, 1); const m = motors(c); const v = numeric(c.params[0], SPEED); drive(m, v, m.speeds.right); return null; },
      query: (c) => formatNumber(motors(c).speeds.left),
    },
    {
      path: "MOTor:RIGHT",
      set: (c) => { expectParams(c.params, 1); const m = motors(c); const v = numeric(c.params[0], SPEED); drive(m, m.speeds.left, v); return null; },
      query: (c) => formatNumber(motors(c).speeds.right),
    },
    { path: "MOTor:STOP", set: (c) => { expectParams(c.params, 0); motors(c).stop("command"); return null; } },
    {
      path: "LED[:STATe]",
      set: (c) => { expectParams(c.params, 2); const h = hardware(c); h.setLed(ledName(h, c.params[0]), boolean(c.params[1], "state") === 1); return null; },
      query: (c) => { expectParams(c.params, 1); const h = hardware(c); return h.led(ledName(h, c.params[0])) ? "1" : "0"; },
    },
    {
      path: "BUTTon[:STATe]",
      query: (c) => {
        expectParams(c.params, 1);
        const state = hardware(c).buttons.state();
        const n = name(c.params[0], "button name");
        if (!Object.hasOwn(state, n)) throw new ScpiError(-224, `no button "${n}" (${Object.keys(state).join(", ") || "this board has none"})`);
        return state[n] ? "1" : "0";
      },
    },
    {
      path: "GPIO:LEVel",
      set: (c) => {
        expectParams(c.params, 2);
        const h = hardware(c);
        const pin = numeric(c.params[0], PIN);
        freePin(h, pin);
        h.gpio.write(pin, boolean(c.params[1], "level"));
        h.gpio.setMode(pin, "out");
        return null;
      },
      query: (c) => { expectParams(c.params, 1); return String(hardware(c).gpio.read(numeric(c.params[0], PIN))); },
    },
    {
      path: "MEASure:RT",
      query: (c) => {
        const f = hardware(c).engine?.figures() ?? null;
        const e = f?.edgeError.lastSecond ?? { count: 0, p50Us: 0, p99Us: 0, maxUs: 0 };
        return [e.count, e.p50Us, e.p99Us, e.maxUs, f?.realtimePriority ? 1 : 0, formatNumber(f?.cpuPercent ?? 0)].join(",");
      },
    },
    {
      path: "RESource",
      // the JSON after the comma is one parameter, commas and all (the lexer keeps {...} and [...] whole)
      set: (c) => { expectParams(c.params, 2); invoke(c, "POST", c.params[1]); return null; },
      query: (c) => { expectParams(c.params, 1); return invoke(c, "GET", ""); },
    },
  ];

  return {
    common,
    tree: compile(specs),
    pendingMs: () => d.hardware?.speaker.state().msLeft ?? 0,
  };
}

/** A drive command through the motors, so the dead-man stop applies as over HTTP. */
function drive(m: NonNullable<Hardware["motors"]>, left: number, right: number): void {
  if (left === 0 && right === 0) m.stop("command");
  else onEngine(() => m.drive(left, right));
}

/** A command the real-time engine carries out: when the engine is not there, -240 "Hardware error" with the reason. */
function onEngine(command: () => void): void {
  try {
    command();
  } catch (error) {
    if (error instanceof EngineUnavailable) throw new ScpiError(-240, error.message);
    throw error;
  }
}
