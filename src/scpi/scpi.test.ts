/** The SCPI language (issue 10): lexing, header forms, parameters, the status model, the interpreter's rules. */
import { describe, expect, test } from "bun:test";
import { ResourceRegistry } from "../httap/resource-registry.ts";
import { defineResource } from "../httap/resource.ts";
import { SessionManager } from "../owner/session-manager.ts";
import { scpiCommands } from "./scpi-commands.ts";
import { ScpiError } from "./scpi-errors.ts";
import { ScpiInterpreter } from "./scpi-interpreter.ts";
import { parseHeader, parseMessage } from "./scpi-lexer.ts";
import { boolean, numeric } from "./scpi-params.ts";
import { compile, resolve } from "./scpi-tree.ts";

const code = (f: () => unknown): number => {
  try {
    f();
  } catch (e) {
    if (e instanceof ScpiError) return e.code;
    throw e;
  }
  return 0;
};

describe("lexer", () => {
  test("units split at ; outside quotes and brackets; params at , outside them", () => {
    const u = parseMessage(`MOT:LEFT 0.5;:SYST:ERR?; RES "REG/R1",{"a":[1,2],"b":"x;y"} ;LED "r;ed",ON;;`);
    expect(u.map((x) => x.text)).toEqual(["MOT:LEFT 0.5", ":SYST:ERR?", `RES "REG/R1",{"a":[1,2],"b":"x;y"}`, `LED "r;ed",ON`]);
    expect(u[2].params).toEqual([`"REG/R1"`, `{"a":[1,2],"b":"x;y"}`]);
    expect(u[1].header).toMatchObject({ isAbsolute: true, isQuery: true });
  });
  test("headers: common, compound, suffixes, query", () => {
    expect(parseHeader("*idn?")).toEqual({ isCommon: true, isAbsolute: false, mnemonics: [{ name: "*IDN", suffix: null }], isQuery: true });
    expect(parseHeader("sour1:tone")).toMatchObject({
      mnemonics: [
        { name: "SOUR", suffix: 1 },
        { name: "TONE", suffix: null },
      ],
      isQuery: false,
    });
  });
  test("syntax errors have their numbers", () => {
    expect(code(() => parseMessage('LED "red'))).toBe(-151);
    expect(code(() => parseMessage("RES {"))).toBe(-102);
    expect(code(() => parseMessage("RES }"))).toBe(-102);
    expect(code(() => parseMessage("MOT:LEFT 1,,2"))).toBe(-103);
    expect(code(() => parseHeader("MOT::LEFT"))).toBe(-102);
    expect(code(() => parseHeader("MOT:LE-FT"))).toBe(-101);
    expect(code(() => parseHeader("*"))).toBe(-113);
  });
});

describe("header matching", () => {
  const tree = compile([
    { path: "MOTor:LEFT", set: 1 },
    { path: "LED[:STATe]", set: 2 },
    { path: "SYSTem:ERRor[:NEXT]", set: 3 },
    { path: "SOURce#:TONE[:IMMediate]", set: 4 },
  ]);
  const find = (h: string) => resolve(tree, parseHeader(h).mnemonics).set;
  test("short and long forms, any case, optional nodes, suffix #1", () => {
    for (const h of ["MOT:LEFT", "motor:left", "MoToR:LeFt"]) expect(find(h)).toBe(1);
    for (const h of ["LED", "LED:STAT", "led:state"]) expect(find(h)).toBe(2);
    for (const h of ["SYST:ERR", "SYSTEM:ERROR:NEXT"]) expect(find(h)).toBe(3);
    for (const h of ["SOUR:TONE", "SOUR1:TONE:IMM", "source:tone:immediate"]) expect(find(h)).toBe(4);
  });
  test("other forms are undefined headers (-113), other suffixes out of range (-114)", () => {
    for (const h of ["MOTO:LEFT", "MO:LEFT", "LED:STA", "MOT", "MOT:LEFT:X", "MOT1:LEFT"])
      expect([h, code(() => find(h))]).toEqual([h, -113]);
    expect(code(() => find("SOUR2:TONE"))).toBe(-114);
  });
});

describe("parameters", () => {
  const FREQ = { name: "frequency", min: 20, max: 20000, def: 440, units: { HZ: 1, KHZ: 1000 } };
  test("numbers, units, MIN/MAX/DEF", () => {
    expect([numeric("440", FREQ), numeric("1.5e3", FREQ), numeric("1 kHz", FREQ), numeric("2KHZ", FREQ), numeric(".5KHZ", FREQ)]).toEqual([
      440, 1500, 1000, 2000, 500,
    ]);
    expect([numeric("MIN", FREQ), numeric("maximum", FREQ), numeric("DEF", FREQ)]).toEqual([20, 20000, 440]);
  });
  test("each failure has its number", () => {
    expect(code(() => numeric("5", FREQ))).toBe(-222);
    expect(code(() => numeric("1 V", FREQ))).toBe(-131);
    expect(code(() => numeric("1 V", { ...FREQ, units: undefined }))).toBe(-138);
    expect(code(() => numeric("loud", FREQ))).toBe(-141);
    expect(code(() => numeric("1.2.3", FREQ))).toBe(-120);
    expect(code(() => numeric(undefined, FREQ))).toBe(-109);
    expect([boolean("ON", "s"), boolean("off", "s"), boolean("1", "s")]).toEqual([1, 0, 1]);
    expect(code(() => boolean("2", "s"))).toBe(-224);
  });
});

describe("interpreter", () => {
  const registry = new ResourceRegistry();
  let reg = 0;
  registry.add(
    defineResource({
      name: "REG",
      members: ["R1"],
      get: (c) => c.reply.json({ R1: reg }),
      post: (c) => {
        reg = Number(c.body());
        return c.reply.json({ R1: reg });
      },
    }),
  );
  registry.freeze();
  let clock = 0;
  const sessions = new SessionManager({ timeoutS: 15, now: () => clock, log: () => {} });
  const commands = scpiCommands({
    board: null,
    unavailable: "no GPIO here",
    sessions,
    resources: registry,
    log: () => {},
    identity: { id: "car-07", board: "rc-car", version: "1.2.3" },
    now: () => clock,
  });
  const a = new ScpiInterpreter(commands, "10.0.0.1");
  const b = new ScpiInterpreter(commands, "10.0.0.2");
  const run = (i: ScpiInterpreter, line: string) => i.run(line, false).responses;

  test("*IDN?, SYST:VERS?, responses of one message joined; parameters where none belong, or missing", () => {
    expect(run(a, "*IDN?;:SYST:VERS?")).toEqual(["httap,rc-car,car-07,1.2.3", "1999.0"]);
    run(a, "*IDN? 1;*ESE;*ESE 1,2;*ESE 300;SOUR:TONE:STOP 5");
    expect(Array.from({ length: 6 }, () => run(a, "SYST:ERR?")[0].split(",")[0])).toEqual(["-108", "-109", "-108", "-222", "-108", "0"]);
    run(a, "SOUR:TONE:STOP");
    expect(run(a, "SYST:ERR?")).toEqual(['-241,"Hardware missing; no GPIO here"']);
    expect(run(a, "*TST?")).toEqual(["1"]); // no hardware: the self-test fails
    run(a, "*ESE 0");
  });
  test("the error queue: oldest first, 0 No error when empty, bounded with -350, cleared by *CLS", () => {
    run(a, "FOO");
    run(a, "MOT:LEFT 1"); // no hardware
    expect(run(a, "SYST:ERR?;ERR?;ERR?")).toEqual([
      '-113,"Undefined header; FOO"',
      '-241,"Hardware missing; no GPIO here"',
      '0,"No error"',
    ]);
    for (let i = 0; i < 20; i++) run(a, "FOO");
    expect(run(a, "SYST:ERR:COUN?")).toEqual(["16"]);
    const all = Array.from({ length: 16 }, () => run(a, "SYST:ERR?")[0]);
    expect(all.at(-1)).toBe('-350,"Queue overflow"');
    run(a, "FOO");
    run(a, "*CLS");
    expect(run(a, "SYST:ERR?")).toEqual(['0,"No error"']);
  });
  test("ESR bits by error class, ESE/SRE masks and the status byte", () => {
    run(a, "*CLS;*ESE 32;*SRE 32");
    run(a, "FOO"); // command error: ESR bit 5
    expect(run(a, "*STB?")).toEqual([String(4 | 32 | 64)]); // EAV, ESB, MSS
    expect(run(a, "*ESR?;*ESR?")).toEqual(["32", "0"]);
    run(a, "*CLS");
    expect(run(a, "*STB?;*ESE?;*SRE?")).toEqual(["0", "32", "32"]);
    run(a, "*OPC;*ESR?");
    expect(run(a, "*OPC?")).toEqual(["1"]);
  });
  test("a relative header continues from the last node; a leading : returns to the root", () => {
    expect(run(a, "SYST:ERR?;VERS?")).toEqual(['0,"No error"', "1999.0"]);
    expect(run(a, "SYST:VERS?;ERR:COUN?")).toEqual(["1999.0", "0"]); // ERR:COUN? continues under SYST
    expect(run(a, "SYST:VERS?;:VERS?;:SYST:ERR?")).toEqual(["1999.0", '-113,"Undefined header; VERS"']); // ":" is the root
    run(a, "SYST:VERS?");
    expect(run(a, "ERR?")).toEqual([]); // a new message starts at the root again
    expect(run(a, "SYST:ERR?")).toEqual(['-113,"Undefined header; ERR"']);
  });
  test("the leader's pause holds over SCPI too: commands are refused with the message, queries still look", () => {
    run(a, "*CLS");
    sessions.pause("eyes on me");
    run(a, 'RES "REG/R1",3');
    expect(run(a, "SYST:ERR?")[0]).toBe('101,"Device busy; paused by the leader: eyes on me"');
    expect(run(a, 'RES? "REG"')).toEqual([`{"R1":${reg}}`]);
    sessions.resume();
    run(a, 'RES "REG/R1",3');
    expect(run(a, 'RES? "REG/R1";SYST:ERR?')).toEqual(['{"R1":3}', '0,"No error"']);
    sessions.end("invalid");
  });

  test("RESource reaches user resources with HTTaP's checks, and the session rule holds", () => {
    run(a, "*CLS");
    expect(run(a, 'RES "REG/R1",7;RES? "REG"')).toEqual(['{"R1":7}']);
    expect(run(b, 'RES? "REG"')).toEqual(['{"R1":7}']); // another host may look while a owns the device (issue 18)
    run(b, 'RES "REG/R1",8'); // but not write
    expect(run(b, "SYST:ERR?")[0]).toMatch(/^101,"Device busy; owned by another client; place 1 in line, ask again within 3 s"$/);
    expect(run(a, 'RES? "REG/R1"')).toEqual(['{"R1":7}']);
    run(a, 'RES "REG/R1",{oops}');
    expect(run(a, "SYST:ERR?")[0]).toMatch(/^-104,"Data type error; the body is not JSON/);
    run(a, 'RES? "NOPE"');
    expect(run(a, "SYST:ERR?")[0]).toMatch(/^-224,.*no resource named ""?NOPE/);
    clock += 16_000; // a's session lapses: b may take the device
    run(b, 'RES "REG/R1",8');
    expect(run(b, 'RES? "REG/R1";SYST:ERR?')).toEqual(['{"R1":8}', '0,"No error"']);
  });
});
