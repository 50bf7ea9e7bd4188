/**
 * @module `/?leader` (issue 21): the workshop leader's word. `POST /?leader/login {"pin":"…"}` gives a token (an
 * HttpOnly, SameSite=Strict cookie for this device's own pages, and a JSON field that the leader's page sends to
 * other cars as `Authorization: Bearer` or as the body's `token`); `POST /?leader {"action":…}` with the token:
 * stop, pause, resume, end-turn, turn (length), name. `GET /?leader` says whether a PIN is set, whether the asker
 * is the leader, and the pause. Without a PIN every action is refused (403) with how to set one. No SCPI command reaches it.
 */
import { dynamicReply } from "../http/reply.ts";
import type { HttpRequest, Reply } from "../http/types.ts";
import { NO_SESSION_LINES } from "../httap/core-words.ts";
import { decodeJsonBody, isJsonObject } from "../httap/json-body.ts";
import type { PublicWord, WordCall } from "../httap/vocabulary.ts";
import type { SessionManager } from "../owner/session-manager.ts";
import { leaderPinMatches } from "./leader-pin.ts";
import { leaderRefusal, NO_PIN_MESSAGE } from "./leader-replies.ts";
import { LEADER_COOKIE, LEADER_TOKEN_TTL_MS, LeaderTokens, tokenOf } from "./leader-tokens.ts";
import { LoginGuard } from "./login-guard.ts";

/** What the leader's actions act on. */
export interface LeaderTarget {
  readonly sessions: SessionManager;
  /** Motors and speaker off now (and the program, once there are programs). */
  readonly stopBoard: () => void;
  /** The device's display name for the room. */
  name: string;
  /** Something the room sees changed (announced to the peers). */
  readonly changed: () => void;
}

export interface LeaderWordOptions {
  /** The PIN's salted hash; null: no PIN set. */
  readonly pinHash: string | null;
  readonly target: LeaderTarget;
  readonly log: (line: string) => void;
  /** The clock of the rate limit and the tokens (ms); default the session clock of each call. */
  readonly now?: () => number;
}

const MESSAGE_MAX = 140;
const NAME_PATTERN = /^[^\u0000-\u001f\u007f]{1,24}$/;

export function leaderWord(o: LeaderWordOptions): PublicWord {
  const tokens = new LeaderTokens();
  const guard = new LoginGuard();
  const t = o.target;
  const clock = (call: WordCall) => o.now?.() ?? call.now;

  const status = (call: WordCall): Reply => {
    const isLeader = o.pinHash !== null && tokens.isValid(tokenFrom(call.request), clock(call));
    const p = t.sessions.paused;
    const body = {
      configured: o.pinHash !== null,
      leader: isLeader,
      paused: p === null ? null : { message: p.message },
      turnS: t.sessions.turnS,
      name: t.name,
    };
    return dynamicReply(200, NO_SESSION_LINES + call.cors, JSON.stringify(body));
  };

  const login = (call: WordCall): Reply => {
    const host = call.request.remoteAddress;
    if (o.pinHash === null) return leaderRefusal("no-leader-pin", NO_PIN_MESSAGE, call.cors);
    const now = clock(call);
    const check = guard.check(host, now);
    if (!check.allowed) {
      o.log(`leader: login refused for ${host}: too many wrong PINs, locked out for ${check.retryS} s more`);
      const message = `too many wrong PINs from this address: try again in ${check.retryS} s`;
      return leaderRefusal("login-locked", message, call.cors, `Retry-After: ${check.retryS}\r\n`, { retryS: check.retryS });
    }
    const body = decodeJsonBody(call.request.body);
    const pin = body.ok && isJsonObject(body.value) && typeof body.value.pin === "string" ? body.value.pin : "";
    if (!leaderPinMatches(pin, o.pinHash)) {
      const locked = guard.failed(host, now);
      o.log(`leader: wrong PIN from ${host}${locked ? "; locked out" : ""}`);
      return leaderRefusal("wrong-pin", "wrong PIN", call.cors);
    }
    guard.succeeded(host);
    const token = tokens.issue(now);
    const maxAgeS = LEADER_TOKEN_TTL_MS / 1000;
    o.log(`leader: logged in from ${host}`);
    const cookie = `Set-Cookie: ${LEADER_COOKIE}=${token}; Max-Age=${maxAgeS}; Path=/; HttpOnly; SameSite=Strict\r\n`;
    return dynamicReply(200, NO_SESSION_LINES + call.cors + cookie, JSON.stringify({ token, expiresS: maxAgeS }));
  };

  const act = (call: WordCall): Reply => {
    if (o.pinHash === null) return leaderRefusal("no-leader-pin", NO_PIN_MESSAGE, call.cors);
    const body = decodeJsonBody(call.request.body);
    const v = body.ok && isJsonObject(body.value) ? body.value : {};
    // the token in the body too: the leader's page sends STOP ALL as a simple request (text/plain, no Authorization),
    // which a browser sends at once, with no CORS preflight to wait for or to have expired
    const bodyToken = typeof v.token === "string" && /^[0-9a-f]{32}$/.test(v.token) ? v.token : null;
    if (!tokens.isValid(tokenFrom(call.request) ?? bodyToken, clock(call))) {
      return leaderRefusal("leader-token", "the leader's token is missing, unknown or expired: POST /?leader/login", call.cors);
    }
    const message = typeof v.message === "string" && v.message.trim() !== "" ? v.message.trim().slice(0, MESSAGE_MAX) : null;
    switch (v.action) {
      case "stop":
        // paused first, then stopped: it stays stopped until resumed (a driver's re-send cannot restart it), and the
        // pause holds even when quieting the board throws (the engine failed)
        t.sessions.pause(message ?? "the car was stopped");
        t.stopBoard();
        break;
      case "pause":
        t.sessions.pause(message ?? "");
        t.stopBoard();
        break;
      case "resume":
        t.sessions.resume();
        break;
      case "end-turn":
        t.sessions.end("turn-over");
        break;
      case "turn": {
        const s = v.turnS;
        if (typeof s !== "number" || !Number.isInteger(s) || (s !== 0 && (s < 10 || s > 3600))) {
          return leaderRefusal("bad-value", "turnS must be 0 (no limit) or 10 to 3600 seconds", call.cors);
        }
        t.sessions.setTurnS(s);
        break;
      }
      case "name":
        if (typeof v.name !== "string" || !NAME_PATTERN.test(v.name.trim())) {
          return leaderRefusal("bad-value", "name must be 1-24 characters, no control characters", call.cors);
        }
        t.name = v.name.trim();
        break;
      default:
        return leaderRefusal("bad-value", 'action must be one of "stop", "pause", "resume", "end-turn", "turn", "name"', call.cors);
    }
    o.log(`leader: ${String(v.action)} from ${call.request.remoteAddress}`);
    t.changed();
    return status(call);
  };

  return {
    name: "leader",
    access: "public",
    methods: ["GET", "POST"],
    isPrefix: true,
    service: "Leader",
    handle: (call) => {
      const rest = (call.request.query ?? "").slice("leader".length).split("?", 1)[0];
      if (rest === "/login" && call.request.method === "POST") return login(call);
      if (rest !== "") return leaderRefusal("bad-value", "the leader's words are /?leader and /?leader/login", call.cors);
      return call.request.method === "POST" ? act(call) : status(call);
    },
  };
}

function tokenFrom(r: HttpRequest): string | null {
  return tokenOf(r.header("authorization"), r.header("cookie"));
}
