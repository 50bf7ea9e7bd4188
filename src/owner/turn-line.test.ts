/** Fair turns (issue 8) through the session manager, on a fake clock. */
import { describe, expect, test } from "bun:test";
import { SessionManager, type Admission } from "./session-manager.ts";

function manager(turnS = 0) {
  let t = 0;
  const ends: string[] = [];
  const m = new SessionManager({ timeoutS: 15, turnS, now: () => t, log: () => {} });
  m.on("end", (s, why) => ends.push(`${s.owner}:${why}`));
  return { m, ends, at: (s: number) => (t = s * 1000), admit: (h: string): Admission => m.admit(h, t) };
}

describe("fair turns", () => {
  test("first come, first served: places 1, 2; only the first in line may open the next session", () => {
    const { m, at, admit } = manager();
    admit("A");
    at(1);
    expect(admit("B")).toMatchObject({ kind: "busy", owner: "A", place: 1, remainS: 14 });
    at(2);
    expect(admit("C")).toMatchObject({ kind: "busy", owner: "A", place: 2, remainS: 13 + 15 }); // a turn per host ahead
    at(3);
    expect(admit("B")).toMatchObject({ place: 1 }); // asking again keeps the place
    m.end("invalid"); // A leaves
    expect(admit("C")).toMatchObject({ kind: "busy", owner: "B", place: 2 }); // the free device is kept for B
    expect(admit("B")).toMatchObject({ kind: "owner", isNew: true });
    expect(m.queue("C", 3000)).toEqual({ owner: "B", turnLeftS: 15, waiting: 1, place: 1 });
  });

  test("a reservation not taken in time passes to the next in line", () => {
    const { m, at, admit } = manager();
    admit("A");
    at(1);
    admit("B"); // told: come back in 15 s
    at(2);
    admit("C");
    at(3);
    m.end("invalid");
    at(10);
    expect(admit("C")).toMatchObject({ kind: "busy", owner: "B" }); // B was told 14 s at t=1: still its turn
    at(16 + 5 + 1); // B never came back: after its Retry-After and the reservation, C's turn
    admit("C"); // C keeps asking (its own Retry-After allows it)
    expect(m.current(22_000)?.owner).toBe("C");
  });

  test("a waiting host that stops asking for twice its Retry-After leaves the line", () => {
    const { m, at, admit } = manager();
    admit("A");
    at(1);
    expect(admit("B")).toMatchObject({ place: 1, remainS: 14 }); // quiet limit: 28 s
    at(2);
    expect(admit("C")).toMatchObject({ place: 2 });
    at(3);
    admit("A"); // the owner keeps its session
    at(17);
    admit("A");
    expect(admit("C")).toMatchObject({ place: 2 }); // B quiet 16 s of its 28: still in line
    at(30);
    admit("A");
    at(32);
    admit("A");
    expect(admit("C")).toMatchObject({ place: 1 }); // B quiet 31 s: gone
    expect(m.queue("X", 32_000).waiting).toBe(1);
  });

  test("HTTAP_TURN_S: while someone waits, a session ends after the turn and the next in line gets the device", () => {
    const { m, ends, at, admit } = manager(10);
    admit("A");
    at(5);
    admit("A");
    at(8);
    admit("A"); // nobody waits: no limit applies yet
    expect(admit("B")).toMatchObject({ kind: "busy", remainS: 2, place: 1 }); // 10 s turn, 8 used
    at(9);
    admit("A");
    at(10);
    admit("A"); // the turn is over: A's request is now refused, B's session opens
    expect(ends).toEqual(["A:turn-over"]);
    expect(admit("B")).toMatchObject({ kind: "owner" });
    expect(m.current(10_000)?.owner).toBe("B");
    at(15);
    admit("B");
    at(20);
    expect(admit("B")).toMatchObject({ kind: "busy", owner: "A" }); // A waited since 10: B's turn is over at 20
    expect(admit("A")).toMatchObject({ kind: "owner" });
    expect(ends).toEqual(["A:turn-over", "B:turn-over"]);
  });
});
