/** The fair line (issues 8, 18) through the session manager, on a fake clock. */
import { describe, expect, test } from "bun:test";
import { SessionManager, type Admission } from "./session-manager.ts";
import { RESERVATION_MS, TurnLine } from "./turn-line.ts";

function manager(turnS = 0, awayS = 60) {
  let t = 0;
  const ends: string[] = [];
  const m = new SessionManager({ timeoutS: 15, turnS, awayS, now: () => t, log: () => {} });
  m.on("end", (s, why) => ends.push(`${s.owner}:${why}`));
  const admit = (h: string, name: string | null = null): Admission => m.admit(h, t, name);
  return { m, ends, at: (s: number) => (t = s * 1000), now: () => t, admit };
}

describe("fair turns", () => {
  test("first come, first served: places 1, 2; only the first in line may open the next session", () => {
    const { m, at, admit } = manager();
    admit("A", "Ana");
    at(1);
    expect(admit("B", "Ben")).toMatchObject({ kind: "busy", owner: "Ana", owned: true, place: 1, waiting: 1, turnLeftS: null });
    at(2);
    expect(admit("C")).toMatchObject({ kind: "busy", owner: "Ana", place: 2, waiting: 2 });
    at(3);
    expect(admit("B")).toMatchObject({ place: 1 }); // asking again keeps the place (and the name it gave)
    m.end("invalid"); // A gives it back
    // the free device is kept for B: C is told it is held for the next in line, nobody's name
    expect(admit("C")).toMatchObject({ kind: "busy", owner: null, owned: false, reserved: true, place: 2 });
    expect(m.queue("C", 3000)).toMatchObject({ owner: null, owned: false, reserved: true, waiting: 2, place: 2, line: ["Ben", null] });
    expect(admit("B")).toMatchObject({ kind: "owner", isNew: true });
    expect(m.queue("C", 3000)).toEqual({
      owner: "Ben",
      ownerApp: null,
      owned: true,
      reserved: false,
      you: false,
      turnLeftS: null,
      turnS: 0,
      waiting: 1,
      place: 1,
      line: [null],
      yourLastEnd: null,
    });
    expect(m.queue("B", 3000).you).toBe(true);
    expect(m.queue("A", 3000).yourLastEnd).toBe("invalid"); // A's page can tell why its turn ended
  });

  test("the one whose turn comes must claim within a few seconds, or the next one gets the device", () => {
    const { m, at, admit, now } = manager();
    admit("A");
    at(1);
    admit("B");
    admit("C");
    at(2);
    admit("B");
    admit("C");
    m.end("invalid"); // at 2 s: held for B until 2 s + RESERVATION_MS
    at(2 + RESERVATION_MS / 1000 - 0.5);
    admit("C"); // C keeps asking; B does not
    expect(admit("C")).toMatchObject({ kind: "busy", reserved: true, place: 2 });
    at(2 + RESERVATION_MS / 1000);
    expect(admit("C")).toMatchObject({ kind: "owner" }); // B had its chance
    expect(m.queue("B", now()).place).toBe(0); // and lost its place
  });

  test("a waiter silent for the keep-alive time leaves the line; one that keeps asking stays", () => {
    const { m, at, admit } = manager();
    admit("A");
    for (let s = 0; s <= 40; s += 2) {
      at(s);
      admit("A"); // the owner keeps its session
      if (s <= 4) admit("B"); // B asks until 4 s, then goes silent
      admit("C");
    }
    at(40);
    expect(m.queue("C", 40_000)).toMatchObject({ waiting: 1, place: 1 }); // B left at 4 + 15 s
  });

  test("twenty hosts that asked to drive and left are gone within the keep-alive time; the next driver gets it at once", () => {
    const { m, at, admit, now } = manager();
    for (let i = 0; i < 20; i++) admit(`10.0.0.${i}`); // the first owns, nineteen join the line and never come back
    expect(m.queue("x", now()).waiting).toBe(19);
    at(15.001); // the owner's Remain is 0, the waiters' keep-alive is over
    expect(admit("real")).toMatchObject({ kind: "owner" });
    expect(m.queue("x", now())).toMatchObject({ waiting: 0, owned: true });
  });

  test("a hidden waiter keeps its place for the grace time and takes it back when shown; a newcomer comes after it", () => {
    const { m, at, admit, now } = manager(120);
    admit("A", "Ana");
    at(1);
    admit("B", "Ben");
    at(2);
    expect(m.away("B", now())).toBe(1); // B's phone locks its screen
    for (let s = 3; s <= 46; s += 3) {
      at(s);
      admit("A");
      if (s >= 10) admit("C", "Cleo"); // C joins meanwhile and keeps asking
    }
    at(47); // 45 s later B is shown again
    expect(admit("B")).toMatchObject({ kind: "busy", place: 1 });
    expect(admit("C")).toMatchObject({ kind: "busy", place: 2 });
    expect(m.queue("C", now()).line).toEqual(["Ben", "Cleo"]);
  });

  test("a waiter hidden past the grace time loses its place; while away, a freed device goes to the next one present", () => {
    const { m, at, admit, now } = manager(0, 60);
    admit("A");
    at(1);
    admit("B");
    admit("C");
    m.away("B", now());
    at(2);
    admit("C");
    m.end("invalid");
    expect(admit("C")).toMatchObject({ kind: "owner" }); // B cannot take it while away; it stays first in line
    expect(m.queue("B", now()).place).toBe(1);
    at(1 + 60);
    admit("C");
    expect(m.queue("B", now()).place).toBe(0);
  });

  test("a default turn limit: with others waiting the owner's turn ends after 120 s and the next present one gets it", () => {
    const { m, ends, at, admit, now } = manager(120);
    admit("A", "Ana");
    for (let s = 3; s <= 30; s += 3) {
      at(s); // alone for 30 s, keeping its session: no limit runs
      admit("A");
    }
    expect(m.queue("A", now()).turnLeftS).toBeNull();
    for (let s = 30; s < 150; s += 3) {
      at(s);
      admit("A");
      const b = admit("B", "Ben");
      expect(b).toMatchObject({ kind: "busy", place: 1, turnLeftS: 150 - s }); // a real figure, counting down
    }
    at(150);
    m.sweep(now());
    expect(ends).toEqual(["A:turn-over"]);
    expect(admit("A")).toMatchObject({ kind: "busy", reserved: true });
    expect(admit("B")).toMatchObject({ kind: "owner" });
    expect(m.queue("A", now())).toMatchObject({ owner: "Ben", place: 1, turnLeftS: 120 });
  });

  test("the turn's time left reads the whole limit at the moment it starts, whatever the clock's fraction", () => {
    let t = 0;
    const m = new SessionManager({ timeoutS: 15, turnS: 10, now: () => t, log: () => {} });
    for (const start of [12345.678901234, 0.1, 987654.321, 1e9 + 0.3]) {
      t = start;
      m.admit("A", t);
      expect(m.admit("B", t)).toMatchObject({ kind: "busy", turnLeftS: 10 }); // not 11 from (t + 10000) - t rounding up
      m.end("invalid");
      m.leaveLine("B", t);
    }
  });

  test("HTTAP_TURN_S=0: no limit, and no invented countdown", () => {
    const { m, ends, at, admit, now } = manager(0);
    admit("A");
    for (let s = 1; s < 400; s += 3) {
      at(s);
      admit("A");
      expect(admit("B")).toMatchObject({ kind: "busy", turnLeftS: null });
    }
    m.sweep(now());
    expect(ends).toEqual([]);
  });

  test("leave: the owner gives the device back (the next one present gets it), a waiter gives up its place", () => {
    const { m, ends, at, admit, now } = manager(120);
    admit("A");
    at(1);
    admit("B");
    admit("C");
    expect(m.leave("C", now())).toBe("left-line");
    expect(m.leave("A", now())).toBe("gave-back");
    expect(ends).toEqual(["A:given-back"]);
    expect(m.queue("A", now())).toMatchObject({ yourLastEnd: "given-back", reserved: true, waiting: 1 });
    expect(admit("B")).toMatchObject({ kind: "owner" });
    expect(m.leave("C", now())).toBe("nothing");
    at(200);
    m.sweep(now());
    expect(m.queue("B", now()).yourLastEnd).toBe("lapsed");
  });

  test("a host holds one place; leaving the line hands a reservation on", () => {
    const { m, at, admit, now } = manager();
    admit("A");
    at(1);
    admit("B");
    admit("B");
    admit("C");
    expect(m.queue("x", now()).waiting).toBe(2);
    m.end("invalid");
    expect(m.leaveLine("B", now())).toBe(true);
    expect(admit("C")).toMatchObject({ kind: "owner" });
  });
});

describe("frozen while the leader pauses (issue 21)", () => {
  test("nobody leaves for silence while frozen; thawed, each clock starts from the thaw", () => {
    const line = new TurnLine({ quietMs: 15_000, awayMs: 60_000 });
    line.ask("B", null, 0);
    line.ask("C", null, 1_000);
    line.freeze(2_000);
    line.forgetQuiet(62_000);
    expect(line.length).toBe(2);
    line.thaw(62_000);
    line.forgetQuiet(76_000);
    expect([line.placeOf("B"), line.placeOf("C")]).toEqual([1, 2]);
    line.forgetQuiet(77_001);
    expect(line.length).toBe(0);
  });
});
