/**
 * @module What HTTaP keeps per session beyond who owns the device (src/owner): the prebuilt head lines carrying
 * its id, whether the root object was served (`HTTaP_open`), and what `/?changes` has reported. Kept beside the
 * owner's session, never inside it, and forgotten with it (a WeakMap keyed by the session).
 */
import type { Session } from "../owner/session.ts";
import { JSON_TYPE_LINE, NO_CACHE_LINE } from "./protocol.ts";
import type { Resource } from "./resource.ts";

export class HttapSession {
  readonly session: Session;
  /** Prebuilt head lines (Principle 3: prepare once): the id alone, and the id with the JSON reply lines. */
  readonly idLine: string;
  readonly jsonHeadLines: string;
  hasOpenedRoot = false; // the root object was served once: HTTaP_open turns 1
  readonly #seenVersions = new Map<Resource, number>(); // per resource, the version `/?changes` last reported

  constructor(session: Session) {
    this.session = session;
    this.idLine = `HTTaP-Session: ${session.id}\r\n`;
    this.jsonHeadLines = `${this.idLine}${JSON_TYPE_LINE}${NO_CACHE_LINE}`;
  }

  /** Resources whose version moved since this session last asked, and records their versions as seen. */
  takeChanges(resources: readonly Resource[]): Resource[] {
    const changed: Resource[] = [];
    for (const r of resources) {
      if (this.#seenVersions.get(r) !== r.version) {
        changed.push(r);
        this.#seenVersions.set(r, r.version);
      }
    }
    return changed;
  }
}

/** The HTTaP side of each owner session, made on first use. */
export class HttapSessions {
  readonly #views = new WeakMap<Session, HttapSession>();

  of(session: Session): HttapSession {
    let view = this.#views.get(session);
    if (view === undefined) {
      view = new HttapSession(session);
      this.#views.set(session, view);
    }
    return view;
  }
}
