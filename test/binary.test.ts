/**
 * @module Black-box tests of the compiled executables: `dist/httap-linux-x64` natively, `dist/httap-linux-arm64`
 * under qemu-user, each copied into an empty directory and run there with the checkout hidden
 * (test/support/shipped-binary.ts). The directory also holds a hostile `.env` and `bunfig.toml`, which the binary
 * must not load; it must serve the embedded `assets/index.html` byte for byte, and its gzip and brotli variants as
 * compressed at build time, and its engine Worker must run from inside the executable. Network: 127.0.0.1 only.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { builtInFavicon } from "../src/static/favicon.ts";
import { encodeVariants } from "../src/static/file-variants.ts";
import { request, type ParsedResponse } from "./support/raw-client.ts";
import { BUILD_TIMEOUT_MS, buildBinaries } from "./support/build.ts";
import { runToExit, startServer, type RunningServer } from "./support/server.ts";
import { shipBinary, type ShippedBinary } from "./support/shipped-binary.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";
import { mimeTypeFor } from "../src/static/mime-types.ts";
import { attachSimFile } from "../src/gpio/sim-file.ts";
import { readEdges } from "../src/gpio/sim-layout.ts";

const ROOT = resolve(import.meta.dir, "..");

const NATIVE_START_TIMEOUT_MS = 30_000;
/** Bun's start-up under qemu-user emulation takes a few seconds on a loaded 2-core CI machine. */
const QEMU_START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 10_000;
const QEMU_REQUEST_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = WAIT_MS; // RunningServer.stop(): SIGTERM, then SIGKILL after WAIT_MS

const packageVersion = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;

const dir = mkdtempSync(join(tmpdir(), "httap-binary-"));
const servers: RunningServer[] = [];
const shipped = new Map<"x64" | "arm64", ShippedBinary>();

/**
 * The binary for `target`, copied once per file into its own directory with a `.env` and `bunfig.toml` that would
 * break the server if it loaded them; run from there with the checkout hidden.
 */
function binary(target: "x64" | "arm64"): ShippedBinary {
  let b = shipped.get(target);
  if (b === undefined) {
    b = shipBinary(target, dir);
    const dotenv = "HTTAP_TCPPORT=1\nHTTAP_KEEPALIVE=2\n";
    for (const name of [".env", ".env.local", ".env.production"]) writeFileSync(join(b.dir, name), dotenv);
    writeFileSync(join(b.dir, "bunfig.toml"), "this is [[ not toml ===\n\x00garbage\n");
    shipped.set(target, b);
  }
  return b;
}

/** Starts a shipped binary in its directory and waits until it listens (bounded). */
async function start(target: "x64" | "arm64", timeoutMs: number, env: Record<string, string> = {}): Promise<RunningServer> {
  const b = binary(target);
  const server = await startServer(env, b.command(), { cwd: b.dir, timeoutMs });
  servers.push(server);
  return server;
}

/** One GET over raw TCP to 127.0.0.1; fails when no complete answer comes in time. */
async function rawGet(port: number, target: string, timeoutMs: number, extraHeaders = ""): Promise<ParsedResponse> {
  const res = await request(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extraHeaders}Connection: close\r\n\r\n`, {
    maxMs: timeoutMs,
    idleMs: timeoutMs,
  });
  if (res === undefined) throw new Error(`GET ${target}: no complete response within ${timeoutMs} ms`);
  return res;
}

/** Runs a shipped binary to completion with a bounded time: --version, --help, bad configuration. */
async function runOnce(target: "x64" | "arm64", args: string[], env: Record<string, string>, timeoutMs: number) {
  const b = binary(target);
  const r = await runToExit(b.command(...args), env, timeoutMs, b.dir);
  return { exitCode: r.code, stdout: r.stdout, stderr: r.stderr };
}

function indexHtml(): Buffer {
  const path = join(ROOT, "assets/index.html");
  if (!existsSync(path)) throw new Error("assets/index.html does not exist; the binary embeds assets/ and must serve it at /");
  return readFileSync(path);
}

beforeAll(() => {
  buildBinaries();
}, BUILD_TIMEOUT_MS + 5_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe("dist/httap-linux-x64", () => {
  test(
    "serves the embedded assets/index.html at / byte for byte, ignoring .env and bunfig.toml in its cwd",
    async () => {
      const { port, stop } = await start("x64", NATIVE_START_TIMEOUT_MS);
      const res = await rawGet(port, "/", REQUEST_TIMEOUT_MS);
      expect(res.status).toBe(200);
      expect(Buffer.compare(res.body, indexHtml())).toBe(0);
      await stop();
    },
    NATIVE_START_TIMEOUT_MS + REQUEST_TIMEOUT_MS + STOP_TIMEOUT_MS * 2 + 5_000,
  );

  test(
    "answers br and gzip from the variants compressed at build time, the same bytes and tags as compressing at start",
    async () => {
      const { port, stop } = await start("x64", NATIVE_START_TIMEOUT_MS);
      const cases = [
        { target: "/", path: "index.html", bytes: indexHtml() },
        { target: "/favicon.ico", path: "favicon.ico", bytes: Buffer.from(builtInFavicon()) }, // assets/ has none
      ];
      for (const { target, path, bytes } of cases) {
        const atStart = encodeVariants(bytes, mimeTypeFor(path));
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
      await stop();
    },
    NATIVE_START_TIMEOUT_MS + REQUEST_TIMEOUT_MS * 4 + STOP_TIMEOUT_MS * 2 + 5_000,
  );

  test(
    "HTTAP_STATICPATH: a child of the binary packs the directory (issue 22); the server answers what packing in-process does",
    async () => {
      const web = join(binary("x64").dir, "web");
      mkdirSync(join(web, "js"), { recursive: true });
      const page = Buffer.from(`<!doctype html><title>room</title>\n${"<p>Drive, play, repeat.</p>\n".repeat(60)}`);
      writeFileSync(join(web, "index.html"), page);
      writeFileSync(join(web, "js/app.js"), "console.log('hi');\n".repeat(40));
      // skipped with a warning; a newline and "error: " in its name must not pass for the child's own error
      writeFileSync(join(web, "bad\nerror: name.txt"), "skipped: a space and a newline in its name");
      const server = await startServer({ HTTAP_STATICPATH: web }, binary("x64").command(), {
        cwd: binary("x64").dir,
        timeoutMs: NATIVE_START_TIMEOUT_MS,
      });
      servers.push(server);
      const expected = encodeVariants(page, mimeTypeFor("index.html"));
      for (const coding of ["br", "gzip"] as const) {
        const res = await rawGet(server.port, "/", REQUEST_TIMEOUT_MS, `Accept-Encoding: ${coding}\r\n`);
        expect([res.status, res.headers.get("content-encoding"), res.headers.get("etag")]).toEqual([
          200,
          coding,
          expected.find((v) => v.coding === coding)!.etag,
        ]);
      }
      expect(Buffer.compare((await rawGet(server.port, "/", REQUEST_TIMEOUT_MS)).body, page)).toBe(0);
      expect(server.output()).toContain("bad\nerror: name.txt"); // the child's warning reaches the operator
      await server.stop();
      // a directory that cannot be served stops start-up with exit 2 and the reason, as without a child
      const r = await runOnce("x64", [], { HTTAP_TCPPORT: "0", HTTAP_STATICPATH: join(web, "absent") }, NATIVE_START_TIMEOUT_MS);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/HTTAP_STATICPATH: cannot read the directory .*absent/);
    },
    NATIVE_START_TIMEOUT_MS * 2 + REQUEST_TIMEOUT_MS * 3 + STOP_TIMEOUT_MS * 2 + 5_000,
  );

  test(
    "regression (issue 16, a4975a5): with the checkout hidden, the engine Worker runs from inside the executable",
    async () => {
      // Before a4975a5 the compiled engine Worker was looked up in the build tree: it ran on the build machine only.
      const simFile = join(binary("x64").dir, "sim.bin");
      const { port } = await start("x64", NATIVE_START_TIMEOUT_MS, {
        HTTAP_GPIO: "sim",
        HTTAP_SIM_FILE: simFile,
        HTTAP_DEADMAN_MS: "5000",
      });
      const post = (resource: string, body: string) => fetch(`http://127.0.0.1:${port}/?${resource}`, { method: "POST", body });
      const map = attachSimFile(simFile);
      try {
        const edgesOn = (pin: number, from: number) => readEdges(map.buffer, from).edges.filter((e) => e.pin === pin);
        let from = readEdges(map.buffer).count;
        expect((await post("motors", '{"left":1,"right":1}')).status).toBe(200);
        let rt: Record<string, unknown> = {};
        await waitFor(
          async () => (rt = (await (await fetch(`http://127.0.0.1:${port}/?rt`)).json()) as Record<string, unknown>).engine === "running",
          WAIT_MS,
          100,
        );
        expect(rt).toMatchObject({ engine: "running" });
        // rc-car: left IN1 is GPIO 5, right IN1 is GPIO 23; forward drives them high, their IN2 (6, 24) stay low
        expect(await waitFor(() => edgesOn(5, from).some((e) => e.level === 1) && edgesOn(23, from).some((e) => e.level === 1))).toBe(true);
        expect([...edgesOn(6, from), ...edgesOn(24, from)].filter((e) => e.level === 1)).toEqual([]);
        from = readEdges(map.buffer).count;
        expect((await post("speaker", '{"freq":1000,"ms":100}')).status).toBe(200);
        expect(await waitFor(() => edgesOn(12, from).length >= 150)).toBe(true); // 200 edges: 1 kHz for 100 ms
        expect((await post("motors", '{"stop":true}')).status).toBe(200);
      } finally {
        map.close();
      }
    },
    NATIVE_START_TIMEOUT_MS + WAIT_MS * 3 + 5_000,
  );

  test(
    "--version prints the package version with a build suffix and exits 0",
    async () => {
      const r = await runOnce("x64", ["--version"], {}, NATIVE_START_TIMEOUT_MS);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(`${packageVersion}+`);
    },
    NATIVE_START_TIMEOUT_MS + 5_000,
  );

  test(
    "--help exits 0 and documents HTTAP_TCPPORT",
    async () => {
      const r = await runOnce("x64", ["--help"], {}, NATIVE_START_TIMEOUT_MS);
      expect(r.exitCode).toBe(0);
      expect(r.stdout + r.stderr).toContain("HTTAP_TCPPORT");
    },
    NATIVE_START_TIMEOUT_MS + 5_000,
  );

  test(
    "bad configuration HTTAP_KEEPALIVE=2 exits 2 with a message naming the variable",
    async () => {
      const r = await runOnce("x64", [], { HTTAP_TCPPORT: "0", HTTAP_KEEPALIVE: "2" }, NATIVE_START_TIMEOUT_MS);
      expect(r.exitCode).toBe(2);
      expect(r.stdout + r.stderr).toContain("HTTAP_KEEPALIVE");
    },
    NATIVE_START_TIMEOUT_MS + 5_000,
  );
});

// Fails (never skips) without qemu (shipBinary throws): CI installs it, and a skipped arm64 test would hide a broken
// Pi build.
describe("dist/httap-linux-arm64 under qemu-user", () => {
  test(
    "serves the embedded assets/index.html at / byte for byte",
    async () => {
      const started = performance.now();
      const { port, stop } = await start("arm64", QEMU_START_TIMEOUT_MS);
      console.log(`arm64 under qemu: listening after ${Math.round(performance.now() - started)} ms`);
      const res = await rawGet(port, "/", QEMU_REQUEST_TIMEOUT_MS);
      expect(res.status).toBe(200);
      expect(Buffer.compare(res.body, indexHtml())).toBe(0);
      await stop();
    },
    QEMU_START_TIMEOUT_MS + QEMU_REQUEST_TIMEOUT_MS + STOP_TIMEOUT_MS * 2 + 5_000,
  );

  test(
    "the real-time engine Worker is in the arm64 binary: a tone shows as edges in the simulator file",
    async () => {
      const simFile = join(binary("arm64").dir, "sim.bin");
      const server = await start("arm64", QEMU_START_TIMEOUT_MS, { HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile });
      const r = await fetch(`http://127.0.0.1:${server.port}/?speaker`, {
        method: "POST",
        body: '{"freq":100,"ms":1000}',
        signal: AbortSignal.timeout(QEMU_REQUEST_TIMEOUT_MS),
      });
      expect(r.status).toBe(200);
      const map = attachSimFile(simFile);
      try {
        // 100 Hz for 1 s is 200 edges on GPIO 12; emulation is slow to start the Worker, so wait (bounded) for most
        const edges = () => readEdges(map.buffer).edges.filter((e) => e.pin === 12).length;
        await waitFor(() => edges() >= 150, QEMU_REQUEST_TIMEOUT_MS, 100);
        expect(edges()).toBeGreaterThanOrEqual(150);
      } finally {
        map.close();
        await server.stop();
      }
    },
    QEMU_START_TIMEOUT_MS + QEMU_REQUEST_TIMEOUT_MS * 2 + STOP_TIMEOUT_MS * 2 + 5_000,
  );

  test(
    "HTTAP_STATICPATH where the binary cannot run itself (qemu-user): the directory is packed in the server's process",
    async () => {
      const web = join(binary("arm64").dir, "web");
      mkdirSync(web, { recursive: true });
      const page = Buffer.from(`<!doctype html><title>room</title>\n${"<p>Drive, play, repeat.</p>\n".repeat(60)}`);
      writeFileSync(join(web, "index.html"), page);
      const server = await start("arm64", QEMU_START_TIMEOUT_MS, { HTTAP_STATICPATH: web, HTTAP_GPIO: "none" });
      const res = await rawGet(server.port, "/", QEMU_REQUEST_TIMEOUT_MS, "Accept-Encoding: br\r\n");
      expect([res.status, res.headers.get("content-encoding")]).toEqual([200, "br"]);
      expect(Buffer.compare(brotliDecompressSync(res.body), page)).toBe(0);
      await server.stop();
    },
    QEMU_START_TIMEOUT_MS + QEMU_REQUEST_TIMEOUT_MS + STOP_TIMEOUT_MS * 2 + 5_000,
  );

  test(
    "--version works",
    async () => {
      const r = await runOnce("arm64", ["--version"], {}, QEMU_START_TIMEOUT_MS);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(`${packageVersion}+`);
    },
    QEMU_START_TIMEOUT_MS + 5_000,
  );
});
