/**
 * @module `/?motors` (issue 7): both speeds, -1..1 (sign = direction, magnitude = PWM duty), or stop. Issue 18: a
 * command may carry `seq`, a number that grows with every command a page sends; one older than the newest applied
 * in the same session arrived late (another connection, a slow network) and is ignored, so a stale "drive" never
 * undoes a newer stop. A stop always applies.
 */
import type { Board } from "../devices/board.ts";
import { defineResource, type Resource } from "../httap/resource.ts";
import { bad, numberIn, ok, onlyKeys, withDevice, type Checked } from "./body-checks.ts";
import { isJsonObject } from "../httap/json-body.ts";

export interface MotorsCommand {
  readonly left: number;
  readonly right: number;
  readonly isStop: boolean;
  /** The page's sequence number, or null when the client sends none (every command applies). */
  readonly seq: number | null;
}

export function motorsCommand(body: unknown): Checked<MotorsCommand> {
  if (!isJsonObject(body)) return bad('the body must be an object: {"left":0.5,"right":0.5} or {"stop":true}');
  const unknown = onlyKeys(body, ["left", "right", "stop", "seq"]);
  if (unknown !== null) return bad(unknown);
  let seq: number | null = null;
  if (body.seq !== undefined) {
    const checked = numberIn(body.seq, "seq", 0, Number.MAX_SAFE_INTEGER, true);
    if (!checked.ok) return checked;
    seq = checked.value;
  }
  if (body.stop !== undefined)
    return body.stop === true && body.left === undefined && body.right === undefined
      ? ok({ left: 0, right: 0, isStop: true, seq })
      : bad('stop must be true, and alone (with seq at most): {"stop":true}');
  const left = numberIn(body.left, "left", -1, 1);
  if (!left.ok) return left;
  const right = numberIn(body.right, "right", -1, 1);
  if (!right.ok) return right;
  return ok({ left: left.value, right: right.value, isStop: false, seq });
}

/** The newest sequence number applied, per session (only the current session's matters; a new one starts over). */
class DriveSequence {
  #session: string | null = null;
  #newest = -1;

  /** Whether a command numbered `seq` in `session` is new enough to apply. */
  accepts(session: string, seq: number | null, isStop: boolean): boolean {
    if (session !== this.#session) {
      this.#session = session;
      this.#newest = -1;
    }
    return seq === null || seq > this.#newest || isStop; // a late stop still stops: stopping is never wrong
  }

  /** The command numbered `seq` was applied (a refused one is not: its re-send must still apply). */
  applied(seq: number | null): void {
    if (seq !== null && seq > this.#newest) this.#newest = seq;
  }

  get newest(): number {
    return this.#newest;
  }
}

export function motorsResource(board: () => Board | string): Resource {
  const sequence = new DriveSequence();
  return defineResource({
    name: "motors",
    kind: "motors",
    description:
      'POST {"left":-1..1,"right":-1..1,"seq":n} again within the dead-man time, or {"stop":true}; a seq older than the newest ' +
      "applied is ignored; GET: the speeds in force",
    get: withDevice(board, (b, c) => c.reply.json(b.motors())),
    post: withDevice(board, (b, c) => {
      const command = motorsCommand(c.body());
      if (!command.ok) return c.reply.error("bad-value", command.why);
      const { left, right, isStop, seq } = command.value;
      if (!sequence.accepts(c.session?.id ?? "", seq, isStop))
        return c.reply.json({ ...b.motors(), applied: false, why: `command ${seq} is older than ${sequence.newest}, already applied` });
      b.drive(left, right);
      sequence.applied(seq);
      return c.reply.json({ ...b.motors(), applied: true });
    }),
  });
}
