/**
 * @module The HTTaP vocabulary as one table (issue 17): every word the domain answers besides the application's
 * resources, with who may use it and how. The router dispatches from it, the reserved resource names, the 405s'
 * `Allow`, the preflight's methods and the root object's `Services` are derived from it, and the layers above add
 * their words to it (SCPI's `scpi`, the fleet's `fleet`) without editing the core. Frozen when the domain is built.
 */
import type { HttpRequest, Reply } from "../http/types.ts";
import type { HttapSession } from "./httap-session.ts";

/** GET also answers HEAD (the same head, no body: the HTTP layer drops it). */
export type WordMethod = "GET" | "POST";

/** What every word's handler gets. */
export interface WordCall {
  readonly request: HttpRequest;
  /** The session clock's time of this request (ms). */
  readonly now: number;
  /** The CORS lines every reply to this request carries. */
  readonly cors: string;
  /** What follows the word's name after a "?" (`/?loopback?name=f.txt` → "name=f.txt"), or "". */
  readonly params: string;
}

/** An owner word's handler also gets the owner's session and the head lines its replies carry. */
export interface OwnerWordCall extends WordCall {
  readonly session: HttapSession;
  /** `HTTaP-Session`, JSON type, no-cache and CORS lines. */
  readonly lines: string;
}

interface WordBase {
  /** The word after `/?`; "" is the root object. */
  readonly name: string;
  readonly methods: readonly WordMethod[];
  /** Matched as a prefix: `/?ping<anything>` is ping (the suffix defeats caches). */
  readonly isPrefix?: boolean;
  /** A name for the root object's `Services` when this word is offered ("Loopback", "Stats", "SCPI"). */
  readonly service?: string;
}

/** Anyone may use it; it opens no session, joins no line and renews nothing. */
export interface PublicWord extends WordBase {
  readonly access: "public";
  readonly handle: (call: WordCall) => Reply;
}

/**
 * For the session owner: a write is a request for the device (it opens the session when free, joins the line
 * otherwise), like a resource's; a read from anyone else is a viewer's, answered by `view` without a session (or
 * refused when the word has none): looking never takes the device (issue 18).
 */
export interface OwnerWord extends WordBase {
  readonly access: "owner";
  readonly handle: (call: OwnerWordCall) => Reply;
  /** The answer to a read by someone who does not own the device; absent: only the owner may read it. */
  readonly view?: (call: WordCall) => Reply;
}

export type VocabularyWord = PublicWord | OwnerWord;

/**
 * The names of the core's words (core-words.ts builds them; a test holds the two together), named here so that
 * `defineResource` can refuse one before any domain exists. Words added by the layers above are checked against
 * the resources when the domain is built.
 */
export const CORE_WORD_NAMES: readonly string[] = ["", "list", "changes", "loopback", "invalid", "stats", "queue", "claim"];
export const CORE_PREFIX_WORD_NAMES: readonly string[] = ["ping"];

/** A frozen table of words: exact names first, then prefixes. */
export class Vocabulary {
  readonly #exact = new Map<string, VocabularyWord>();
  readonly #prefixes: readonly VocabularyWord[];
  readonly words: readonly VocabularyWord[];

  constructor(words: readonly VocabularyWord[]) {
    this.#prefixes = Object.freeze(words.filter((w) => w.isPrefix === true));
    for (const w of words) {
      let isUnderPrefix = false;
      for (const p of this.#prefixes) isUnderPrefix ||= p !== w && w.name.startsWith(p.name);
      if (this.#exact.has(w.name) || isUnderPrefix) throw new Error(`the HTTaP word "${w.name}" is defined twice (or under a prefix word)`);
      this.#exact.set(w.name, w);
    }
    this.words = Object.freeze([...words]);
  }

  /** The word `name` (the target's first path segment, no selector) is, or undefined. */
  lookup(name: string): VocabularyWord | undefined {
    const exact = this.#exact.get(name);
    if (exact !== undefined) return exact;
    for (const w of this.#prefixes) if (name.startsWith(w.name)) return w;
    return undefined;
  }

  /** Whether a resource named `name` could ever be reached, or a word would answer instead. */
  takes(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** The root object's `Services` contributed by words. */
  get services(): string[] {
    return this.words.flatMap((w) => (w.service === undefined ? [] : [w.service]));
  }
}

/** `Allow` for a word: GET brings HEAD. */
export function allowedMethods(word: VocabularyWord): string {
  return word.methods.flatMap((m) => (m === "GET" ? ["GET", "HEAD"] : [m])).join(", ");
}

/** Whether `method` is one the word takes. */
export function takesMethod(word: VocabularyWord, method: string): boolean {
  return word.methods.includes(method === "HEAD" ? "GET" : (method as WordMethod));
}
