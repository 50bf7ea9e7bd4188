/**
 * @module The HTTaP domain (issue 3): every request-target starting with `/?`. Looks the target up in the
 * vocabulary table (vocabulary.ts: the core's words and those the layers above add), admits owner words and
 * resources into the one session (src/owner, shared with every front end), and answers. Every reply is JSON (HYX
 * or a loopback echo when asked), never cached, and carries `HTTaP-Session`.
 */
import type { HttpRequest, Reply, RequestHandler } from "../http/types.ts";
import { dynamicReply } from "../http/reply.ts";
import type { SessionManager } from "../owner/session-manager.ts";
import type { ResourceRegistry } from "./resource-registry.ts";
import { CorsPolicy } from "./cors-policy.ts";
import { RootObject } from "./root-object.ts";
import { refusal } from "./httap-error.ts";
import { callResource } from "./resource-call.ts";
import { splitAddress, type Address } from "./resource-address.ts";
import { HTTAP_TYPE, JSON_TYPE_LINE, NO_CACHE_LINE, NO_SESSION_ID } from "./protocol.ts";
import { busyReply, coreWords, NO_SESSION_LINES } from "./core-words.ts";
import { HttapSessions } from "./httap-session.ts";
import { allowedMethods, takesMethod, Vocabulary, type VocabularyWord } from "./vocabulary.ts";

export interface HttapDomainOptions {
  /** Who owns the device: created by the appliance, shared with the other front ends. */
  readonly sessions: SessionManager;
  /** The session timeout in seconds (the same value as the HTTP keep-alive, DESIGN): `Timeout` in ping. */
  readonly keepAliveS: number;
  /** Whether the file server is on (off: CORS opens to "*" unless `cors` says otherwise). */
  readonly files: boolean;
  readonly loopback: boolean;
  readonly cors: null | "*" | readonly string[];
  /** Frozen here if it is not yet. */
  readonly resources: ResourceRegistry;
  /** Root object `ID`. */
  readonly id: string;
  /** Root object `Type`; default "httap". */
  readonly type?: string;
  /** Millisecond clock, the sessions' own; injectable for tests. */
  readonly now?: () => number;
  /**
   * The server's counters for `GET /?stats` (issue 11), as a JSON-ready object; absent: `/?stats` is not offered.
   * Read by anyone, without opening a session, so a dashboard or a leader's laptop can watch a busy device.
   */
  readonly stats?: () => object;
  /** Where routine failures and listener errors are reported; default: stderr. */
  readonly log?: (line: string) => void;
  /** More words from the layers above (SCPI's `/?scpi`): HTTaP knows only the table's shape, so it stays free of them. */
  readonly words?: readonly VocabularyWord[];
}

export interface HttapDomain {
  /** Answers one `/?…` request. */
  readonly handle: RequestHandler;
  /** The device's identity (root object `ID`). */
  readonly id: string;
  /** Routines called from elsewhere than HTTP (SCPI's `RESource`), with HTTaP's checks. */
  readonly resources: ResourceRegistry;
  /** The words this domain answers, core and added. */
  readonly vocabulary: Vocabulary;
  /** The CORS lines a reply to `request` carries under the configured policy (for a wrapper that answers itself). */
  corsLines(request: HttpRequest): string;
}

export function createHttapDomain(options: HttapDomainOptions): HttapDomain {
  return new HttapRouter(options);
}

class HttapRouter implements HttapDomain {
  readonly handle: RequestHandler;
  readonly id: string;
  readonly resources: ResourceRegistry;
  readonly vocabulary: Vocabulary;
  readonly #sessions: SessionManager;
  readonly #views = new HttapSessions();
  readonly #cors: CorsPolicy;
  readonly #now: () => number;
  readonly #log: (line: string) => void;

  constructor(o: HttapDomainOptions) {
    // A monotonic clock: a Pi has no real-time clock, and its wall time jumps when NTP first syncs; a backward jump
    // on Date.now() would make the owner's Remain grow past the timeout and the session outlive its owner.
    this.#now = o.now ?? (() => performance.now());
    this.#log = o.log ?? ((line) => console.error(line));
    this.#sessions = o.sessions;
    this.resources = o.resources;
    this.resources.freeze();
    this.id = o.id;
    this.#cors = new CorsPolicy(o.cors, o.files);
    const all = this.resources.all;
    const stats = o.stats ?? null;
    // the root object names the services the words offer, so it is built from the table, after it
    let root: RootObject | null = null;
    const core = coreWords({
      sessions: this.#sessions,
      views: this.#views,
      resources: this.resources,
      readable: all.filter((r) => r.get !== null),
      timeoutS: o.keepAliveS,
      hasLoopback: o.loopback,
      stats,
      get root() {
        return root!;
      },
    });
    this.vocabulary = new Vocabulary([...core, ...(o.words ?? [])]);
    for (const r of all)
      if (this.vocabulary.takes(r.name))
        throw new Error(`resource "${r.name}" is taken by the HTTaP word "${this.vocabulary.lookup(r.name)!.name}"`);
    root = new RootObject({
      id: this.id,
      type: o.type ?? HTTAP_TYPE,
      files: o.files,
      hyx: all.some((r) => r.rangeSize > 0),
      signals: all.map((r) => r.name),
      services: this.vocabulary.services,
    });
    this.handle = (request) => this.#dispatch(request);
  }

  corsLines(request: HttpRequest): string {
    return this.#cors.replyLines(request.header("origin"));
  }

  #dispatch(request: HttpRequest): Reply {
    const method = request.method;
    const origin = request.header("origin");
    const cors = this.#cors.replyLines(origin);
    const query = request.query ?? "";
    const address = splitAddress(query);
    const word = this.#wordFor(address.name, address.selectorText);
    if (method === "OPTIONS") return this.#options(request, origin, cors, word);
    if (method === "POST" && !this.#cors.allowsWrite(origin, request.header("host"))) {
      return refusal(NO_SESSION_LINES + cors, "forbidden-origin", `origin ${origin} may not write to this device (see HTTAP_CORS)`);
    }
    const now = this.#now();
    const params = address.params;
    if (word?.access === "public") {
      return takesMethod(word, method) ? word.handle({ request, now, cors, params }) : notAllowed(method, word, NO_SESSION_LINES + cors);
    }
    // a request that cannot be carried out (a method the word or resource does not take, no such resource) asks for
    // nothing: it is refused before anyone is admitted
    if (word !== undefined && !takesMethod(word, method)) return notAllowed(method, word, NO_SESSION_LINES + cors);
    if (word === undefined && !this.#canWrite(address.name, method))
      return callResource(this.resources, this.#log, request, address, null, NO_SESSION_LINES + cors, cors);
    // issue 18: looking never takes the device. The owner's reads renew its session; anyone else's read is a
    // viewer's (no session, no place in line); a write asks for the device (opens the session or joins the line).
    const isRead = method === "GET" || method === "HEAD";
    const owned = isRead ? this.#sessions.renew(request.remoteAddress, now) : null;
    if (isRead && owned === null) return this.#view(request, address, word, now, cors, params);
    const admission = owned === null ? this.#sessions.admit(request.remoteAddress, now) : null;
    if (admission?.kind === "busy") return busyReply(admission, cors);
    const session = this.#views.of(owned ?? (admission as Extract<typeof admission, { kind: "owner" }>).session);
    const lines = session.jsonHeadLines + cors;
    if (word === undefined) return callResource(this.resources, this.#log, request, address, session, lines, cors);
    return word.handle({ request, now, cors, params, session, lines });
  }

  /** Whether `method` on the resource `name` could be carried out (reads always can: a viewer may make them). */
  #canWrite(name: string, method: string): boolean {
    if (method === "GET" || method === "HEAD") return true;
    const resource = this.resources.lookup(name);
    return resource !== undefined && method === "POST" && resource.post !== null;
  }

  /** A read by someone who does not own the device: answered without a session, or refused when only the owner may. */
  #view(request: HttpRequest, address: Address, word: VocabularyWord | undefined, now: number, cors: string, params: string): Reply {
    const lines = NO_SESSION_LINES + cors;
    if (word === undefined) return callResource(this.resources, this.#log, request, address, null, lines, cors);
    if (word.access === "owner" && word.view !== undefined) return word.view({ request, now, cors, params });
    const what = word.name === "" ? "the root object" : `/?${word.name}`;
    return refusal(lines, "not-owner", `only the one using the device reads ${what}: POST /?claim first`);
  }

  /** The word a target names: an exact word takes no selector (`/?list/x` is a resource's), a prefix word any. */
  #wordFor(name: string, selectorText: string | null): VocabularyWord | undefined {
    const word = this.vocabulary.lookup(name);
    return word !== undefined && (selectorText === null || word.isPrefix === true) ? word : undefined;
  }

  #options(request: HttpRequest, origin: string | undefined, cors: string, word: VocabularyWord | undefined): Reply {
    const s = this.#sessions.current(this.#now());
    const idLine = `HTTaP-Session: ${s !== null && s.owner === request.remoteAddress ? s.id : NO_SESSION_ID}\r\n`;
    const methods = word === undefined ? undefined : `${allowedMethods(word)}, OPTIONS`;
    const lines = this.#cors.preflightLines(origin, request.header("access-control-request-method"), methods);
    if (lines === null)
      return refusal(
        `${idLine}${JSON_TYPE_LINE}${NO_CACHE_LINE}${cors}`,
        "forbidden-origin",
        `origin ${origin} is not allowed (see HTTAP_CORS)`,
      );
    return dynamicReply(204, `${idLine}${NO_CACHE_LINE}${lines}`, "");
  }
}

/** 405 naming what the word takes. */
function notAllowed(method: string, word: VocabularyWord, lines: string): Reply {
  const what = word.name === "" ? "the root object" : word.name;
  return refusal(`${lines}Allow: ${allowedMethods(word)}\r\n`, "method-not-allowed", `${method} is not allowed on ${what}`);
}
