/** The leader's word (issue 21): a stop holds the device paused even when the board cannot be quieted. */
import { expect, test } from "bun:test";
import type { HttpRequest } from "../http/types.ts";
import { SessionManager } from "../owner/session-manager.ts";
import { hashLeaderPin } from "./leader-pin.ts";
import { leaderWord } from "./leader-word.ts";

function post(query: string, body: object): HttpRequest {
  return {
    method: "POST",
    isHead: false,
    target: `/?${query}`,
    path: "/",
    query,
    version: 11,
    body: new TextEncoder().encode(JSON.stringify(body)),
    remoteAddress: "127.0.0.2",
    connectionId: 1,
    header: () => undefined,
  };
}

test("stop: the pause holds even when quieting the board throws (the engine failed), so no driver's command goes through", () => {
  const sessions = new SessionManager({ timeoutS: 15, now: () => 0, log: () => {} });
  const stopBoard = () => {
    throw new Error("the real-time engine failed");
  };
  const word = leaderWord({
    pinHash: hashLeaderPin("1234"),
    target: { sessions, stopBoard, name: "car", changed: () => {} },
    log: () => {},
  });
  const call = (query: string, body: object) => word.handle({ request: post(query, body), now: 0, cors: "", params: "" });
  const login = call("leader/login", { pin: "1234" });
  const { token } = JSON.parse(login.kind === "dynamic" ? login.body.toString() : "{}");
  expect(() => call("leader", { action: "stop", token })).toThrow(/engine failed/);
  expect(sessions.paused?.message).toBe("the car was stopped");
});
