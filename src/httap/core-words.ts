/**
 * @module The core's vocabulary (issue 3; one table since issue 17): the root object, ping, list, changes,
 * loopback, invalid, and the open figures `stats` and `queue`. Each entry is data plus its handler; the router
 * knows none of them by name.
 */
import { dynamicReply } from "../http/reply.ts";
import type { Reply } from "../http/types.ts";
import { checkDisplayName } from "../owner/display-name.ts";
import type { Admission, SessionManager } from "../owner/session-manager.ts";
import type { HttapSessions } from "./httap-session.ts";
import { decodeJsonBody, isJsonObject } from "./json-body.ts";
import { refusal } from "./httap-error.ts";
import { loopback } from "./loopback.ts";
import { JSON_TYPE_LINE, NO_CACHE_LINE, NO_SESSION_ID } from "./protocol.ts";
import { paramValue } from "./resource-address.ts";
import type { ResourceRegistry } from "./resource-registry.ts";
import type { Resource } from "./resource.ts";
import type { RootObject } from "./root-object.ts";
import type { VocabularyWord } from "./vocabulary.ts";

/** Head lines of a reply given outside any session. */
export const NO_SESSION_LINES = `HTTaP-Session: ${NO_SESSION_ID}\r\n${JSON_TYPE_LINE}${NO_CACHE_LINE}`;

export interface CoreWordsContext {
  readonly sessions: SessionManager;
  /** HTTaP's side of each session (the claim answers with its id). */
  readonly views: HttapSessions;
  readonly resources: ResourceRegistry;
  /** The readable resources: what `/?changes` reports. */
  readonly readable: readonly Resource[];
  readonly root: RootObject;
  readonly timeoutS: number;
  readonly hasLoopback: boolean;
  /** The server's counters for `/?stats`; null: not offered. */
  readonly stats: (() => object) | null;
}

export function coreWords(c: CoreWordsContext): VocabularyWord[] {
  const words: VocabularyWord[] = [
    {
      name: "",
      access: "owner",
      methods: ["GET"],
      handle: ({ session, lines }) => {
        const body = c.root.body(session.hasOpenedRoot);
        session.hasOpenedRoot = true;
        return dynamicReply(200, lines, body);
      },
      view: ({ cors }) => dynamicReply(200, NO_SESSION_LINES + cors, c.root.body(false)),
    },
    {
      // the hot path the benchmark measures
      name: "ping",
      access: "owner",
      methods: ["GET"],
      isPrefix: true,
      handle: ({ session, lines, now }) =>
        dynamicReply(200, lines, `{"Remain":${c.sessions.remainS(session.session, now)},"Timeout":${c.timeoutS}}`),
      // someone who does not own the device has no session to keep alive: Remain 0, and nothing opened or joined
      view: ({ cors }) => dynamicReply(200, NO_SESSION_LINES + cors, `{"Remain":0,"Timeout":${c.timeoutS}}`),
    },
    {
      name: "list",
      access: "owner",
      methods: ["GET"],
      handle: ({ lines }) => dynamicReply(200, lines, c.resources.listBody),
      view: ({ cors }) => dynamicReply(200, NO_SESSION_LINES + cors, c.resources.listBody),
    },
    {
      // issue 18: asking to drive is explicit (opening a page takes nothing): the device now, or a place in line
      // kept while the page keeps asking; the body may give a display name for the room
      name: "claim",
      access: "public",
      methods: ["POST"],
      handle: ({ request, now, cors }) => {
        const body = request.body.length === 0 ? { ok: true as const, value: {} } : decodeJsonBody(request.body);
        if (!body.ok) return refusal(NO_SESSION_LINES + cors, "bad-json", `the claim's body is not JSON: ${body.reason}`);
        if (!isJsonObject(body.value))
          return refusal(NO_SESSION_LINES + cors, "bad-value", 'the body must be an object: {"name":"Zoé"} or {}');
        let name: string | null = null;
        if (body.value.name !== undefined) {
          const checked = checkDisplayName(body.value.name);
          if (!checked.ok) return refusal(NO_SESSION_LINES + cors, "bad-value", checked.why);
          name = checked.name;
        }
        const app = body.value.app;
        if (app !== undefined && (typeof app !== "string" || !/^[a-z][a-z0-9-]{0,15}$/.test(app)))
          return refusal(NO_SESSION_LINES + cors, "bad-value", 'app must name the page, 1-16 of a-z 0-9 "-": {"app":"code"}');
        const admission = c.sessions.admit(request.remoteAddress, now, name, app ?? null);
        if (admission.kind === "busy") return busyReply(admission, cors);
        const view = c.views.of(admission.session);
        return dynamicReply(
          200,
          view.jsonHeadLines + cors,
          `{"Remain":${c.sessions.remainS(admission.session, now)},"Timeout":${c.timeoutS}}`,
        );
      },
    },
    {
      name: "changes",
      access: "owner",
      methods: ["GET"],
      handle: ({ session, lines }) =>
        dynamicReply(200, lines, JSON.stringify({ changes: session.takeChanges(c.readable).map((r) => r.name) })),
    },
    {
      // `/?invalid`: never decoded, always an error; from the owner it ends the session at once (DESIGN), from a
      // host waiting in line it gives up its place (a page closed while waiting)
      name: "invalid",
      access: "public",
      methods: ["GET", "POST"],
      handle: ({ request, now, cors }) => {
        const host = request.remoteAddress;
        if (c.sessions.leaveLine(host, now)) return refusal(NO_SESSION_LINES + cors, "invalid", "you left the line");
        const s = c.sessions.current(now);
        if (s !== null && s.owner !== host) return refusal(NO_SESSION_LINES + cors, "invalid", "the device is not yours to give back");
        if (s !== null) c.sessions.end("invalid");
        return refusal(NO_SESSION_LINES + cors, "invalid", s !== null ? `session ${s.id} ended` : "no session was open");
      },
    },
    {
      // issue 8: anyone may read it without joining the line or opening a session; names, never addresses (issue
      // 18). POST {"away":true}: a waiting page is hidden and keeps its place for the grace time; POST
      // {"leave":true}: give the device back, or leave the line (a page's button; 200, unlike /?invalid).
      name: "queue",
      access: "public",
      methods: ["GET", "POST"],
      handle: ({ request, now, cors }) => {
        const host = request.remoteAddress;
        if (request.method === "POST") {
          const body = decodeJsonBody(request.body);
          const value = body.ok && isJsonObject(body.value) && Object.keys(body.value).length === 1 ? body.value : {};
          if (value.away === true) c.sessions.away(host, now);
          else if (value.leave === true) c.sessions.leave(host, now);
          else return refusal(NO_SESSION_LINES + cors, "bad-value", 'the body must be {"away":true} or {"leave":true}');
        }
        return dynamicReply(200, NO_SESSION_LINES + cors, JSON.stringify(c.sessions.queue(host, now)));
      },
    },
  ];
  if (c.hasLoopback) {
    words.push({
      name: "loopback",
      access: "owner",
      methods: ["POST"],
      service: "Loopback",
      handle: ({ request, session, lines, cors, params }) => {
        const name = params === "" ? null : paramValue(params, "name");
        if (params !== "" && name === null) return refusal(lines, "bad-filename", `loopback takes ?name=file.ext, got "?${params}"`);
        const echo = loopback(request.body, request.header("content-type"), name);
        if (!echo.ok) return refusal(lines, "bad-filename", echo.message);
        return dynamicReply(200, `${session.idLine}${NO_CACHE_LINE}${echo.headerLines}${cors}`, echo.body);
      },
    });
  }
  const stats = c.stats;
  if (stats !== null) {
    // issue 11: anyone may read it, and reading it neither opens nor renews a session
    words.push({
      name: "stats",
      access: "public",
      methods: ["GET"],
      service: "Stats",
      handle: ({ cors }) => dynamicReply(200, NO_SESSION_LINES + cors, JSON.stringify(stats())),
    });
  }
  return words;
}

/**
 * 503 for a host that asked for the device while someone else holds it: who (a display name or null), whether the
 * device is only held for the next in line, the driver's real turn time left (null without a limit), this host's
 * place and how many wait. Retry-After (and `Remain`, for older clients) is when to ask again to keep the place.
 */
export function busyReply(a: Extract<Admission, { kind: "busy" }>, cors: string): Reply {
  return dynamicReply(
    503,
    `${NO_SESSION_LINES}Retry-After: ${a.retryS}\r\n${cors}`,
    JSON.stringify({
      error: "busy",
      message: a.owned ? `${a.owner ?? "someone"} is using the device` : "the device is held for the next in line",
      owner: a.owner,
      owned: a.owned,
      reserved: a.reserved,
      turnLeftS: a.turnLeftS,
      place: a.place,
      waiting: a.waiting,
      Remain: a.retryS,
    }),
  );
}
