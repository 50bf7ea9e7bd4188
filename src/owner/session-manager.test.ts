import { describe, expect, test } from "bun:test";
import { waitFor } from "../../test/support/wait.ts";
import { SessionManager } from "./session-manager.ts";
import type { SessionEndReason } from "./session-manager.ts";

function manager(timeoutS = 15) {
  let t = 1_000_000;
  const logs: string[] = [];
  const m = new SessionManager({ timeoutS, now: () => t, log: (l) => logs.push(l) });
  return {
    m,
    logs,
    advance: (ms: number) => {
      t += ms;
    },
    now: () => t,
  };
}

describe("SessionManager", () => {
  test("the first host owns; its requests renew; another host is busy with Remain rounded up", () => {
    const { m, advance, now } = manager(15);
    const a = m.admit("10.0.0.1", now());
    expect(a.kind).toBe("owner");
    advance(4_200);
    const b = m.admit("10.0.0.2", now());
    // the room sees names, never addresses: A gave none
    expect(b).toEqual({
      kind: "busy",
      owner: null,
      ownerApp: null,
      owned: true,
      reserved: false,
      turnLeftS: null,
      place: 1,
      waiting: 1,
      retryS: 3,
    });
    const again = m.admit("10.0.0.1", now());
    expect(again.kind === "owner" && !again.isNew).toBe(true);
    expect(m.remainS(m.current()!, now())).toBe(15);
  });

  test("the session lapses exactly when Remain reaches 0, and the next host gets a new id", () => {
    const { m, advance, now } = manager(3);
    const ends: [string, SessionEndReason][] = [];
    m.on("end", (s, reason) => ends.push([s.id, reason]));
    const first = m.admit("A", now());
    if (first.kind !== "owner") throw new Error("not owner");
    advance(2_999);
    expect(m.admit("B", now())).toMatchObject({ kind: "busy", owned: true, place: 1, retryS: 1 });
    advance(1);
    const second = m.admit("B", now());
    expect(second.kind).toBe("owner");
    if (second.kind !== "owner") return;
    expect(second.session.id).not.toBe(first.session.id);
    expect(ends).toEqual([[first.session.id, "lapsed"]]);
  });

  test("a read renews only the owner's session; anyone else's read is a viewer's and opens nothing", () => {
    const { m, advance, now } = manager(15);
    expect(m.renew("A", now())).toBeNull();
    expect(m.current()).toBeNull();
    m.admit("A", now(), "Ana");
    advance(10_000);
    expect(m.renew("B", now())).toBeNull();
    expect(m.queue("B", now())).toMatchObject({ owner: "Ana", waiting: 0, place: 0 });
    expect(m.renew("A", now())?.owner).toBe("A");
    expect(m.remainS(m.current()!, now())).toBe(15);
  });

  test("start and end events fire once each; unsubscribe works; a throwing listener is logged, not fatal", () => {
    const { m, logs, now } = manager();
    const events: string[] = [];
    m.on("start", (s) => events.push(`start ${s.owner}`));
    const off = m.on("start", () => events.push("second"));
    m.on("end", () => {
      throw new Error("boom");
    });
    m.on("end", (s, r) => events.push(`end ${s.owner} ${r}`));
    off();
    m.admit("A", now());
    m.admit("A", now());
    m.end("invalid");
    m.end("invalid");
    expect(events).toEqual(["start A", "end A invalid"]);
    expect(logs.join("\n")).toContain("boom");
    expect(m.current()).toBeNull();
  });

  test("the sweep timer ends a lapsed session with no traffic; stop() ends it with server-stop", async () => {
    let t = 0;
    const m = new SessionManager({ timeoutS: 3, now: () => t, log: () => {} });
    const ends: SessionEndReason[] = [];
    m.on("end", (_s, r) => ends.push(r));
    m.startSweeping();
    m.admit("A", t);
    t = 3_000;
    await waitFor(() => ends.length > 0); // the 250 ms sweep tick, waited for
    expect(ends).toEqual(["lapsed"]);
    m.admit("B", t);
    m.stop();
    expect(ends).toEqual(["lapsed", "server-stop"]);
  });

  test("the sweep timer runs only while something can lapse, and admit wakes it", async () => {
    let t = 0;
    let reads = 0; // the timer reads the clock on every sweep
    const m = new SessionManager({ timeoutS: 3, now: () => (reads++, t), log: () => {} });
    const ends: SessionEndReason[] = [];
    m.on("end", (_s, r) => ends.push(r));
    m.startSweeping();
    await Bun.sleep(300); // over a sweep interval (250 ms): nobody ever came, nothing swept
    expect(reads).toBe(0);
    m.admit("A", t);
    expect(await waitFor(() => reads >= 2)).toBe(true);
    t = 3_000;
    expect(await waitFor(() => ends.length > 0)).toBe(true);
    expect(ends).toEqual(["lapsed"]);
    await Bun.sleep(300); // the sweep that ended it found nothing left: the timer stopped
    const readsWhenQuiet = reads;
    await Bun.sleep(300);
    expect(reads).toBe(readsWhenQuiet);
    m.admit("B", t);
    m.admit("C", t); // waits in line behind B
    t = 6_000;
    expect(await waitFor(() => ends.length > 1)).toBe(true);
    expect(ends).toEqual(["lapsed", "lapsed"]);
    m.stop();
  });
});
