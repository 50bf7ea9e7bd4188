/**
 * @module While the leader pauses the device (issue 21), device commands over HTTaP answer 423 with the leader's
 * message, before anyone is admitted: nobody drives, nobody joins the line, and the owner keeps its session for the
 * resume. What is not a command still answers: reads, giving back or leaving the line, the leader's word, the
 * fleet, the loopback, the simulator's wires.
 */
import type { HttpRequest, Reply, RequestHandler } from "../http/types.ts";
import { pauseText, type SessionManager } from "../owner/session-manager.ts";
import { JSON_TYPE_LINE, NO_CACHE_LINE } from "../httap/protocol.ts";
import { leaderRefusal } from "./leader-replies.ts";

/**
 * Writes that are not device commands: the public words that never drive the board (the line, the leader, the
 * fleet, saved programs: the Code page saves one while paused), the loopback, the simulator's wires. `claim` and
 * the resources drive it.
 */
const NOT_COMMANDS = new Set(["queue", "invalid", "leader", "loopback", "sim", "fleet", "programs"]);

export function pauseGate(
  httap: RequestHandler,
  sessions: SessionManager,
  corsOf: (request: HttpRequest) => string,
  now: () => number,
): RequestHandler {
  return (request: HttpRequest): Reply => {
    const pause = sessions.paused;
    if (pause === null || request.method !== "POST") return httap(request);
    const word = (request.query ?? "").split(/[/?]/, 1)[0];
    if (NOT_COMMANDS.has(word)) return httap(request);
    // the driver's command keeps its session (its id in the reply: the page knows its turn goes on after the pause)
    const owner = sessions.renew(request.remoteAddress, now());
    const lines = owner === null ? undefined : `HTTaP-Session: ${owner.id}\r\n${JSON_TYPE_LINE}${NO_CACHE_LINE}`;
    return leaderRefusal("paused", pauseText(pause), corsOf(request), "", { paused: { message: pause.message } }, lines);
  };
}
