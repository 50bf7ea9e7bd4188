/**
 * @module The state directory (HTTAP_STATE_DIR) and its store: names and limits; a write cut short (a failed step,
 * or a crash that left the temporary file) leaves the old content; one queue per name, last write wins; bad settings
 * exit 2 with a sentence. As root (CI): the compiled binary started with HTTAP_USER=nobody chroots into the state
 * directory, and the store, driven in a child process through the real start-up and sandbox calls, writes and reads
 * there after the chroot and the drop, with nothing else of the host reachable. Also prints (asserts nothing about)
 * the main loop's lag while 100 files of 4 KiB are saved. Every wait bounded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, readConfig } from "../src/config.ts";
import { LoopLag } from "../src/engine/loop-lag.ts";
import { prepareStateDir } from "../src/state/state-dir.ts";
import { MAX_STATE_FILE_BYTES, MAX_STATE_FILES, MAX_STATE_TOTAL_BYTES } from "../src/state/state-limits.ts";
import { DISK_FILES, StateError, StateStore, type StateFiles } from "../src/state/state-store.ts";
import { BUILD_TIMEOUT_MS, buildBinaries } from "./support/build.ts";
import { BUN, REPO, runToExit, startServer, type RunningServer } from "./support/server.ts";
import { shipBinary, withCheckoutHidden, type ShippedBinary } from "./support/shipped-binary.ts";
import { waitFor } from "./support/wait.ts";

const IS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), "httap-state-"));
chmodSync(dir, 0o755); // nobody must reach the state directories below it
const servers: RunningServer[] = [];
let fresh = 0;

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** A new empty directory under the test's own. */
function newDir(): string {
  const d = join(dir, `d${fresh++}`);
  mkdirSync(d);
  return d;
}

const text = (bytes: Uint8Array | null) => (bytes === null ? null : new TextDecoder().decode(bytes));
const bytesOf = (s: string) => new TextEncoder().encode(s);

/** What the promise settled to: "ok" or the StateError's code. */
async function outcome(p: Promise<void>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (error) {
    return error instanceof StateError ? error.code : `other: ${(error as Error).message}`;
  }
}

/** File calls that touch nothing: the store's own bookkeeping is what the limit tests look at. */
const NO_FILES: StateFiles = { writeSynced: async () => {}, rename: async () => {}, remove: async () => {}, syncDirectory: async () => {} };

describe("names", () => {
  test("1 to 64 of a-z 0-9 . _ -, not starting with a dot; anything else is refused before any file is touched", async () => {
    const store = new StateStore(newDir(), NO_FILES);
    const good = ["a", "prog-1.json", "peer_cache", "0", "x".repeat(64), "a..b", "-dash"];
    const bad = ["", ".", "..", ".hidden", "../etc/passwd", "a/b", "/abs", "A", "é", "a b", "x".repeat(65), "a\0b", ".a.tmp"];
    for (const name of good) expect({ name, r: await outcome(store.write(name, bytesOf("1"))) }).toEqual({ name, r: "ok" });
    for (const name of bad) {
      expect({ name, r: await outcome(store.write(name, bytesOf("1"))) }).toEqual({ name, r: "bad-name" });
      expect({ name, r: await outcome(store.remove(name)) }).toEqual({ name, r: "bad-name" });
      expect(() => store.read(name)).toThrow(StateError);
    }
    expect(store.list().map((f) => f.name)).toEqual([...good].sort());
  });
});

describe("limits", () => {
  test(`a file: at most ${MAX_STATE_FILE_BYTES} bytes`, async () => {
    const store = new StateStore(newDir(), NO_FILES);
    expect(await outcome(store.write("big", new Uint8Array(MAX_STATE_FILE_BYTES)))).toBe("ok");
    expect(await outcome(store.write("bigger", new Uint8Array(MAX_STATE_FILE_BYTES + 1)))).toBe("file-too-large");
    expect(store.list()).toEqual([{ name: "big", bytes: MAX_STATE_FILE_BYTES }]);
  });

  test(`at most ${MAX_STATE_FILES} files; replacing one is always room`, async () => {
    const store = new StateStore(newDir(), NO_FILES);
    for (let i = 0; i < MAX_STATE_FILES; i++) expect(await outcome(store.write(`f${i}`, bytesOf("x")))).toBe("ok");
    expect(await outcome(store.write("one-more", bytesOf("x")))).toBe("too-many-files");
    expect(await outcome(store.write("f0", bytesOf("xyz")))).toBe("ok");
    expect(await outcome(store.remove("f1"))).toBe("ok");
    expect(await outcome(store.write("one-more", bytesOf("x")))).toBe("ok");
  });

  test(`at most ${MAX_STATE_TOTAL_BYTES} bytes in all, counting what is queued`, async () => {
    const store = new StateStore(newDir(), NO_FILES);
    const full = MAX_STATE_TOTAL_BYTES / MAX_STATE_FILE_BYTES;
    const writes = Array.from({ length: full }, (_, i) => store.write(`p${i}`, new Uint8Array(MAX_STATE_FILE_BYTES)));
    expect(await outcome(store.write("one-byte", bytesOf("x")))).toBe("store-full"); // refused while the others are still queued
    expect(await Promise.all(writes.map(outcome))).toEqual(writes.map(() => "ok"));
    expect(store.usage()).toEqual({ files: full, bytes: MAX_STATE_TOTAL_BYTES });
    expect(await outcome(store.write("p0", new Uint8Array(10)))).toBe("ok"); // smaller: room again
    expect(await outcome(store.write("one-byte", bytesOf("x")))).toBe("ok");
  });
});

describe("atomic writes", () => {
  test("a write lands whole: the file, no temporary file left, the caller's buffer copied", async () => {
    const d = newDir();
    const store = new StateStore(d);
    const buffer = bytesOf("first version");
    const saved = store.write("prog", buffer);
    buffer.fill(0); // the caller reuses its buffer at once
    await saved;
    expect(readFileSync(join(d, "prog"), "utf8")).toBe("first version");
    expect(readdirSync(d)).toEqual(["prog"]);
    expect(statSync(join(d, "prog")).mode & 0o777).toBe(0o600);
    expect(text(new StateStore(d).read("prog"))).toBe("first version"); // a new store (a restart) reads it back
  });

  for (const step of ["writeSynced", "rename"] as const) {
    test(`a write whose ${step} fails leaves the old content, rejects io-failed, and the next write works`, async () => {
      const d = newDir();
      await new StateStore(d).write("prog", bytesOf("old"));
      const failing: StateFiles =
        step === "writeSynced"
          ? {
              ...DISK_FILES,
              async writeSynced(path) {
                writeFileSync(path, "new, half wri");
                throw new Error("simulated: the card failed mid-write");
              },
            }
          : {
              ...DISK_FILES,
              async rename() {
                throw new Error("simulated: failed after the temporary file was synced");
              },
            };
      const store = new StateStore(d, failing);
      const p = store.write("prog", bytesOf("new content"));
      expect(text(store.read("prog"))).toBe("new content"); // accepted: what readers see while it is under way
      expect(await outcome(p)).toBe("io-failed");
      expect(text(store.read("prog"))).toBe("old"); // failed: back to what is on the card
      expect(readFileSync(join(d, "prog"), "utf8")).toBe("old");
      expect(readdirSync(d)).toEqual(["prog"]);
      await new StateStore(d).write("prog", bytesOf("newer"));
      expect(readFileSync(join(d, "prog"), "utf8")).toBe("newer");
    });
  }

  const title = "a crash after the temporary file was written (power lost before the rename): the old content; the leftover goes at start";
  test(title, async () => {
    const d = newDir();
    writeFileSync(join(d, "prog"), "old");
    writeFileSync(join(d, ".prog.tmp"), "new, half wri"); // what a process killed between write and rename leaves
    expect(prepareStateDir(d, null)).toEqual({ dir: d, created: false, leftovers: 1 });
    expect(readdirSync(d)).toEqual(["prog"]);
    expect(text(new StateStore(d).read("prog"))).toBe("old");
  });

  test("the steps in order: temp written and synced, renamed over the name, then the directory synced", async () => {
    const d = newDir();
    const calls: string[] = [];
    const recording: StateFiles = {
      writeSynced: async (p, b) => {
        calls.push(`writeSynced ${p.slice(d.length)}`);
        await DISK_FILES.writeSynced(p, b);
      },
      rename: async (a, b) => {
        calls.push(`rename ${a.slice(d.length)} ${b.slice(d.length)}`);
        await DISK_FILES.rename(a, b);
      },
      remove: async (p) => {
        calls.push(`remove ${p.slice(d.length)}`);
        await DISK_FILES.remove(p);
      },
      syncDirectory: async (p) => {
        calls.push(`syncDirectory ${p}`);
        await DISK_FILES.syncDirectory(p);
      },
    };
    const store = new StateStore(d, recording);
    await store.write("prog", bytesOf("x"));
    await store.remove("prog");
    expect(calls).toEqual([
      "writeSynced /.prog.tmp",
      "rename /.prog.tmp /prog",
      `syncDirectory ${d}`,
      "remove /prog",
      `syncDirectory ${d}`,
    ]);
    expect(readdirSync(d)).toEqual([]);
  });
});

describe("one queue per name", () => {
  const title = "in order; a write still waiting is replaced by a newer one (last write wins); every caller hears when the newest lands";
  test(title, async () => {
    const d = newDir();
    const written: string[] = [];
    let open = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const slow: StateFiles = {
      ...DISK_FILES,
      async writeSynced(p, b) {
        written.push(`${p.slice(d.length)} ${text(b)}`);
        if (written.length === 1) await gate; // the first write hangs on the card
        await DISK_FILES.writeSynced(p, b);
      },
    };
    const store = new StateStore(d, slow);
    const order: string[] = [];
    const track = (p: Promise<void>, label: string) => p.then(() => order.push(label));
    const all = [
      ["a", "v1"],
      ["a", "v2"],
      ["b", "b1"],
      ["a", "v3"],
    ].map(([name, content]) => track(store.write(name, bytesOf(content)), content));
    expect(text(store.read("a"))).toBe("v3"); // readers see the newest accepted content at once
    await waitFor(() => order.length > 0); // b's write reaches a real disk (fsync): waited for, not timed
    expect(order).toEqual(["b1"]); // another name does not wait behind a slow one
    open();
    await Promise.all(all);
    expect(written).toEqual(["/.a.tmp v1", "/.b.tmp b1", "/.a.tmp v3"]); // v2 never touched the card
    expect(order).toEqual(["b1", "v1", "v2", "v3"]);
    expect(readFileSync(join(d, "a"), "utf8")).toBe("v3");
  });

  test("a removal takes its turn after the writes before it; flush waits for everything", async () => {
    const d = newDir();
    const store = new StateStore(d);
    void store.write("gone", bytesOf("1"));
    void store.remove("gone");
    void store.write("kept", bytesOf("2"));
    expect(store.read("gone")).toBeNull();
    expect(store.list()).toEqual([{ name: "kept", bytes: 1 }]);
    await store.flush();
    expect(readdirSync(d)).toEqual(["kept"]);
    expect(await outcome(store.remove("never-was"))).toBe("ok");
  });
});

describe("the directory at start", () => {
  test("made when missing; refused with a sentence naming the setting when it is not a flat directory of state files", () => {
    const d = join(newDir(), "made", "here");
    expect(prepareStateDir(d, null)).toEqual({ dir: d, created: true, leftovers: 0 });
    expect(statSync(d).mode & 0o777).toBe(0o700);

    const file = join(newDir(), "a-file");
    writeFileSync(file, "");
    const nested = newDir();
    mkdirSync(join(nested, "sub"));
    const linked = newDir();
    symlinkSync("/etc/passwd", join(linked, "passwd"));
    const foreign = newDir();
    writeFileSync(join(foreign, "README.md"), "");
    const cases: [string, RegExp][] = [
      [file, /^HTTAP_STATE_DIR=".*a-file" is not a directory$/],
      [join(file, "below"), /^HTTAP_STATE_DIR=".*below" cannot be used: .*not a directory/i],
      [nested, /holds "sub" \(a directory\), which is not a state file/],
      [linked, /holds "passwd" \(a symbolic link\), which is not a state file/],
      [foreign, /holds "README.md" \(a file\), which is not a state file/],
    ];
    for (const [path, message] of cases) expect(() => prepareStateDir(path, null)).toThrow(message);
  });

  test("config: an absolute path, not the root, not with HTTAP_CHROOT; empty means unset", () => {
    expect(readConfig({}).stateDir).toBeNull();
    expect(readConfig({ HTTAP_STATE_DIR: "" }).stateDir).toBeNull();
    expect(readConfig({ HTTAP_STATE_DIR: "/var/lib/httap/" }).stateDir).toBe("/var/lib/httap");
    expect(readConfig({}, ["--state-dir", "/srv/x"]).stateDir).toBe("/srv/x");
    const bad: [Record<string, string>, string[], RegExp][] = [
      [{ HTTAP_STATE_DIR: "state" }, [], /HTTAP_STATE_DIR="state" must be an absolute path/],
      [{}, ["--state-dir=/a/../etc"], /--state-dir="\/a\/..\/etc" must be an absolute path without "\.\."/],
      [{ HTTAP_STATE_DIR: "//" }, [], /is the file system's root/],
      [
        { HTTAP_STATE_DIR: "/s", HTTAP_USER: "nobody", HTTAP_CHROOT: "/j" },
        [],
        /HTTAP_STATE_DIR and HTTAP_CHROOT both name the sandbox's root/,
      ],
    ];
    for (const [env, argv, message] of bad) expect(() => readConfig(env, argv)).toThrow(message);
    expect(() => readConfig({ HTTAP_STATE_DIR: "x" })).toThrow(ConfigError);
  });

  test("the server: a bad state directory is exit 2 and one sentence, before listening", async () => {
    const file = join(newDir(), "a-file");
    writeFileSync(file, "");
    for (const [env, message] of [
      [{ HTTAP_STATE_DIR: "relative" }, /HTTAP_STATE_DIR="relative" must be an absolute path/],
      [{ HTTAP_STATE_DIR: file }, /HTTAP_STATE_DIR=".*a-file" is not a directory/],
    ] as [Record<string, string>, RegExp][]) {
      const r = await runToExit([BUN, "src/main.ts"], { HTTAP_TCPPORT: "0", HTTAP_GPIO: "none", ...env }, 15_000);
      expect({ code: r.code, serving: /listening on port/.test(r.stdout) }).toEqual({ code: 2, serving: false });
      expect(r.stderr).toMatch(message);
    }
  }, 40_000);

  test("the server without the sandbox: the state line names the directory and what it holds", async () => {
    const d = newDir();
    writeFileSync(join(d, "kept"), "1234");
    const server = await startServer({ HTTAP_GPIO: "none", HTTAP_STATE_DIR: d });
    servers.push(server);
    expect(server.output()).toContain(`httap: state: ${d}, 1 files, 1 of 4096 KiB`);
    expect(await server.stop()).toBe(0);
    expect(readdirSync(d)).toEqual(["kept"]); // the write probe leaves nothing
  }, 20_000);
});

const title =
  "measurement (no threshold): the main loop's lag while 100 files of 4 KiB are saved, through the store and, for contrast, on the loop";
test(title, async () => {
  const bytes = new Uint8Array(4096).fill(0x41);
  const lag = new LoopLag();
  const d1 = newDir();
  const store = new StateStore(d1);
  lag.start();
  const started = performance.now();
  await Promise.all(Array.from({ length: 100 }, (_, i) => store.write(`p${i}`, bytes)));
  const storeMs = performance.now() - started;
  await Bun.sleep(150); // one more tick, so a stall at the end shows
  lag.stop();
  const viaStore = lag.figures();

  const d2 = newDir();
  const onLoop = new LoopLag();
  onLoop.start();
  const started2 = performance.now();
  for (let i = 0; i < 100; i++) {
    // the same steps, synchronously: what a handler calling fsync would do
    const temp = join(d2, `.p${i}.tmp`);
    const fd = openSync(temp, "w", 0o600);
    writeSync(fd, bytes);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temp, join(d2, `p${i}`));
    const dirFd = openSync(d2, "r");
    fsyncSync(dirFd);
    closeSync(dirFd);
  }
  const syncMs = performance.now() - started2;
  await Bun.sleep(150);
  onLoop.stop();
  console.log(
    `state: 100 × 4 KiB through the store in ${storeMs.toFixed(0)} ms, loop lag ${JSON.stringify(viaStore)}; ` +
      `the same on the loop in ${syncMs.toFixed(0)} ms, loop lag ${JSON.stringify(onLoop.figures())}`,
  );
  expect(readdirSync(d1).length).toBe(100);
  expect(readdirSync(d2).length).toBe(100);
}, 60_000);

if (!IS_ROOT) console.warn("state-dir sandbox tests skipped: they start the server as root (CI runs as root)");

describe.skipIf(!IS_ROOT)("as root (CI): the sandbox with HTTAP_STATE_DIR, and a user who cannot write it", () => {
  let x64: ShippedBinary; // the binary as it ships: copied out, run with the checkout hidden
  beforeAll(() => {
    buildBinaries(["x64"]);
    x64 = shipBinary("x64", dir);
    chmodSync(x64.dir, 0o755); // mkdtemp makes it 0700: nobody must reach its working directory
  }, BUILD_TIMEOUT_MS + 5_000);

  /** A state directory as systemd's StateDirectory= leaves it: the service user's, mode 0700. */
  function nobodysDir(): string {
    const d = newDir();
    chownSync(d, NOBODY, NOBODY);
    chmodSync(d, 0o700);
    return d;
  }

  test("the binary: the root is the state directory, the ids are nobody's, a leftover is dropped, it still serves", async () => {
    const state = nobodysDir();
    writeFileSync(join(state, "saved"), "program");
    chownSync(join(state, "saved"), NOBODY, NOBODY);
    writeFileSync(join(state, ".saved.tmp"), "half");
    const server = await startServer({ HTTAP_GPIO: "none", HTTAP_USER: "nobody", HTTAP_STATE_DIR: state }, x64.command(), { cwd: x64.dir });
    servers.push(server);
    const pid = server.proc.pid;
    expect(server.output()).toContain(`sandbox: root is the state directory ${state} (nothing else); user nobody (65534)`);
    expect(server.output()).toContain(`state: ${state}, 1 files, 1 of 4096 KiB (1 cut-short write(s) dropped)`);
    expect(readlinkSync(`/proc/${pid}/root`)).toBe(state);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      expect(readFileSync(`/proc/${pid}/task/${task}/status`, "utf8")).toMatch(/^Uid:\t65534\t65534\t65534\t65534$/m);
    }
    expect(readdirSync(state)).toEqual(["saved"]);
    expect((await fetch(`http://127.0.0.1:${server.port}/?ping`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(readdirSync(state)).toEqual(["saved"]);
  }, 30_000);

  const title =
    "the store after the chroot and the drop (a child process through the real calls): " +
    "writes, reads, lists, removes; nothing else reachable";
  test(title, async () => {
    const state = join(newDir(), "made-by-start"); // missing: made and given to nobody, as systemd would
    const script = join(dir, "child.ts");
    writeFileSync(
      script,
      `
      import { existsSync, readdirSync } from "node:fs";
      import { readConfig } from "${REPO}src/config.ts";
      import { enterSandbox, resolveIdentity } from "${REPO}src/privileges.ts";
      import { openStateStore, prepareStateDir } from "${REPO}src/state/state-dir.ts";
      const config = readConfig(process.env);
      const identity = resolveIdentity(config);
      const checked = prepareStateDir(config.stateDir, identity);
      const sandbox = enterSandbox(identity, config.chroot, config.stateDir);
      const { store, line } = openStateStore(checked, true);
      await store.write("prog.json", new TextEncoder().encode('{"v":1}'));
      await store.write("prog.json", new TextEncoder().encode('{"v":2}'));
      await store.write("scratch", new Uint8Array(10));
      await store.remove("scratch");
      console.log(JSON.stringify({
        sandbox, line, uid: process.getuid(),
        read: new TextDecoder().decode(store.read("prog.json")),
        list: store.list(), root: readdirSync("/"), hostReachable: existsSync("/etc/passwd") || existsSync("/proc/self"),
      }));
    `,
    );
    const r = await runToExit([BUN, script], { HTTAP_USER: "nobody", HTTAP_STATE_DIR: state }, 20_000, dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const seen = JSON.parse(r.stdout);
    expect(seen).toEqual({
      sandbox:
        `sandbox: root is the state directory ${state} (nothing else); ` +
        "user nobody (65534), group 65534 (the user's own), no supplementary groups",
      line: `state: ${state}, 0 files, 0 of 4096 KiB (created)`,
      uid: NOBODY,
      read: '{"v":2}',
      list: [{ name: "prog.json", bytes: 7 }],
      root: ["prog.json"],
      hostReachable: false,
    });
    expect(readdirSync(state)).toEqual(["prog.json"]);
    const saved = statSync(join(state, "prog.json"));
    expect([saved.uid, saved.gid, saved.mode & 0o777, statSync(state).uid]).toEqual([NOBODY, NOBODY, 0o600, NOBODY]);
    expect(readFileSync(join(state, "prog.json"), "utf8")).toBe('{"v":2}');
  }, 30_000);

  test("refusals: one sentence and exit 2, never serving", async () => {
    const rootOwned = newDir();
    const notMine = nobodysDir();
    writeFileSync(join(notMine, "prog"), "");
    const readOnly = nobodysDir();
    chmodSync(readOnly, 0o500);
    const cases: [Record<string, string>, RegExp][] = [
      [
        { HTTAP_STATE_DIR: rootOwned },
        /HTTAP_STATE_DIR=".*" belongs to uid 0, not to nobody \(65534\), the user the sandbox runs as .*: chown -R 65534:65534 /,
      ],
      [{ HTTAP_STATE_DIR: notMine }, /holds "prog", which does not belong to nobody \(65534\)/],
      [{ HTTAP_STATE_DIR: readOnly }, /is not readable, writable and searchable by its owner \(mode 500\)/],
      [{ HTTAP_STATE_DIR: "/s", HTTAP_CHROOT: rootOwned }, /HTTAP_STATE_DIR and HTTAP_CHROOT both name the sandbox's root/],
    ];
    for (const [env, message] of cases) {
      const r = await runToExit(x64.command(), { HTTAP_TCPPORT: "0", HTTAP_GPIO: "none", HTTAP_USER: "nobody", ...env }, 15_000, x64.dir);
      expect({ env, code: r.code, serving: /listening on port/.test(r.stdout) }).toEqual({ env, code: 2, serving: false });
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(join(rootOwned, ".probe.tmp"))).toBe(false);
  }, 60_000);

  test("not root, no sandbox: a directory this user cannot write is exit 2 with the reason, before listening", async () => {
    const rootOwned = newDir(); // 0755 root: nobody may enter but not write
    const asNobody = withCheckoutHidden(["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", x64.path]);
    const r = await runToExit(asNobody, { HTTAP_TCPPORT: "0", HTTAP_GPIO: "none", HTTAP_STATE_DIR: rootOwned }, 15_000, x64.dir);
    expect({ code: r.code, serving: /listening on port/.test(r.stdout) }).toEqual({ code: 2, serving: false });
    expect(r.stderr).toMatch(/HTTAP_STATE_DIR=".*" cannot be written: .*permission denied/i);
  }, 20_000);
});
