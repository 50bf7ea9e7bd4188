/**
 * @module The HTTaP domain (issue 3): every request-target starting with `/?`. Admits the request into the one
 * session, then answers the vocabulary (root, ping, list, changes, loopback, invalid) or an application resource.
 * Every reply is JSON (HYX or a loopback echo when asked), never cached, and carries `HTTaP-Session`.
 */
import { hostname } from "node:os";
import type { HttpRequest, Reply, RequestHandler } from "../http/types.ts";
import { dynamicReply } from "../http/reply.ts";
import { SessionManager } from "./session-manager.ts";
import type { Session } from "./session.ts";
import type { ResourceRegistry } from "./resource-registry.ts";
import type { Resource } from "./resource.ts";
import { CorsPolicy } from "./cors-policy.ts";
import { RootObject } from "./root-object.ts";
import { refusal } from "./httap-error.ts";
import { loopback } from "./loopback.ts";
import { callResource } from "./resource-call.ts";
import { splitAddress, paramValue } from "./resource-address.ts";
import { HTTAP_TYPE, JSON_TYPE_LINE, NO_CACHE_LINE, NO_SESSION_ID } from "./protocol.ts";

export interface HttapDomainOptions {
  /** Session timeout in seconds: the same value as the HTTP keep-alive (DESIGN). */
  readonly keepAliveS: number;
  /** Whether the file server is on (off: CORS opens to "*" unless `cors` says otherwise). */
  readonly files: boolean;
  readonly loopback: boolean;
  readonly cors: null | "*" | readonly string[];
  /** Frozen here if it is not yet. */
  readonly resources: ResourceRegistry;
  /** Root object `ID`; default: the host name. */
  readonly id?: string;
  /** Root object `Type`; default "httap". */
  readonly type?: string;
  /** Millisecond clock, injectable for tests. */
  readonly now?: () => number;
  /** A turn's length in seconds while others wait in line (HTTAP_TURN_S); 0 or absent: no limit. */
  readonly turnS?: number;
  /**
   * The server's counters for `GET /?stats` (issue 11), as a JSON-ready object; absent: `/?stats` is not offered.
   * Read by anyone, without opening a session, so a dashboard or a leader's laptop can watch a busy device.
   */
  readonly stats?: () => object;
  /** Where routine failures and listener errors are reported; default: stderr. */
  readonly log?: (line: string) => void;
  /**
   * More vocabulary from the layers above (the SCPI front end's `/?scpi`), answered as the session owner. HTTaP
   * knows only the name and the handler, so it stays free of them.
   */
  readonly words?: ReadonlyMap<string, WordHandler>;
  /** More names for the root object's `Services` ("SCPI"). */
  readonly services?: readonly string[];
}

/** One extra vocabulary word: the request, the owner's session, and the CORS lines its reply must carry. */
export type WordHandler = (request: HttpRequest, session: Session, cors: string) => Reply;

export interface HttapDomain {
  /** Answers one `/?…` request. */
  readonly handle: RequestHandler;
  readonly sessions: SessionManager;
  /** The device's identity (root object `ID`). */
  readonly id: string;
  /** Routines called from elsewhere than HTTP (SCPI's `RESource`), with HTTaP's checks. */
  readonly resources: ResourceRegistry;
  /** Stops the session timer and ends the session (its "end" listeners run). */
  stop(): void;
}

export function createHttapDomain(options: HttapDomainOptions): HttapDomain {
  return new HttapRouter(options);
}

const NO_SESSION_LINES = `HTTaP-Session: ${NO_SESSION_ID}\r\n${JSON_TYPE_LINE}${NO_CACHE_LINE}`;
const GET_ONLY_LINE = "Allow: GET, HEAD\r\n";
const POST_ONLY_LINE = "Allow: POST\r\n";

class HttapRouter implements HttapDomain {
  readonly sessions: SessionManager;
  readonly handle: RequestHandler;
  readonly id: string;
  readonly resources: ResourceRegistry;
  readonly #words: ReadonlyMap<string, WordHandler>;
  readonly #resources: ResourceRegistry;
  readonly #cors: CorsPolicy;
  readonly #root: RootObject;
  readonly #now: () => number;
  readonly #log: (line: string) => void;
  readonly #hasLoopback: boolean;
  readonly #timeoutS: number;
  readonly #readable: readonly Resource[];     // resources a client can read: the ones `/?changes` reports
  readonly #stats: (() => object) | null;      // the server's counters, for /?stats

  constructor(o: HttapDomainOptions) {
    // A monotonic clock: a Pi has no real-time clock, and its wall time jumps when NTP first syncs; a backward jump
    // on Date.now() would make the owner's Remain grow past the timeout and the session outlive its owner.
    this.#now = o.now ?? (() => performance.now());
    this.#log = o.log ?? ((line) => console.error(line));
    this.#timeoutS = o.keepAliveS;
    this.#hasLoopback = o.loopback;
    this.#resources = o.resources;
    this.resources = o.resources;
    this.#resources.freeze();
    this.#words = o.words ?? new Map();
    this.id = o.id ?? hostname();
    this.#cors = new CorsPolicy(o.cors, o.files);
    this.#stats = o.stats ?? null;
    const all = this.#resources.all;
    this.#readable = all.filter((r) => r.get !== null);
    this.#root = new RootObject({
      id: this.id, type: o.type ?? HTTAP_TYPE, files: o.files, loopback: o.loopback,
      hyx: all.some((r) => r.rangeSize > 0), stats: this.#stats !== null, signals: all.map((r) => r.name), services: o.services ?? [],
    });
    this.sessions = new SessionManager({ timeoutS: o.keepAliveS, turnS: o.turnS ?? 0, now: this.#now, log: this.#log });
    this.sessions.startSweeping();
    this.handle = (request) => this.#dispatch(request);
  }

  stop(): void {
    this.sessions.stop();
  }

  #dispatch(request: HttpRequest): Reply {
    const method = request.method;
    const origin = request.header("origin");
    const cors = this.#cors.replyLines(origin);
    if (method === "OPTIONS") return this.#options(request, origin, cors);
    if (method === "POST" && !this.#cors.allowsWrite(origin, request.header("host"))) {
      return refusal(NO_SESSION_LINES + cors, "forbidden-origin", `origin ${origin} may not write to this device (see HTTAP_CORS)`);
    }
    const query = request.query ?? "";
    const now = this.#now();
    if (query === "invalid" || query.startsWith("invalid?")) return this.#invalid(request.remoteAddress, now, cors);
    if (query === "stats" && this.#stats !== null) return this.#statsReply(method, cors);
    if (query === "queue") return this.#queueReply(request.remoteAddress, method, now, cors);
    const admission = this.sessions.admit(request.remoteAddress, now);
    if (admission.kind === "busy") return busy(admission.owner, admission.remainS, cors, admission.place);
    const session = admission.session;
    const lines = session.jsonHeadLines + cors;
    const isRead = method === "GET" || method === "HEAD";
    // ping first: it is the hot path the benchmark measures
    if (query.startsWith("ping")) {
      if (!isRead) return readOnly(method, "ping", lines);
      return dynamicReply(200, lines, `{"Remain":${this.sessions.remainS(session, now)},"Timeout":${this.#timeoutS}}`);
    }
    const address = splitAddress(query);
    switch (address.selectorText === null ? address.name : null) {
      case "":
        return isRead ? this.#rootObject(session, lines) : readOnly(method, "the root object", lines);
      case "list":
        return isRead ? dynamicReply(200, lines, this.#resources.listBody) : readOnly(method, "list", lines);
      case "changes":
        if (!isRead) return readOnly(method, "changes", lines);
        return dynamicReply(200, lines, JSON.stringify({ changes: session.takeChanges(this.#readable).map((r) => r.name) }));
      case "loopback":
        if (this.#hasLoopback) return this.#loopback(request, session, lines, cors, address.params);
        break;
      default: {
        const word = this.#words.get(address.name);
        if (word !== undefined && address.selectorText === null) return word(request, session, cors);
      }
    }
    return callResource(this.#resources, this.#log, request, address, session, lines, cors);
  }

  /**
   * `/?queue` (issue 8): anyone may read it without joining the line or opening a session: the owner's address,
   * seconds left in its turn, how many wait, and the asker's own place. No other addresses.
   */
  #queueReply(host: string, method: string, now: number, cors: string): Reply {
    const lines = NO_SESSION_LINES + cors;
    if (method !== "GET" && method !== "HEAD") return readOnly(method, "queue", lines);
    return dynamicReply(200, lines, JSON.stringify(this.sessions.queue(host, now)));
  }

  /** `/?stats`: anyone may read it, and reading it neither opens nor renews a session (issue 11). */
  #statsReply(method: string, cors: string): Reply {
    const lines = NO_SESSION_LINES + cors;
    if (method !== "GET" && method !== "HEAD") return readOnly(method, "stats", lines);
    return dynamicReply(200, lines, JSON.stringify(this.#stats!()));
  }

  #rootObject(session: Session, lines: string): Reply {
    const body = this.#root.body(session.hasOpenedRoot);
    session.hasOpenedRoot = true;
    return dynamicReply(200, lines, body);
  }

  /** `/?invalid`: never decoded, always an error; from the owner it ends the session at once (DESIGN). */
  #invalid(host: string, now: number, cors: string): Reply {
    // from a host waiting in line: it gives up its place (a page closed while waiting)
    if (this.sessions.leaveLine(host, now)) return refusal(NO_SESSION_LINES + cors, "invalid", "you left the line");
    const s = this.sessions.current(now);
    if (s !== null && s.owner !== host) return busy(s.owner, this.sessions.remainS(s, now), cors);
    if (s !== null) this.sessions.end("invalid");
    return refusal(NO_SESSION_LINES + cors, "invalid", s !== null ? `session ${s.id} ended` : "no session was open");
  }

  #loopback(request: HttpRequest, session: Session, lines: string, cors: string, params: string): Reply {
    if (request.method !== "POST") return refusal(lines + POST_ONLY_LINE, "method-not-allowed", `${request.method} is not allowed on loopback`);
    const name = params === "" ? null : paramValue(params, "name");
    if (params !== "" && name === null) return refusal(lines, "bad-filename", `loopback takes ?name=file.ext, got "?${params}"`);
    const echo = loopback(request.body, request.header("content-type"), name);
    if (!echo.ok) return refusal(lines, "bad-filename", echo.message);
    return dynamicReply(200, `${session.idLine}${NO_CACHE_LINE}${echo.headerLines}${cors}`, echo.body);
  }

  #options(request: HttpRequest, origin: string | undefined, cors: string): Reply {
    const s = this.sessions.current();
    const idLine = `HTTaP-Session: ${s !== null && s.owner === request.remoteAddress ? s.id : NO_SESSION_ID}\r\n`;
    const lines = this.#cors.preflightLines(origin, request.header("access-control-request-method"));
    if (lines === null) return refusal(`${idLine}${JSON_TYPE_LINE}${NO_CACHE_LINE}${cors}`, "forbidden-origin", `origin ${origin} is not allowed (see HTTAP_CORS)`);
    return dynamicReply(204, `${idLine}${NO_CACHE_LINE}${lines}`, "");
  }

}

/** 405 for anything but GET/HEAD on a read-only word of the vocabulary. */
function readOnly(method: string, what: string, lines: string): Reply {
  return refusal(lines + GET_ONLY_LINE, "method-not-allowed", `${method} is not allowed on ${what}`);
}

/** Issue 3: the exact busy shape, with Retry-After equal to Remain so a polite client retries when it is free. */
/** 503 with the owner, the expected wait (also Retry-After) and, when the host waits in line, its place. */
function busy(owner: string, remainS: number, cors: string, place = 0): Reply {
  const inLine = place > 0 ? `,"place":${place}` : "";
  return dynamicReply(503, `${NO_SESSION_LINES}Retry-After: ${remainS}\r\n${cors}`, `{"error":"busy","owner":${JSON.stringify(owner)},"Remain":${remainS}${inLine}}`);
}
