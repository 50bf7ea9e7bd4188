import { describe, expect, test } from "bun:test";
import { NO_SESSION_ID, SessionIdSequence } from "./session-id.ts";

describe("SessionIdSequence", () => {
  test("ids are 8 lowercase alphanumeric characters and never repeat within a run", () => {
    const seq = new SessionIdSequence(Date.now());
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = seq.take();
      expect(id).toMatch(/^[0-9a-z]{8}$/);
      expect(seen.has(id)).toBe(false);
      seen.add(id);
    }
  });

  test("two runs started at different times begin with different ids", () => {
    expect(new SessionIdSequence(1_700_000_000_000).take()).not.toBe(new SessionIdSequence(1_700_000_000_001).take());
  });

  test("never hands out the reserved no-session id", () => {
    expect(new SessionIdSequence(0).take()).not.toBe(NO_SESSION_ID);
  });
});
