/**
 * @module Build: compiles `src/main.ts` with the pages of `assets/` embedded into one executable per target,
 * `dist/httap-linux-x64` and `dist/httap-linux-arm64`. The pages go in as one cache image: every response (200 and
 * 304 heads, identity, gzip and brotli bodies) prebuilt here by the static layer's own functions, so the binary copies
 * one blob at start and never reads, hashes or compresses a page, nor loads compression code (node:zlib alone adds
 * ~8 MiB to its resident memory). No network download by Bun ever: the runtime to embed comes from
 * node_modules (x64) or from the npm registry via `npm pack`, cached under `.cache/` (arm64).
 *
 *   bun scripts/build.ts [--target x64|arm64]...      (default: both)
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DirectorySource } from "../src/static/directory-source.ts";
import { encodeCacheImage } from "../src/static/cache-image.ts";
import { CACHE_IMAGE_FILE, CACHE_IMAGE_FOLDER } from "../src/static/embedded-source.ts";
import { packStaticCache } from "../src/static/static-cache.ts";
import { EM_AARCH64, EM_X86_64, elfMachine } from "./elf.ts";

const ROOT = resolve(import.meta.dir, "..");
const ENTRY = "src/main.ts";
/** The real-time engine runs in a Worker: a second entrypoint, so the binary carries it (issue 7). */
const WORKER_ENTRY = "src/engine/engine-worker.ts";
const ASSETS = "assets";
const DIST = join(ROOT, "dist");
const CACHE = join(ROOT, ".cache");

type Target = "x64" | "arm64";

interface TargetSpec {
  /** Bun's `--target` value. */
  readonly bunTarget: string;
  /** ELF `e_machine` the embedded runtime must have (checked before use: a wrong runtime builds a binary that cannot run). */
  readonly elfMachine: number;
  /** npm package that ships this runtime as `bin/bun`. */
  readonly npmPackage: string;
}

const TARGETS: Record<Target, TargetSpec> = {
  x64: { bunTarget: "bun-linux-x64", elfMachine: EM_X86_64, npmPackage: "@oven/bun-linux-x64" },
  arm64: { bunTarget: "bun-linux-arm64", elfMachine: EM_AARCH64, npmPackage: "@oven/bun-linux-aarch64" },
};

function fail(message: string): never {
  console.error(`build: ${message}`);
  process.exit(1);
}

function parseTargets(argv: readonly string[]): Target[] {
  const chosen: Target[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = a === "--target" ? argv[++i] : a.startsWith("--target=") ? a.slice("--target=".length) : undefined;
    if (value === undefined) fail(`unknown argument "${a}" (usage: bun scripts/build.ts [--target x64|arm64])`);
    if (value !== "x64" && value !== "arm64") fail(`--target must be x64 or arm64, not "${value}"`);
    if (!chosen.includes(value)) chosen.push(value);
  }
  return chosen.length > 0 ? chosen : ["x64", "arm64"];
}

function run(cmd: string[], what: string): string {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    process.stderr.write(r.stdout);
    process.stderr.write(r.stderr);
    fail(`${what} failed (exit ${r.exitCode}): ${cmd.join(" ")}`);
  }
  return r.stdout.toString();
}

function bunVersion(): string {
  const pkg = require(join(ROOT, "node_modules/bun/package.json")) as { version: string };
  return pkg.version;
}

/** `<package.json version>+<git short hash>`, or `+dev` outside a git checkout. */
function buildVersion(): string {
  const pkg = require(join(ROOT, "package.json")) as { version: string };
  const git = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
  const hash = git.exitCode === 0 ? git.stdout.toString().trim() : "";
  return `${pkg.version}+${hash !== "" ? hash : "dev"}`;
}

/** A Bun runtime of exactly `version` for `target`, without Bun's own download (GitHub is unreachable). */
function runtimeFor(target: Target, version: string): string {
  const spec = TARGETS[target];
  const usable = (p: string) => existsSync(p) && elfMachine(p) === spec.elfMachine;
  // npm installs the host runtime; the bun package's postinstall may move it into node_modules/bun/bin/bun.exe.
  const local = [
    join(ROOT, "node_modules", spec.npmPackage, "bin/bun"),
    join(ROOT, "node_modules", `${spec.npmPackage}-baseline`, "bin/bun"),
    join(ROOT, "node_modules/bun/bin/bun.exe"),
  ];
  if (version === Bun.version) local.push(process.execPath);
  for (const p of local) if (usable(p)) return p;

  const unpacked = join(CACHE, `${spec.npmPackage.replace("@oven/", "")}-${version}`);
  const bin = join(unpacked, "package/bin/bun");
  if (usable(bin)) return bin;
  mkdirSync(CACHE, { recursive: true });
  const tgz = join(CACHE, `${spec.npmPackage.replace("@", "").replace("/", "-")}-${version}.tgz`);
  if (!existsSync(tgz)) {
    console.log(`build: fetching ${spec.npmPackage}@${version} from the npm registry into .cache/`);
    run(["npm", "pack", "--silent", `${spec.npmPackage}@${version}`, "--pack-destination", CACHE], "npm pack");
    if (!existsSync(tgz)) fail(`npm pack did not produce ${tgz}`);
  }
  rmSync(unpacked, { recursive: true, force: true });
  mkdirSync(unpacked, { recursive: true });
  run(["tar", "-xzf", tgz, "-C", unpacked], "tar");
  if (!usable(bin)) fail(`${tgz} holds no ${target} runtime at package/bin/bun`);
  chmodSync(bin, 0o755);
  return bin;
}

/**
 * Lays out every response of the pages the way the server would at start (same files, built-in favicon included, same
 * rules and settings: the static layer's own functions) and writes the cache image to
 * `<stage>/httap-static/cache.bin`, the name the binary looks it up by (`embedded-source.ts`). The stage is per
 * process, like the output file: a test run and a manual build may overlap. Returns the folder to embed.
 */
async function stageCacheImage(stage: string): Promise<string> {
  const folder = join(stage, CACHE_IMAGE_FOLDER);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  const files = await new DirectorySource(join(ROOT, ASSETS), (line) => console.warn(`build: warning: ${line}`)).readFiles();
  const packed = packStaticCache(files);
  const image = encodeCacheImage(packed);
  writeFileSync(join(folder, CACHE_IMAGE_FILE), image);
  console.log(`build: ${packed.files.length} files of ${ASSETS}/ as one cache image of ${image.length} bytes (every response prebuilt)`);
  return folder;
}

function compile(target: Target, version: string, runtime: string, imageFolder: string): string {
  const out = join(DIST, `httap-linux-${target}`);
  const tmp = `${out}.${process.pid}.tmp`; // unique: a test run and a manual build may overlap
  // Bun names embedded files after the base name of the asset folder: "httap-static/cache.bin" for the image.
  const cmd = [
    process.execPath,
    "build",
    "--compile",
    ENTRY,
    WORKER_ENTRY,
    `--target=${TARGETS[target].bunTarget}`,
    `--compile-executable-path=${runtime}`,
    "--asset",
    imageFolder,
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    // --bytecode: the JS is compiled ahead of time, so start-up parses nothing (measured: ~1 MiB less idle RSS,
    // faster exec to first response). No --smol: once the pages came as one cache image it no longer saved memory
    // (issue 22, same run: idle 41.8 vs 41.4 MiB, after load 61.4 vs 60.5, peak growth over 1024 connections 39.1 vs
    // 30.9) and cost ~7 ms of every start-up (62.6 vs 55.5 ms; its extra collections read /proc/self/statm at start).
    "--minify",
    "--keep-names",
    "--sourcemap=linked",
    "--bytecode",
    "--define",
    `HTTAP_BUILD_VERSION=${JSON.stringify(version)}`,
    "--define",
    "HTTAP_COMPILED=true", // drops every source-tree path from the bundle (src/engine/rt-engine.ts)
    `--outfile=${tmp}`,
  ];
  const started = performance.now();
  const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    process.stderr.write(r.stdout);
    process.stderr.write(r.stderr);
    rmSync(tmp, { force: true });
    rmSync(`${tmp}.map`, { force: true });
    fail(`bun build --compile for ${target} failed (exit ${r.exitCode})`);
  }
  // The source map is embedded in the executable; the side file is not needed.
  rmSync(`${tmp}.map`, { force: true });
  const leak = buildPathIn(tmp);
  if (leak !== null) {
    rmSync(tmp, { force: true });
    fail(`the ${target} executable names the build directory (${leak}): it would look for files that exist only on this machine`);
  }
  renameSync(tmp, out);
  const mib = (statSync(out).size / 1048576).toFixed(1);
  console.log(`build: dist/httap-linux-${target}  ${mib} MiB  (${Math.round(performance.now() - started)} ms)`);
  return out;
}

/**
 * The first place the executable names this checkout's path, as "offset N: …text…", or null. A binary runs on
 * machines without this tree (issue 16: its engine Worker was looked up here), so no path of it may be inside.
 */
export function buildPathIn(executable: string, root = ROOT): string | null {
  // A very short root ("/w") would match by chance inside machine code; its src/ folder's path will not.
  const needle = root.length >= 8 ? root : join(root, "src");
  const bytes = readFileSync(executable);
  const at = bytes.indexOf(needle, 0, "latin1");
  if (at < 0) return null;
  const context = bytes
    .toString("latin1", Math.max(0, at - 30), Math.min(bytes.length, at + needle.length + 50))
    .replace(/[^\x20-\x7e]/g, ".");
  return `offset ${at}: ${context}`;
}

async function main(): Promise<void> {
  const targets = parseTargets(process.argv.slice(2));
  if (!existsSync(join(ROOT, ENTRY))) fail(`${ENTRY} does not exist`);
  if (!existsSync(join(ROOT, ASSETS))) fail(`${ASSETS}/ does not exist`);
  const bun = bunVersion();
  if (bun !== Bun.version) console.warn(`build: warning: running Bun ${Bun.version}, but node_modules/bun is ${bun}`);
  const version = buildVersion();
  mkdirSync(DIST, { recursive: true });
  console.log(`build: httap ${version} with Bun ${bun}`);
  const stage = join(CACHE, `static-${process.pid}`);
  process.on("exit", () => rmSync(stage, { recursive: true, force: true })); // on fail() too
  const imageFolder = await stageCacheImage(stage);
  for (const t of targets) compile(t, version, runtimeFor(t, bun), imageFolder);
}

if (import.meta.main) await main();
