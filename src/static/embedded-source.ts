/**
 * @module The pages shipped with httap. In the compiled binary they are one embedded blob, the cache image that
 * `scripts/build.ts` made of the `assets/` folder (every response prebuilt: `cache-image.ts`), embedded with
 * `bun build --compile --asset <stage>/httap-static`. Bun names an embedded file after its folder's base name plus
 * the path inside it (found by experiment with Bun 1.4.5: `--asset assets`, `./assets`, `/abs/assets` and
 * `../x/assets` all give "assets/index.html"), so the image is "httap-static/cache.bin". Run from source, the same
 * pages are read from the `assets/` folder of the checkout instead, and compressed and laid out at start.
 */
import type { AssetFile, AssetSource, Warn } from "./asset-source.ts";
import { DirectorySource } from "./directory-source.ts";
import { nodeFs } from "../os/node-builtins.ts";

/** `true` in the compiled binary: scripts/build.ts defines it. */
declare const HTTAP_COMPILED: boolean | undefined;

/** The folder `scripts/build.ts` stages the cache image in; its base name is the image's embedded prefix. */
export const CACHE_IMAGE_FOLDER = "httap-static";
/** The image's file in that folder, and so its embedded name. */
export const CACHE_IMAGE_FILE = "cache.bin";
const CACHE_IMAGE_NAME = `${CACHE_IMAGE_FOLDER}/${CACHE_IMAGE_FILE}`;

/**
 * The checkout's `assets/` folder, two levels above this file (src/static/). A function, and no node:fs or node:url
 * import in this file, so the compiled binary, which never reads it, does not load them at start (~1 MiB VmRSS).
 */
function sourceAssetsDirectory(): string {
  // In the binary, no path of the build machine (scripts/build.ts defines HTTAP_COMPILED; see rt-engine.ts).
  return typeof HTTAP_COMPILED === "boolean" ? "(none: compiled binary)" : Bun.fileURLToPath(new URL("../../assets/", import.meta.url));
}

export class EmbeddedSource implements AssetSource {
  readonly kind = "embedded";
  readonly description: string;
  readonly #image: Blob | null; // the build's cache image among Bun.embeddedFiles
  readonly #warn: Warn; // told about skipped files

  /** `embedded` defaults to `Bun.embeddedFiles`; tests pass their own blobs. */
  constructor(warn: Warn, embedded: readonly Blob[] = Bun.embeddedFiles) {
    this.#warn = warn;
    this.#image = embedded.find((blob) => nameOf(blob) === CACHE_IMAGE_NAME) ?? null;
    this.description =
      this.#image !== null
        ? "embedded assets"
        : Bun.isStandaloneExecutable
          ? "binary (built without embedded pages)"
          : `assets folder ${sourceAssetsDirectory()}`;
  }

  /** The files themselves, only where there is no image (run from source): the image holds every response already. */
  async readFiles(): Promise<AssetFile[]> {
    return this.#image === null ? this.#readSourceFolder() : [];
  }

  /** The build's image, copied once out of the binary; `null` run from source. */
  async readImage(): Promise<Uint8Array | null> {
    return this.#image === null ? null : this.#image.bytes();
  }

  /**
   * Not compiled (or compiled without the image): read the checkout's folder. Its absence is not the
   * operator's mistake, so it is a warning and the server still runs (HTTaP and the built-in favicon answer).
   */
  async #readSourceFolder(): Promise<AssetFile[]> {
    if (Bun.isStandaloneExecutable) {
      this.#warn("static files: this binary has no embedded pages (it was built without its cache image)");
      return [];
    }
    const directory = sourceAssetsDirectory();
    if (!nodeFs().existsSync(directory)) {
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
