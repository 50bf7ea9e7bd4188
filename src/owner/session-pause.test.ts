import { describe, expect, test } from "bun:test";
import { SessionManager } from "./session-manager.ts";
import type { SessionEndReason } from "./session-manager.ts";

function manager(turnS: number) {
  let t = 1_000_000;
  const m = new SessionManager({ timeoutS: 15, turnS, now: () => t, log: () => {} });
  const ends: SessionEndReason[] = [];
  m.on("end", (_, reason) => ends.push(reason));
  return { m, ends, advance: (ms: number) => void (t += ms), now: () => t };
}

describe("the leader's pause (issue 21)", () => {
  test("paused: the owner keeps its session, /?queue says so with the message, resume clears it", () => {
    const { m, now } = manager(0);
    m.admit("A", now(), "Ana");
    expect(m.paused).toBeNull();
    expect(m.queue("A", now()).paused).toBeUndefined();
    m.pause("look at the board", now());
    expect(m.paused?.message).toBe("look at the board");
    expect(m.queue("B", now()).paused).toEqual({ message: "look at the board" });
    expect(m.current(now())?.owner).toBe("A");
    m.resume(now());
    expect(m.paused).toBeNull();
    expect(m.queue("B", now()).paused).toBeUndefined();
  });

  test("no turn ends while paused, and the time paused is added to the turn", () => {
    const { m, ends, advance, now } = manager(10);
    m.admit("A", now());
    m.admit("B", now()); // B waits: A's 10 s turn runs
    advance(4_000);
    m.pause("stop", now());
    for (let i = 0; i < 6; i++) {
      advance(5_000); // 30 s paused; the waiter keeps asking
      m.admit("B", now());
      m.renew("A", now());
      m.sweep(now());
    }
    expect(ends).toEqual([]);
    m.resume(now());
    expect(m.queue("B", now()).turnLeftS).toBe(6);
    advance(6_000);
    m.admit("B", now());
    expect(ends).toEqual(["turn-over"]);
  });

  test("the leader's turn length applies from now; 0 stops the limit", () => {
    const { m, advance, now } = manager(120);
    m.admit("A", now());
    m.admit("B", now());
    advance(1_000);
    m.setTurnS(30, now());
    expect(m.turnS).toBe(30);
    expect(m.queue("B", now()).turnLeftS).toBe(30);
    m.setTurnS(0, now());
    expect(m.queue("B", now()).turnLeftS).toBeNull();
  });
});

describe("the line's clocks stand still while paused (issue 21)", () => {
  test("A drives, B and C wait, 60 s paused with nobody asking, resume: B first, C second", () => {
    const { m, ends, advance, now } = manager(0);
    m.admit("A", now(), "Ana");
    advance(1_000);
    m.admit("B", now(), "Bo");
    advance(1_000);
    m.admit("C", now(), "Cy");
    m.pause("look here", now());
    for (let i = 0; i < 12; i++) {
      advance(5_000); // 60 s; the sweep timer runs, nobody asks (their pages got 423 and wait)
      m.sweep(now());
    }
    expect(ends).toEqual([]); // the owner keeps its session
    expect(m.queue("B", now()).line).toEqual(["Bo", "Cy"]);
    m.resume(now());
    m.sweep(now());
    expect(m.queue("B", now()).place).toBe(1);
    expect(m.queue("C", now()).place).toBe(2);
    m.leave("A", now()); // A gives the car back: it waits for B
    expect(m.admit("C", now()).kind).toBe("busy");
    advance(4_000); // B's reservation runs from the resume
    expect(m.admit("B", now()).kind).toBe("owner");
    m.leave("B", now());
    expect(m.admit("C", now()).kind).toBe("owner");
  });

  test("a reservation held when the pause began is not used up by the pause", () => {
    const { m, advance, now } = manager(0);
    m.admit("A", now());
    m.admit("B", now());
    m.admit("C", now());
    m.leave("A", now()); // B holds the freed car for 5 s
    m.pause("", now());
    advance(60_000);
    m.sweep(now());
    m.resume(now());
    advance(4_000);
    m.admit("C", now()); // asking keeps C in line; the car still waits for B
    expect(m.admit("B", now()).kind).toBe("owner");
  });

  test("after the resume the clocks run again: a waiter silent for the keep-alive time leaves", () => {
    const { m, advance, now } = manager(0);
    m.admit("A", now());
    m.admit("B", now());
    m.pause("", now());
    advance(60_000);
    m.resume(now());
    advance(10_000);
    m.renew("A", now());
    m.sweep(now());
    expect(m.queue("B", now()).place).toBe(1);
    advance(6_000);
    m.renew("A", now());
    m.sweep(now());
    expect(m.queue("B", now()).place).toBe(0);
  });
});
