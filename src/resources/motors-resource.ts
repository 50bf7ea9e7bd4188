/** @module `/?motors` (issue 7): both speeds, -1..1 (sign = direction, magnitude = PWM duty), or stop. */
import type { Board } from "../devices/board.ts";
import { defineResource, type Resource } from "../httap/resource.ts";
import { bad, isObject, numberIn, ok, onlyKeys, withDevice, type Checked } from "./body-checks.ts";

export function motorsCommand(body: unknown): Checked<{ left: number; right: number }> {
  if (!isObject(body)) return bad('the body must be an object: {"left":0.5,"right":0.5} or {"stop":true}');
  const unknown = onlyKeys(body, ["left", "right", "stop"]);
  if (unknown !== null) return bad(unknown);
  if (body.stop !== undefined)
    return body.stop === true && Object.keys(body).length === 1
      ? ok({ left: 0, right: 0 })
      : bad('stop must be true, and alone: {"stop":true}');
  const left = numberIn(body.left, "left", -1, 1);
  if (!left.ok) return left;
  const right = numberIn(body.right, "right", -1, 1);
  if (!right.ok) return right;
  return ok({ left: left.value, right: right.value });
}

export function motorsResource(board: () => Board | string): Resource {
  return defineResource({
    name: "motors",
    kind: "motors",
    description: 'POST {"left":-1..1,"right":-1..1} again within the dead-man time, or {"stop":true}; GET: the speeds in force',
    get: withDevice(board, (b, c) => c.reply.json(b.motors())),
    post: withDevice(board, (b, c) => {
      const command = motorsCommand(c.body());
      if (!command.ok) return c.reply.error("bad-value", command.why);
      b.drive(command.value.left, command.value.right);
      return c.reply.json(b.motors());
    }),
  });
}
