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
