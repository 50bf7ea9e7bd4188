/**
 * @module The core's vocabulary (issue 3; one table since issue 17): the root object, ping, list, changes,
 * loopback, invalid, and the open figures `stats` and `queue`. Each entry is data plus its handler; the router
 * knows none of them by name.
 */
import { dynamicReply } from "../http/reply.ts";
import type { Reply } from "../http/types.ts";
import type { SessionManager } from "../owner/session-manager.ts";
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
    },
    {
      // the hot path the benchmark measures
      name: "ping",
      access: "owner",
      methods: ["GET"],
      isPrefix: true,
      handle: ({ session, lines, now }) =>
        dynamicReply(200, lines, `{"Remain":${c.sessions.remainS(session.session, now)},"Timeout":${c.timeoutS}}`),
    },
    { name: "list", access: "owner", methods: ["GET"], handle: ({ lines }) => dynamicReply(200, lines, c.resources.listBody) },
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
        if (s !== null && s.owner !== host) return busyReply(s.owner, c.sessions.remainS(s, now), cors);
        if (s !== null) c.sessions.end("invalid");
        return refusal(NO_SESSION_LINES + cors, "invalid", s !== null ? `session ${s.id} ended` : "no session was open");
      },
    },
    {
      // issue 8: anyone may read it without joining the line or opening a session; no addresses but the owner's
      name: "queue",
      access: "public",
      methods: ["GET"],
      handle: ({ request, now, cors }) =>
        dynamicReply(200, NO_SESSION_LINES + cors, JSON.stringify(c.sessions.queue(request.remoteAddress, now))),
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

/** 503 with the owner, the expected wait (also Retry-After) and, when the host waits in line, its place. */
export function busyReply(owner: string, remainS: number, cors: string, place = 0): Reply {
  const inLine = place > 0 ? `,"place":${place}` : "";
  return dynamicReply(
    503,
    `${NO_SESSION_LINES}Retry-After: ${remainS}\r\n${cors}`,
    `{"error":"busy","owner":${JSON.stringify(owner)},"Remain":${remainS}${inLine}}`,
  );
}
