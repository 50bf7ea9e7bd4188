/** The pause gate (issue 21): device commands answer 423 while paused; writes that drive nothing go through. */
import { expect, test } from "bun:test";
import { dynamicReply } from "../http/reply.ts";
import type { HttpRequest } from "../http/types.ts";
import { SessionManager } from "../owner/session-manager.ts";
import { pauseGate } from "./pause-gate.ts";

function post(query: string): HttpRequest {
  return {
    method: "POST",
    isHead: false,
    target: `/?${query}`,
    path: "/",
    query,
    version: 11,
    body: new Uint8Array(),
    remoteAddress: "127.0.0.2",
    connectionId: 1,
    header: () => undefined,
  };
}

test("paused: motors and claims are 423; saving a program, the line and the leader are not commands", () => {
  const sessions = new SessionManager({ timeoutS: 15, now: () => 0, log: () => {} });
  const gate = pauseGate(
    () => dynamicReply(200, "", "ok"),
    sessions,
    () => "",
    () => 0,
  );
  sessions.pause("look here", 0);
  for (const q of ["motors", "claim", "led/1"]) expect(gate(post(q)).status).toBe(423);
  for (const q of ["programs", "programs?name=square", "queue", "leader", "fleet"]) expect(gate(post(q)).status).toBe(200);
  sessions.resume(0);
  expect(gate(post("motors")).status).toBe(200);
});
