/**
 * @module Black-box tests of the compiled executables: `dist/httap-linux-x64` natively, `dist/httap-linux-arm64`
 * under qemu-user. Each binary runs from an empty directory holding a hostile `.env` and `bunfig.toml`, which
 * it must not load; it must serve the embedded `assets/index.html` byte for byte, and its gzip and brotli variants as
 * compressed at build time. Network: 127.0.0.1 only.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { builtInFavicon } from "../src/static/favicon.ts";
import { encodeVariants } from "../src/static/file-variants.ts";
import { mimeTypeFor } from "../src/static/mime-types.ts";

const ROOT = resolve(import.meta.dir, "..");
const X64 = join(ROOT, "dist/httap-linux-x64");
const ARM64 = join(ROOT, "dist/httap-linux-arm64");
const QEMU_SYSROOT = "/usr/aarch64-linux-gnu";

const BUILD_TIMEOUT_MS = 300_000;
const NATIVE_START_TIMEOUT_MS = 10_000;
/** Bun's start-up under qemu-user emulation takes a few seconds on a loaded 2-core CI machine. */
const QEMU_START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;
const QEMU_REQUEST_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 3_000;

const packageVersion = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

/** A started binary whose stdout and stderr are drained continuously (a full pipe would block it). */
class Child {
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  stdout = "";
  stderr = "";
  #changed: (() => void) | null = null;

  constructor(cmd: string[], cwd: string, env: Record<string, string>) {
    this.proc = Bun.spawn(cmd, { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    void this.#drain(this.proc.stdout, (t) => (this.stdout += t));
    void this.#drain(this.proc.stderr, (t) => (this.stderr += t));
    void this.proc.exited.then(() => this.#changed?.());
  }

  async #drain(stream: ReadableStream<Uint8Array>, add: (text: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      add(decoder.decode(chunk, { stream: true }));
      this.#changed?.();
    }
  }

  /** Waits until stdout matches `pattern`; fails with everything the process said if it exits or time runs out. */
  async waitForStdout(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stdout.match(pattern);
      if (m) return m;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`process exited (${this.proc.exitCode ?? this.proc.signalCode}) before printing ${pattern}\n${this.describe()}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${pattern} on stdout within ${timeoutMs} ms\n${this.describe()}`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, Math.min(left, 200));
        this.#changed = () => { clearTimeout(timer); wake(); };
      });
      this.#changed = null;
    }
  }

  describe(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    const stopped = await Promise.race([this.proc.exited.then(() => true), Bun.sleep(STOP_TIMEOUT_MS).then(() => false)]);
    if (!stopped) {
      this.proc.kill("SIGKILL");
      await Promise.race([this.proc.exited, Bun.sleep(STOP_TIMEOUT_MS)]);
    }
  }
}

interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** One request over a raw TCP socket to 127.0.0.1; reads the head, then Content-Length bytes (or until close). */
async function rawGet(port: number, target: string, timeoutMs: number, extraHeaders = ""): Promise<RawResponse> {
  const chunks: Buffer[] = [];
  let settle!: (err?: Error) => void;
  const done = new Promise<void>((resolveDone, reject) => {
    settle = (err) => (err ? reject(err) : resolveDone());
  });
  const complete = (): boolean => {
    const all = Buffer.concat(chunks);
    const end = all.indexOf("\r\n\r\n");
    if (end < 0) return false;
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(all.subarray(0, end + 2).toString("latin1"));
    return m !== null && all.length >= end + 4 + Number(m[1]);
  };
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(s, data) {
        chunks.push(Buffer.from(data));
        if (complete()) { settle(); s.end(); }
      },
      close() { settle(); },
      error(_s, err) { settle(err); },
      connectError(_s, err) { settle(err); },
    },
  });
  const timer = setTimeout(() => settle(new Error(`GET ${target}: no complete response within ${timeoutMs} ms`)), timeoutMs);
  try {
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extraHeaders}Connection: close\r\n\r\n`);
    await done;
  } finally {
    clearTimeout(timer);
    socket.terminate();
  }
  const all = Buffer.concat(chunks);
  const end = all.indexOf("\r\n\r\n");
  if (end < 0) throw new Error(`GET ${target}: incomplete response head: ${JSON.stringify(all.toString("latin1").slice(0, 200))}`);
  const lines = all.subarray(0, end).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!status) throw new Error(`GET ${target}: bad status line ${JSON.stringify(lines[0])}`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = all.subarray(end + 4);
  const length = headers.get("content-length");
  if (length !== undefined) body = body.subarray(0, Number(length));
  return { status: Number(status[1]), headers, body };
}

const tempDirs: string[] = [];
const children: Child[] = [];

/** An empty working directory with a `.env` and `bunfig.toml` that would break the server if it loaded them. */
function hostileCwd(): string {
  const dir = mkdtempSync(join(tmpdir(), "httap-binary-"));
  tempDirs.push(dir);
  const dotenv = "HTTAP_TCPPORT=1\nHTTAP_KEEPALIVE=2\n";
  for (const name of [".env", ".env.local", ".env.production"]) writeFileSync(join(dir, name), dotenv);
  writeFileSync(join(dir, "bunfig.toml"), "this is [[ not toml ===\n\x00garbage\n");
  return dir;
}

/** The parent's environment without any HTTAP_* variable, plus `extra`. */
function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("HTTAP_")) env[k] = v;
  return { ...env, ...extra };
}

function start(cmd: string[], extraEnv: Record<string, string> = {}): Child {
  const child = new Child(cmd, hostileCwd(), childEnv({ HTTAP_TCPPORT: "0", ...extraEnv }));
  children.push(child);
  return child;
}

async function listeningPort(child: Child, timeoutMs: number): Promise<number> {
  const m = await child.waitForStdout(/^httap\b.* listening on port (\d+)/m, timeoutMs);
  const port = Number(m[1]);
  expect(port).toBeGreaterThan(0);
  return port;
}

/** Runs the binary to completion with a bounded time: for --version, --help and bad configuration. */
function runOnce(cmd: string[], env: Record<string, string>, timeoutMs: number) {
  const r = Bun.spawnSync(cmd, { cwd: hostileCwd(), env: childEnv(env), stdin: "ignore", stdout: "pipe", stderr: "pipe", timeout: timeoutMs, killSignal: "SIGKILL" });
  return { exitCode: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function indexHtml(): Buffer {
  const path = join(ROOT, "assets/index.html");
  if (!existsSync(path)) throw new Error("assets/index.html does not exist; the binary embeds assets/ and must serve it at /");
  return readFileSync(path);
}

beforeAll(() => {
  const r = Bun.spawnSync([process.execPath, "scripts/build.ts"], { cwd: ROOT, stdout: "pipe", stderr: "pipe", timeout: BUILD_TIMEOUT_MS });
  if (r.exitCode !== 0) throw new Error(`bun scripts/build.ts failed (exit ${r.exitCode}):\n${r.stdout}${r.stderr}`);
}, BUILD_TIMEOUT_MS + 5_000);

afterAll(async () => {
  await Promise.all(children.map((c) => c.stop()));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("dist/httap-linux-x64", () => {
  test("serves the embedded assets/index.html at / byte for byte, ignoring .env and bunfig.toml in its cwd", async () => {
    const child = start([X64]);
    const port = await listeningPort(child, NATIVE_START_TIMEOUT_MS);
    const res = await rawGet(port, "/", REQUEST_TIMEOUT_MS);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body, indexHtml())).toBe(0);
    await child.stop();
  }, NATIVE_START_TIMEOUT_MS + REQUEST_TIMEOUT_MS + STOP_TIMEOUT_MS * 2 + 5_000);

  test("answers br and gzip from the variants compressed at build time, the same bytes and tags as compressing at start", async () => {
    const child = start([X64]);
    const port = await listeningPort(child, NATIVE_START_TIMEOUT_MS);
    const cases = [
      { target: "/", path: "index.html", bytes: indexHtml() },
      { target: "/favicon.ico", path: "favicon.ico", bytes: Buffer.from(builtInFavicon()) }, // assets/ has none
    ];
    for (const { target, path, bytes } of cases) {
      const atStart = encodeVariants(bytes, mimeTypeFor(path), null);
      for (const coding of ["br", "gzip"] as const) {
        const res = await rawGet(port, target, REQUEST_TIMEOUT_MS, `Accept-Encoding: ${coding}\r\n`);
        expect([target, res.status, res.headers.get("content-encoding")]).toEqual([target, 200, coding]);
        const decoded = coding === "br" ? brotliDecompressSync(res.body) : gunzipSync(res.body);
        expect(Buffer.compare(decoded, bytes)).toBe(0);
        const expected = atStart.find((v) => v.coding === coding)!;
        expect(res.headers.get("etag")).toBe(expected.etag);
        expect(Buffer.compare(res.body, expected.body)).toBe(0);
      }
    }
    await child.stop();
  }, NATIVE_START_TIMEOUT_MS + REQUEST_TIMEOUT_MS * 4 + STOP_TIMEOUT_MS * 2 + 5_000);

  test("--version prints the package version with a build suffix and exits 0", () => {
    const r = runOnce([X64, "--version"], {}, NATIVE_START_TIMEOUT_MS);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`${packageVersion}+`);
  }, NATIVE_START_TIMEOUT_MS + 5_000);

  test("--help exits 0 and documents HTTAP_TCPPORT", () => {
    const r = runOnce([X64, "--help"], {}, NATIVE_START_TIMEOUT_MS);
    expect(r.exitCode).toBe(0);
    expect(r.stdout + r.stderr).toContain("HTTAP_TCPPORT");
  }, NATIVE_START_TIMEOUT_MS + 5_000);

  test("bad configuration HTTAP_KEEPALIVE=2 exits 2 with a message naming the variable", () => {
    const r = runOnce([X64], { HTTAP_TCPPORT: "0", HTTAP_KEEPALIVE: "2" }, NATIVE_START_TIMEOUT_MS);
    expect(r.exitCode).toBe(2);
    expect(r.stdout + r.stderr).toContain("HTTAP_KEEPALIVE");
  }, NATIVE_START_TIMEOUT_MS + 5_000);
});

describe("dist/httap-linux-arm64 under qemu-user", () => {
  /** Fails (never skips) without qemu: CI installs it, and a skipped arm64 test would hide a broken Pi build. */
  function qemuCommand(): string[] {
    const qemu = Bun.which("qemu-aarch64-static");
    if (qemu === null) throw new Error("qemu-aarch64-static is not installed: apt-get install qemu-user-static libc6-arm64-cross (.ci/run does)");
    if (!existsSync(join(QEMU_SYSROOT, "lib/ld-linux-aarch64.so.1"))) throw new Error(`${QEMU_SYSROOT} has no arm64 loader: apt-get install libc6-arm64-cross`);
    return [qemu, "-L", QEMU_SYSROOT, ARM64];
  }

  test("serves the embedded assets/index.html at / byte for byte", async () => {
    const child = start(qemuCommand());
    const started = performance.now();
    const port = await listeningPort(child, QEMU_START_TIMEOUT_MS);
    console.log(`arm64 under qemu: listening after ${Math.round(performance.now() - started)} ms`);
    const res = await rawGet(port, "/", QEMU_REQUEST_TIMEOUT_MS);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body, indexHtml())).toBe(0);
    await child.stop();
  }, QEMU_START_TIMEOUT_MS + QEMU_REQUEST_TIMEOUT_MS + STOP_TIMEOUT_MS * 2 + 5_000);

  test("--version works", () => {
    const r = runOnce([...qemuCommand(), "--version"], {}, QEMU_START_TIMEOUT_MS);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`${packageVersion}+`);
  }, QEMU_START_TIMEOUT_MS + 5_000);
});
