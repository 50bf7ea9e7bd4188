/**
 * @module Directory mode's compression in a child process (issue 22). Compressing loads node:zlib's brotli: ~8 MiB
 * of runtime code and buffers that would stay resident for the server's whole life, although they run once, at
 * start (measured, compiled x64: idle 49.7 MiB with HTTAP_STATICPATH against 41.5 with the embedded pages). So the
 * compiled binary runs itself as `httap --pack-static <dir>`: that child reads, compresses and lays out the directory
 * with the same functions, writes the cache image (`cache-image.ts`) to stdout and exits; the server keeps only the
 * image. Where the child cannot run (an arm64 binary under qemu-user without binfmt_misc cannot exec itself), the
 * server packs the directory in its own process, as it does when run from source.
 */
import { ConfigError } from "../config.ts";
import type { AssetSource, Warn } from "./asset-source.ts";
import { encodeCacheImage } from "./cache-image.ts";
import { DirectorySource } from "./directory-source.ts";
import { packStaticCache } from "./static-cache.ts";

/** The child's command-line flag; the directory follows it. */
export const PACK_STATIC_FLAG = "--pack-static";
/** How the child marks the one stderr line that is its configuration error (the other lines are warnings). */
const ERROR_PREFIX = "error: ";

/** `directory` as a source whose image a child packs (compiled binary only: from source there is no such child). */
export function packedInChild(directory: string, warn: Warn): AssetSource {
  const source = new DirectorySource(directory, warn);
  return {
    kind: source.kind,
    description: source.description,
    readFiles: () => source.readFiles(), // only when no child could pack it
    readImage: () => packInChild(directory, warn),
  };
}

/**
 * The image of `directory`, packed by a child made of this executable, or `null` when no child could do it (then
 * pack here). Its warnings reach `warn`; a directory that cannot be served throws `ConfigError`, as packing here does.
 */
export async function packInChild(directory: string, warn: Warn): Promise<Uint8Array | null> {
  let child: ReturnType<typeof Bun.spawn<"ignore", "pipe", "pipe">>;
  try {
    child = Bun.spawn([process.execPath, PACK_STATIC_FLAG, directory], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch {
    return null; // this executable cannot start itself here
  }
  const [image, errors, code] = await Promise.all([child.stdout.bytes(), child.stderr.text(), child.exited]);
  const lines = errors.split("\n").filter((line) => line !== "");
  const failure = lines.find((line) => line.startsWith(ERROR_PREFIX));
  if (code !== 0 && failure === undefined) {
    // a child that crashed or could not run its code (an emulator whose binfmt entry lacks the arm64 libraries)
    warn(`static files: the packing child failed (exit ${code}${lines.length > 0 ? `: ${lines.at(-1)}` : ""}); packing here instead`);
    return null;
  }
  for (const line of lines) if (line !== failure) warn(line);
  if (failure !== undefined) throw new ConfigError(failure.slice(ERROR_PREFIX.length));
  return image;
}

/** The child's side (`httap --pack-static <dir>`): the image to stdout; exit status 0, or 2 for a bad directory. */
export async function packStaticToStdout(directory: string | undefined): Promise<number> {
  try {
    if (directory === undefined) throw new ConfigError(`${PACK_STATIC_FLAG} needs a directory`);
    const files = await new DirectorySource(directory, (line) => console.error(line)).readFiles();
    await Bun.write(Bun.stdout, encodeCacheImage(packStaticCache(files)));
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${ERROR_PREFIX}${error.message}`);
    return 2;
  }
}
