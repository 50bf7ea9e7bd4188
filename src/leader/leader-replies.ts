/**
 * @module The leader's refusals (issue 21), a closed set with one status each, in HTTaP's JSON error shape.
 */
import { dynamicReply } from "../http/reply.ts";
import type { Reply } from "../http/types.ts";
import { NO_SESSION_LINES } from "../httap/core-words.ts";

export type LeaderRefusal =
  | "no-leader-pin" // no PIN configured: never open to all (403)
  | "leader-token" // no token, a forged or an expired one (401)
  | "wrong-pin" // 401, logged with the host
  | "login-locked" // too many wrong PINs: back-off (429 + Retry-After)
  | "bad-value" // an action or value the leader cannot ask for (400)
  | "paused"; // a device command while the leader pauses the device (423)

const STATUS: Readonly<Record<LeaderRefusal, number>> = {
  "no-leader-pin": 403,
  "leader-token": 401,
  "wrong-pin": 401,
  "login-locked": 429,
  "bad-value": 400,
  paused: 423,
};

export const NO_PIN_MESSAGE =
  "no leader PIN is set on this device: set HTTAP_LEADER_PIN (4-12 digits; flag --leader-pin) and restart, " +
  "or write it into an image with npm run image -- --leader-pin";

/** `sessionLines`: the `HTTaP-Session`, type and no-cache lines (the owner's own id when it asked). */
export function leaderRefusal(
  code: LeaderRefusal,
  message: string,
  cors: string,
  extraLines = "",
  details: object = {},
  sessionLines = NO_SESSION_LINES,
): Reply {
  return dynamicReply(STATUS[code], sessionLines + cors + extraLines, JSON.stringify({ error: code, message, ...details }));
}
