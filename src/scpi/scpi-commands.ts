/**
 * @module The SCPI commands of this instrument (issue 10): the IEEE 488.2 common commands, SYSTem, and the device
 * subsystems over the same devices and resources as HTTaP. A command that touches the device needs the session:
 * it opens or renews it for the client's host like any HTTaP request, and fails with error 101 naming the owner
 * while another host has it. `*IDN?`, the status commands and SYSTem stay open to everyone.
 */
import { NotOnThisBoard, PinOwned, type Board } from "../devices/board.ts";
import { EngineUnavailable } from "../devices/engine-unavailable.ts";
import { HEADER_PINS } from "../gpio/gpio-backend.ts";
import type { HttapErrorCode } from "../httap/httap-error.ts";
import { invokeResource } from "../httap/resource-call.ts";
import type { ResourceRegistry } from "../httap/resource-registry.ts";
import { pauseText, type Admission, type SessionManager } from "../owner/session-manager.ts";
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
  readonly board: Board | null;
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
const DURATION: NumericSpec = {
  name: "duration (ms)",
  min: 1,
  max: MAX_NOTE_MS,
  def: 200,
  units: { MS: 1, S: 1000, US: 0.001 },
  whole: true,
};
const SPEED: NumericSpec = { name: "speed", min: -1, max: 1, def: 0 };
const PIN: NumericSpec = { name: "pin", min: 0, max: HEADER_PINS - 1, def: 0, whole: true };

/** HTTaP refusals as SCPI errors, for RESource. */
const FROM_HTTAP: Readonly<Record<HttapErrorCode, ScpiErrorNumber>> = {
  "not-found": -224,
  "bad-value": -224,
  "bad-address": -224,
  "out-of-range": -222,
  "bad-json": -104,
  "method-not-allowed": -224,
  "routine-failed": -200,
  "device-error": -240,
  "no-gpio": -241,
  "pin-owned": -221,
  busy: 101,
  "not-owner": 101,
  "bad-filename": -224,
  "forbidden-origin": -200,
  invalid: -200,
  "engine-unavailable": -240,
};

export function scpiCommands(d: ScpiDevice): ScpiCommands {
  const now = d.now ?? (() => performance.now());

  /** The device, for this client: opens or renews its session, or error 101 naming the owner. */
  const claim = (c: CommandContext): Session => {
    const pause = d.sessions.paused; // the leader's pause holds for every front end: nobody drives (issue 21)
    if (pause !== null) throw new ScpiError(101, pauseText(pause));
    const a = d.sessions.admit(c.host, now());
    if (a.kind === "busy") throw new ScpiError(101, busyText(a));
    c.interpreter.hasOwned = true;
    return a.session;
  };
  /** A query: looking takes nothing (issue 18), it renews the client's session only when it owns the device. */
  const look = (c: CommandContext): Session | null => d.sessions.renew(c.host, now());
  /** The board, for this client's session: its typed refusals become SCPI errors here, once. */
  const onBoard = <T>(c: CommandContext, command: (b: Board) => T, access: "claim" | "look" = "claim"): T => {
    if (access === "claim") claim(c);
    else look(c);
    if (d.board === null) throw new ScpiError(-241, d.unavailable);
    try {
      return command(d.board);
    } catch (error) {
      if (error instanceof EngineUnavailable) throw new ScpiError(-240, error.message);
      if (error instanceof PinOwned) throw new ScpiError(-221, error.message);
      if (error instanceof NotOnThisBoard) throw new ScpiError(error.missing === "device" ? -241 : -224, error.message);
      throw error;
    }
  };
  const resourceAddress = (text: string | undefined) => {
    if (text === undefined) throw new ScpiError(-109, 'a resource such as "REG/R1"');
    const address = unquote(text);
    const slash = address.indexOf("/");
    return slash < 0 ? { name: address, selector: null } : { name: address.slice(0, slash), selector: address.slice(slash + 1) };
  };
  const invoke = (c: CommandContext, method: "GET" | "POST", body: string): string => {
    const session = method === "GET" ? look(c) : claim(c);
    const { name: resourceName, selector } = resourceAddress(c.params[0]);
    const r = invokeResource(d.resources, d.log, resourceName, selector, method, Buffer.from(body), session);
    if (r.kind === "refused") throw new ScpiError(FROM_HTTAP[r.code], r.message);
    return r.reply.body;
  };

  /** A command that takes no parameters: one given is -108. */
  const bare =
    (h: Handler): Handler =>
    (c) => {
      expectParams(c.params, 0);
      return h(c);
    };

  const common = new Map<string, Handler>([
    ["*IDN?", bare(() => `httap,${d.identity.board},${d.identity.id},${d.identity.version}`)],
    [
      "*RST",
      bare((c) =>
        onBoard(c, (b) => {
          b.quiet("reset");
          b.showOwned(true);
          return null;
        }),
      ),
    ], // the session goes on
    [
      "*CLS",
      bare((c) => {
        c.status.clear();
        return null;
      }),
    ],
    [
      "*ESE",
      (c) => {
        expectParams(c.params, 1);
        c.status.ese = numeric(c.params[0], { name: "mask", min: 0, max: 255, def: 0, whole: true });
        return null;
      },
    ],
    ["*ESE?", bare((c) => String(c.status.ese))],
    ["*ESR?", bare((c) => String(c.status.takeEsr()))],
    [
      "*SRE",
      (c) => {
        expectParams(c.params, 1);
        c.status.sre = numeric(c.params[0], { name: "mask", min: 0, max: 255, def: 0, whole: true });
        return null;
      },
    ],
    ["*SRE?", bare((c) => String(c.status.sre))],
    ["*STB?", bare((c) => String(c.status.stb))],
    // Every command is complete when it returns (a tone is started, not awaited), so OPC is set at once;
    // *OPC? and *WAI wait for a tone where the transport can wait (raw TCP), see the interpreter.
    [
      "*OPC",
      bare((c) => {
        c.status.esr |= 1;
        return null;
      }),
    ],
    ["*OPC?", bare(() => "1")],
    ["*WAI", bare(() => null)],
    ["*TST?", bare(() => (d.board === null ? "1" : "0"))],
  ]);

  const specs: CommandSpec<Handler>[] = [
    { path: "SYSTem:ERRor[:NEXT]", query: bare((c) => c.status.next()) },
    { path: "SYSTem:ERRor:COUNt", query: bare((c) => String(c.status.count)) },
    { path: "SYSTem:VERSion", query: bare(() => "1999.0") },
    {
      path: "SOURce#:TONE[:IMMediate]",
      set: (c) => {
        expectParams(c.params, 2, 1);
        const note: [number, number] = [numeric(c.params[0], FREQ), numeric(c.params[1] ?? "DEF", DURATION)];
        return onBoard(c, (b) => {
          b.play([note]);
          return null;
        });
      },
      query: (c) =>
        onBoard(
          c,
          (b) => {
            const s = b.speaker();
            return `${s.playing ? 1 : 0},${formatNumber(s.frequency)},${s.msLeft}`;
          },
          "look",
        ),
    },
    {
      path: "SOURce#:TONE:STOP",
      set: (c) => {
        expectParams(c.params, 0);
        return onBoard(c, (b) => {
          b.play([]);
          return null;
        });
      },
    },
    {
      path: "MOTor",
      query: bare((c) =>
        onBoard(
          c,
          (b) => {
            const s = b.motors();
            return `${formatNumber(s.left)},${formatNumber(s.right)}`;
          },
          "look",
        ),
      ),
    },
    {
      path: "MOTor:LEFT",
      set: (c) => {
        expectParams(c.params, 1);
        const v = numeric(c.params[0], SPEED);
        return onBoard(c, (b) => {
          b.drive(v, b.motors().right);
          return null;
        });
      },
      query: (c) => onBoard(c, (b) => formatNumber(b.motors().left), "look"),
    },
    {
      path: "MOTor:RIGHT",
      set: (c) => {
        expectParams(c.params, 1);
        const v = numeric(c.params[0], SPEED);
        return onBoard(c, (b) => {
          b.drive(b.motors().left, v);
          return null;
        });
      },
      query: (c) => onBoard(c, (b) => formatNumber(b.motors().right), "look"),
    },
    {
      path: "MOTor:STOP",
      set: (c) => {
        expectParams(c.params, 0);
        return onBoard(c, (b) => {
          b.drive(0, 0);
          return null;
        });
      },
    },
    {
      path: "LED[:STATe]",
      set: (c) => {
        expectParams(c.params, 2);
        const led = name(c.params[0], "LED name");
        const on = boolean(c.params[1], "state") === 1;
        return onBoard(c, (b) => {
          b.setLeds({ [led]: on });
          return null;
        });
      },
      query: (c) => {
        expectParams(c.params, 1);
        const led = name(c.params[0], "LED name");
        return onBoard(c, (b) => (b.led(led) ? "1" : "0"), "look");
      },
    },
    {
      path: "BUTTon[:STATe]",
      query: (c) => {
        expectParams(c.params, 1);
        const button = name(c.params[0], "button name");
        return onBoard(c, (b) => (b.button(button) ? "1" : "0"), "look");
      },
    },
    {
      path: "GPIO:LEVel",
      set: (c) => {
        expectParams(c.params, 2);
        const pin = numeric(c.params[0], PIN);
        const level = boolean(c.params[1], "level");
        return onBoard(c, (b) => {
          b.setPin(pin, { mode: "out", level });
          return null;
        });
      },
      query: (c) => {
        expectParams(c.params, 1);
        const pin = numeric(c.params[0], PIN);
        return onBoard(
          c,
          (b) => {
            const level = b.pin(pin).level;
            if (level === null) throw new ScpiError(-221, `GPIO ${pin}'s level cannot be read without taking the pin`);
            return String(level);
          },
          "look",
        );
      },
    },
    {
      path: "MEASure:RT",
      query: (c) => {
        const f = onBoard(c, (b) => b.engineFigures(), "look");
        const e = f?.edgeError.lastSecond ?? { count: 0, p50Us: 0, p99Us: 0, maxUs: 0 };
        return [e.count, e.p50Us, e.p99Us, e.maxUs, f?.realtimePriority ? 1 : 0, formatNumber(f?.cpuPercent ?? 0)].join(",");
      },
    },
    {
      path: "RESource",
      // the JSON after the comma is one parameter, commas and all (the lexer keeps {...} and [...] whole)
      set: (c) => {
        expectParams(c.params, 2);
        invoke(c, "POST", c.params[1]);
        return null;
      },
      query: (c) => {
        expectParams(c.params, 1);
        return invoke(c, "GET", "");
      },
    },
  ];

  return {
    common,
    tree: compile(specs),
    pendingMs: () => d.board?.pendingMs() ?? 0,
  };
}

/** SCPI's error 101 text: who holds the device (a name, never an address), the turn's real time left, the place. */
function busyText(a: Extract<Admission, { kind: "busy" }>): string {
  const who = a.owned ? `owned by ${a.owner ?? "another client"}` : "held for the next in line";
  const turn = a.turnLeftS === null ? "" : `, turn ends in ${a.turnLeftS} s`;
  return `${who}${turn}; place ${a.place} in line, ask again within ${a.retryS} s`;
}
