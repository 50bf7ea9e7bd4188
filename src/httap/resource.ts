/**
 * @module One application resource (`/?NAME`): its definition as given by the application, checked once, and a
 * version number that moves when its value changes, for `/?changes`.
 */
import type { ResourceContext, ResourceReply } from "./resource-context.ts";
import { CORE_PREFIX_WORD_NAMES, CORE_WORD_NAMES } from "./vocabulary.ts";

/**
 * A routine answering one request. Synchronous by contract: all routines run on the one thread in arrival order
 * (DESIGN principle 1), so a routine never races another one or itself and needs no lock around the hardware; a
 * routine that waited would stall every client and the real-time work, so there is nothing to await.
 */
export type ResourceRoutine = (context: ResourceContext) => ResourceReply;

export interface ResourceDefinition {
  /** Dotted hierarchy of letters, digits and "_": "REG", "IO.SPI.1". */
  readonly name: string;
  /** Shown by `/?list`; defaults to "memory" with a range, "registers" with members, else "value". */
  readonly kind?: string;
  /** Unit of the value ("V", "Hz"), shown by `/?list`. */
  readonly units?: string;
  /** One line for people reading `/?list`. */
  readonly description?: string;
  /** Named members: enables `/?NAME/a,b`; only these names are accepted there. */
  readonly members?: readonly string[];
  /** Byte addresses 0..size-1: enables `/?NAME/10-1F` (hexadecimal, inclusive) and HYX answers. */
  readonly range?: { readonly size: number };
  /** Reads (GET and HEAD). */
  readonly get?: ResourceRoutine;
  /** Writes (POST with a JSON body); a successful write counts as a change for `/?changes`. */
  readonly post?: ResourceRoutine;
}

const NAME_PATTERN = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;
const MEMBER_PATTERN = /^[A-Za-z0-9_.]+$/;
/** Largest range size: addresses are at most 8 hex digits in a request-target. */
const MAX_RANGE_SIZE = 2 ** 32;

export class Resource {
  readonly name: string;
  readonly kind: string;
  readonly units: string | null;
  readonly description: string | null;
  readonly members: ReadonlySet<string> | null; // null: no `/a,b` addressing
  readonly memberList: readonly string[]; // members in definition order, for `/?list`
  readonly rangeSize: number; // 0: no range addressing
  readonly get: ResourceRoutine | null;
  readonly post: ResourceRoutine | null;
  /** `Allow` header line for 405 replies, built once. */
  readonly allowLine: string;
  #version = 0; // bumped by changed(); sessions compare it for /?changes

  constructor(d: ResourceDefinition) {
    if (typeof d.name !== "string" || !NAME_PATTERN.test(d.name)) {
      throw new TypeError(`resource name "${d.name}" must be dotted words of letters, digits and "_" (like "IO.SPI.1")`);
    }
    if (CORE_WORD_NAMES.includes(d.name) || CORE_PREFIX_WORD_NAMES.some((p) => d.name.startsWith(p))) {
      const names = [...CORE_WORD_NAMES.filter((n) => n !== ""), ...CORE_PREFIX_WORD_NAMES.map((p) => `${p}*`)];
      throw new TypeError(`resource name "${d.name}" is taken by the HTTaP vocabulary (${names.join(", ")})`);
    }
    if (d.get === undefined && d.post === undefined) throw new TypeError(`resource "${d.name}" needs a get or a post routine`);
    for (const m of d.members ?? []) {
      if (!MEMBER_PATTERN.test(m)) throw new TypeError(`resource "${d.name}": member "${m}" must be letters, digits, "_" or "."`);
    }
    if (d.members !== undefined && new Set(d.members).size !== d.members.length)
      throw new TypeError(`resource "${d.name}" lists a member twice`);
    const size = d.range?.size ?? 0;
    if (d.range !== undefined && !(Number.isInteger(size) && size >= 1 && size <= MAX_RANGE_SIZE)) {
      throw new TypeError(`resource "${d.name}": range size must be a whole number from 1 to ${MAX_RANGE_SIZE}`);
    }
    this.name = d.name;
    this.kind = d.kind ?? (d.range ? "memory" : d.members ? "registers" : "value");
    this.units = d.units ?? null;
    this.description = d.description ?? null;
    this.memberList = Object.freeze([...(d.members ?? [])]);
    this.members = d.members ? new Set(d.members) : null;
    this.rangeSize = size;
    this.get = d.get ?? null;
    this.post = d.post ?? null;
    this.allowLine = `Allow: ${[this.get ? "GET, HEAD" : "", this.post ? "POST" : ""].filter((s) => s).join(", ")}\r\n`;
  }

  get version(): number {
    return this.#version;
  }

  /** Tells `/?changes` the value changed (call it when the hardware changes the value behind the routines' back). */
  changed(): void {
    this.#version++;
  }

  /** The `/?list` entry. */
  describe(): Record<string, unknown> {
    const entry: Record<string, unknown> = { name: this.name, kind: this.kind, readable: this.get !== null, writable: this.post !== null };
    if (this.units !== null) entry.units = this.units;
    if (this.members !== null) entry.members = this.memberList;
    if (this.rangeSize > 0) {
      entry.range = [0, this.rangeSize - 1];
      entry.hyx = true;
    }
    if (this.description !== null) entry.description = this.description;
    return entry;
  }
}

/** Checks a definition and makes the resource to register; throws a TypeError naming what is wrong. */
export function defineResource(definition: ResourceDefinition): Resource {
  return new Resource(definition);
}
