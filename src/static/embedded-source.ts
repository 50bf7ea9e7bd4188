/**
 * @module The pages shipped with httap. In the compiled binary they are `Bun.embeddedFiles`, put there by
 * `bun build --compile --asset assets`: Bun names each blob after the asset folder's base name plus the path inside
 * it, whatever path was given to `--asset` (found by experiment with Bun 1.4.5: `--asset assets`, `./assets`,
 * `/abs/assets` and `../x/assets` all give "assets/index.html", "assets/img/car.svg"). Files embedded another way
 * (`import … with { type: "file" }`) have no folder ("data-1a2b3c.txt") and are not pages, so only names under
 * "assets/" are served, with that prefix removed. Their gzip and brotli variants were compressed by `scripts/build.ts`
 * and embedded from a second folder, "assets-precompressed/<tag>" (see `PrecompressedBodies`), so the binary never
 * compresses at start. Run from source, the same pages are read from the `assets/` folder of the checkout instead,
 * and compressed at start.
 */
import type { AssetFile, AssetSource, PrecompressedBodies, Warn } from "./asset-source.ts";
import { DirectorySource } from "./directory-source.ts";
import { isAllowedAssetPath } from "./static-path.ts";

/** `true` in the compiled binary: scripts/build.ts defines it. */
declare const HTTAP_COMPILED: boolean | undefined;

/** The prefix Bun gives files embedded with `--asset assets`. */
const EMBEDDED_PREFIX = "assets/";
/** The base name of the folder `scripts/build.ts` stages the precompressed bodies in, and so their embedded prefix. */
export const PRECOMPRESSED_FOLDER = "assets-precompressed";
const PRECOMPRESSED_PREFIX = `${PRECOMPRESSED_FOLDER}/`;

/**
 * The checkout's `assets/` folder, two levels above this file (src/static/). A function, and no node:fs or node:url
 * import in this file, so the compiled binary, which never reads it, does not load them at start (~1 MiB VmRSS).
 */
function sourceAssetsDirectory(): string {
  // In the binary, no path of the build machine (scripts/build.ts defines HTTAP_COMPILED; see rt-engine.ts).
  return typeof HTTAP_COMPILED === "boolean" ? "(none: compiled binary)" : Bun.fileURLToPath(new URL("../../assets/", import.meta.url));
}

/** The URL path (without "/") an embedded blob name maps to, or `null` when it is not a page asset. */
export function assetPathFromEmbeddedName(name: string): string | null {
  return name.startsWith(EMBEDDED_PREFIX) ? name.slice(EMBEDDED_PREFIX.length) : null;
}

export class EmbeddedSource implements AssetSource {
  readonly kind = "embedded";
  readonly description: string;
  readonly #blobs: readonly Blob[]; // the page assets among Bun.embeddedFiles
  readonly #precompressedBlobs: readonly Blob[]; // their compressed variants, "assets-precompressed/<tag>"
  readonly #warn: Warn; // told about skipped files

  /** `embedded` defaults to `Bun.embeddedFiles`; tests pass their own blobs. */
  constructor(warn: Warn, embedded: readonly Blob[] = Bun.embeddedFiles) {
    this.#warn = warn;
    this.#blobs = embedded.filter((blob) => assetPathFromEmbeddedName(nameOf(blob)) !== null);
    this.#precompressedBlobs = embedded.filter((blob) => nameOf(blob).startsWith(PRECOMPRESSED_PREFIX));
    this.description =
      this.#blobs.length > 0
        ? "embedded assets"
        : Bun.isStandaloneExecutable
          ? "binary (built without embedded pages)"
          : `assets folder ${sourceAssetsDirectory()}`;
  }

  async readFiles(): Promise<AssetFile[]> {
    if (this.#blobs.length === 0) return this.#readSourceFolder();
    const files: AssetFile[] = [];
    for (const blob of this.#blobs) {
      const path = assetPathFromEmbeddedName(nameOf(blob))!;
      if (!isAllowedAssetPath(path)) {
        this.#warn(`static files: skipped embedded ${nameOf(blob)}: a served name may only use 0-9 A-Z a-z / - _ . without ".."`);
        continue;
      }
      files.push({ path, bytes: await blob.bytes() });
    }
    return files;
  }

  /**
   * The bodies the build compressed, or `null` (compress at start) when there are none: run from source, or a binary
   * built without them.
   */
  async readPrecompressed(): Promise<PrecompressedBodies | null> {
    if (this.#blobs.length === 0 || this.#precompressedBlobs.length === 0) return null;
    const bodies = new Map<string, Uint8Array>();
    for (const blob of this.#precompressedBlobs) bodies.set(nameOf(blob).slice(PRECOMPRESSED_PREFIX.length), await blob.bytes());
    return bodies;
  }

  /**
   * Not compiled (or compiled without `--asset assets`): read the checkout's folder. Its absence is not the
   * operator's mistake, so it is a warning and the server still runs (HTTaP and the built-in favicon answer).
   */
  async #readSourceFolder(): Promise<AssetFile[]> {
    if (Bun.isStandaloneExecutable) {
      this.#warn("static files: this binary has no embedded pages (it was built without --asset assets)");
      return [];
    }
    const directory = sourceAssetsDirectory();
    if (!process.getBuiltinModule("node:fs").existsSync(directory)) {
      this.#warn(`static files: no pages to serve: there is no folder ${directory}`);
      return [];
    }
    return new DirectorySource(directory, this.#warn).readFiles();
  }
}

/** Bun gives embedded blobs a `name`; the DOM `Blob` type does not declare it. */
function nameOf(blob: Blob): string {
  return (blob as Blob & { name?: string }).name ?? "";
}
