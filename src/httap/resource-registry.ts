/**
 * @module The resource table (STYLE rule 13): resources are added during start-up, then `freeze()` builds the
 * lookup `Map` and the prebuilt `/?list` body; adding afterwards throws. `/?list`, `/?changes` and the root
 * object's `Signals` all come from this one table.
 */
import type { Resource } from "./resource.ts";

export class ResourceRegistry {
  readonly #byName = new Map<string, Resource>(); // exact name → resource; never a plain object keyed by request text
  #sorted: readonly Resource[] = []; // by name, set by freeze()
  #listBody = ""; // `/?list` JSON, set by freeze()
  #isFrozen = false;

  add(resource: Resource): this {
    if (this.#isFrozen) throw new Error(`cannot add resource "${resource.name}": resources are frozen once the server starts`);
    if (this.#byName.has(resource.name)) throw new Error(`resource "${resource.name}" is registered twice`);
    this.#byName.set(resource.name, resource);
    return this;
  }

  /** Ends registration and prepares everything the requests will read. Idempotent. */
  freeze(): void {
    if (this.#isFrozen) return;
    this.#isFrozen = true;
    this.#sorted = Object.freeze([...this.#byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));
    this.#listBody = JSON.stringify({ resources: this.#hierarchy() });
  }

  get isFrozen(): boolean {
    return this.#isFrozen;
  }

  lookup(name: string): Resource | undefined {
    return this.#byName.get(name);
  }

  /** Every resource, sorted by name (after freeze). */
  get all(): readonly Resource[] {
    return this.#sorted;
  }

  /** The `/?list` body. */
  get listBody(): string {
    return this.#listBody;
  }

  /**
   * Resources sorted by name, with a `group` entry for each dotted prefix that is not itself a resource
   * ("IO" and "IO.SPI" for "IO.SPI.1"), so a client can draw the tree without guessing.
   */
  #hierarchy(): Record<string, unknown>[] {
    const entries = new Map<string, Record<string, unknown>>();
    for (const r of this.#sorted) {
      const parts = r.name.split(".");
      for (let i = 1; i < parts.length; i++) {
        const group = parts.slice(0, i).join(".");
        if (!this.#byName.has(group) && !entries.has(group))
          entries.set(group, { name: group, kind: "group", readable: false, writable: false });
      }
      entries.set(r.name, r.describe());
    }
    return [...entries.values()].sort((a, b) => ((a.name as string) < (b.name as string) ? -1 : 1));
  }
}
