/** `/?motors` (issue 18): a command the board refused does not count as applied, so its re-send drives. */
import { expect, test } from "bun:test";
import type { Board } from "../devices/board.ts";
import { EngineUnavailable } from "../devices/engine-unavailable.ts";
import { invokeResource } from "../httap/resource-call.ts";
import { ResourceRegistry } from "../httap/resource-registry.ts";
import { Session } from "../owner/session.ts";
import { motorsResource } from "./motors-resource.ts";

test("a drive refused by the engine (503) leaves its seq unused: the same command sent again is applied", () => {
  let speeds = { left: 0, right: 0 };
  let refuse = true;
  const board = {
    motors: () => speeds,
    drive: (left: number, right: number) => {
      if (refuse) throw new EngineUnavailable("the real-time engine failed");
      speeds = { left, right };
    },
  } as unknown as Board;
  const registry = new ResourceRegistry();
  registry.add(motorsResource(() => board));
  registry.freeze();
  const session = new Session("s1", "127.0.0.2", 0);
  const post = (body: object) =>
    invokeResource(registry, () => {}, "motors", null, "POST", new TextEncoder().encode(JSON.stringify(body)), session);
  const first = post({ left: 0.5, right: 0.5, seq: 3 });
  expect(first.kind === "refused" ? first.code : "answered").toBe("engine-unavailable");
  refuse = false;
  const again = post({ left: 0.5, right: 0.5, seq: 3 });
  expect(again.kind === "reply" ? JSON.parse(String(again.reply.body)) : again).toMatchObject({ left: 0.5, applied: true });
});
