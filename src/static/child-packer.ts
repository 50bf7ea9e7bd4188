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
/** The exit status of a child that found the directory unusable (as the server's own for bad configuration). */
const BAD_DIRECTORY = 2;

/**
 * What the child says on stderr, one JSON record a line, so no file name (Linux allows a newline in one) and no
 * runtime message can pass for another kind: `{"warning":…}` for each file skipped, `{"error":…}` for why the
 * directory cannot be served. Whatever else appears there is the runtime's own (a crash) and only explains a failure.
 */
type ChildRecord = { readonly warning: string } | { readonly error: string };

function parseRecord(line: string): ChildRecord | null {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "object" || value === null) return null;
    if (typeof (value as { warning?: unknown }).warning === "string") return value as ChildRecord;
    if (typeof (value as { error?: unknown }).error === "string") return value as ChildRecord;
  } catch {}
  return null;
}

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
 *
 * Waited for with `spawnSync`: reading the child's pipes as streams kept ~1 MiB more of the runtime resident for the
 * server's whole life (issue 22: idle RSS in directory mode, HTTP only, 35.9 -> 34.8 MiB), and nothing else runs yet
 * (the server listens after its pages are ready). A stop signal meanwhile is acted on once the child is done; a
 * supervisor's reaches the child too (Ctrl-C signals the terminal's process group, systemd the unit's cgroup), and the
 * child has no handler, so it ends at once.
 */
export async function packInChild(directory: string, warn: Warn): Promise<Uint8Array | null> {
  let child: Bun.SyncSubprocess<"pipe", "pipe">;
  try {
    child = Bun.spawnSync([process.execPath, PACK_STATIC_FLAG, directory], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  } catch (error) {
    // this executable cannot start itself here (or its pipes failed): say so, since packing here keeps the compressor
    warn(`static files: cannot run the packing child (${(error as Error).message}); packing here instead`);
    return null;
  }
  const code = child.exitCode;
  const lines = child.stderr
    .toString()
    .split("\n")
    .filter((line) => line !== "");
  const records = lines.map(parseRecord);
  const failure = records.find((r) => r !== null && "error" in r);
  if (code === 0 || (code === BAD_DIRECTORY && failure !== undefined)) {
    for (const r of records) if (r !== null && "warning" in r) warn(r.warning);
    if (failure !== undefined && "error" in failure) throw new ConfigError(failure.error);
    return child.stdout;
  }
  // a child that crashed or could not run its code (an emulator whose binfmt entry lacks the arm64 libraries)
  const said = lines.filter((_, i) => records[i] === null).at(-1);
  const ended = child.signalCode ? `signal ${child.signalCode}` : `exit ${code}`;
  warn(`static files: the packing child failed (${ended}${said !== undefined ? `: ${said}` : ""}); packing here instead`);
  return null;
}

/** The child's side (`httap --pack-static <dir>`): the image to stdout; exit status 0, or 2 for a bad directory. */
export async function packStaticToStdout(directory: string | undefined): Promise<number> {
  const say = (record: ChildRecord) => console.error(JSON.stringify(record));
  try {
    if (directory === undefined) throw new ConfigError(`${PACK_STATIC_FLAG} needs a directory`);
    const files = await new DirectorySource(directory, (line) => say({ warning: line })).readFiles();
    await Bun.write(Bun.stdout, encodeCacheImage(packStaticCache(files)));
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    say({ error: error.message });
    return BAD_DIRECTORY;
  }
}
