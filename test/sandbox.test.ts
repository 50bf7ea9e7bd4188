/**
 * @module The sandbox (issue 9), black-box: the compiled binary, copied out and run with the checkout hidden
 * (test/support/shipped-binary.ts), started as root with HTTAP_USER on the simulator.
 * Every thread of the process (/proc/<pid>/task/* /status) has the target uid and gid, no supplementary groups and
 * no capabilities; /proc/<pid>/root is the empty directory; pages, HTTaP, a tone (edges in the simulator file) and
 * the motors still work. Every refusal is one sentence and exit 2, before or instead of serving. Needs root (CI is
 * root); elsewhere the file says why it skips. Network: 127.0.0.1 only; every wait bounded.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Mapping } from "../src/os/libc.ts";
import { attachSimFile } from "../src/gpio/sim-file.ts";
import { readEdges } from "../src/gpio/sim-layout.ts";
import { BUILD_TIMEOUT_MS, buildBinaries } from "./support/build.ts";
import { runToExit, startServer, type RunningServer } from "./support/server.ts";
import { shipBinary, withCheckoutHidden, type ShippedBinary } from "./support/shipped-binary.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const IS_ROOT = process.getuid?.() === 0;
const NOBODY = 65534;
const dir = mkdtempSync(join(tmpdir(), "httap-sandbox-"));
chmodSync(dir, 0o755);
const servers: RunningServer[] = [];
const maps: Mapping[] = [];
let x64: ShippedBinary;

if (!IS_ROOT) console.warn("sandbox tests skipped: they start the server as root (CI runs as root)");

beforeAll(() => {
  if (!IS_ROOT) return;
  buildBinaries(["x64"]);
  x64 = shipBinary("x64", dir);
  chmodSync(x64.dir, 0o755); // mkdtemp makes it 0700: nobody must reach the binary's directory as its cwd
}, BUILD_TIMEOUT_MS + 5_000);
afterAll(async () => {
  for (const m of maps) m.close();
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** The id lines of one /proc status file. */
function ids(statusFile: string): { uid: string; gid: string; groups: string; capEff: string } {
  const text = readFileSync(statusFile, "utf8");
  const field = (name: string) => (new RegExp(`^${name}:\\t?(.*)$`, "m").exec(text)?.[1] ?? "?").trim();
  return { uid: field("Uid"), gid: field("Gid"), groups: field("Groups"), capEff: field("CapEff") };
}

describe.skipIf(!IS_ROOT)("started as root with HTTAP_USER=nobody", () => {
  test(
    "every thread: uid and gid 65534, no groups, no capabilities; the root is a removed empty directory; pages, a tone and the motors work",
    async () => {
      const simFile = join(dir, "sim.bin");
      const server = await startServer({ HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile, HTTAP_USER: "nobody" }, x64.command(), {
        cwd: x64.dir,
      });
      servers.push(server);
      const pid = server.proc.pid;
      expect(server.output()).toMatch(
        /sandbox: root is a fresh empty directory \(.*httap-root-\w+, already removed\); user nobody \(65534\)/,
      );

      const tasks = readdirSync(`/proc/${pid}/task`);
      expect(tasks.length).toBeGreaterThan(2); // the main thread, the engine Worker, Bun's own threads
      for (const task of tasks) {
        expect({ task, ...ids(`/proc/${pid}/task/${task}/status`) }).toEqual({
          task,
          uid: `${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`,
          gid: `${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`,
          groups: "",
          capEff: "0000000000000000",
        });
      }
      const root = readlinkSync(`/proc/${pid}/root`);
      expect(root).toMatch(/httap-root-\w+ \(deleted\)$/);
      // a removed directory: Linux lists it as ENOENT, and its link count is 0 (only an empty directory can be removed)
      const rootStat = statSync(`/proc/${pid}/root/`);
      expect([rootStat.isDirectory(), rootStat.nlink]).toEqual([true, 0]);
      expect(existsSync(root.replace(/ \(deleted\)$/, ""))).toBe(false); // nothing left behind in /tmp

      const page = await fetch(`http://127.0.0.1:${server.port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<html");

      const map = attachSimFile(simFile);
      maps.push(map);
      const from = readEdges(map.buffer).count;
      const tone = await fetch(`http://127.0.0.1:${server.port}/?speaker`, { method: "POST", body: '{"freq":1000,"ms":100}' });
      expect(tone.status).toBe(200);
      expect(await waitFor(() => readEdges(map.buffer, from).edges.filter((e) => e.pin === 12).length >= 150)).toBe(true);
      const drive = await fetch(`http://127.0.0.1:${server.port}/?motors`, { method: "POST", body: '{"left":1,"right":1}' });
      expect(drive.status).toBe(200);
      const GPLEV0 = 0x34 / 4;
      expect(await waitFor(() => ((Atomics.load(new Uint32Array(map.buffer), GPLEV0) >>> 5) & 1) === 1)).toBe(true);
      expect(await server.stop()).toBe(0);
      expect((Atomics.load(new Uint32Array(map.buffer), GPLEV0) >>> 5) & 1).toBe(0); // stopped: the motors coast
    },
    30_000 + WAIT_MS * 2,
  );

  test("HTTAP_CHROOT names the empty directory; a default simulator file is removed before the chroot, not leaked", async () => {
    const jail = join(dir, "jail");
    mkdirSync(jail);
    const tmp = join(dir, "tmp");
    mkdirSync(tmp);
    const server = await startServer(
      { HTTAP_GPIO: "sim", HTTAP_USER: "nobody", HTTAP_GROUP: "nogroup", HTTAP_CHROOT: jail, TMPDIR: tmp, XDG_RUNTIME_DIR: tmp },
      x64.command(),
      { cwd: x64.dir },
    );
    servers.push(server);
    expect(readlinkSync(`/proc/${server.proc.pid}/root`)).toBe(jail);
    expect(ids(`/proc/${server.proc.pid}/status`).gid.split("\t")[0]).toBe(
      String(Number(/^nogroup:[^:]*:(\d+):/m.exec(readFileSync("/etc/group", "utf8"))![1])),
    );
    expect(server.output()).toContain("is removed already");
    expect(readdirSync(tmp)).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${server.port}/?ping`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  }, 30_000);

  test("refusals: one sentence and exit 2, never serving half-dropped", async () => {
    const full = join(dir, "full");
    mkdirSync(full);
    writeFileSync(join(full, "x"), "");
    const cases: [Record<string, string>, RegExp][] = [
      [{ HTTAP_USER: "no-such-user-here" }, /HTTAP_USER="no-such-user-here": no such user/],
      [{ HTTAP_USER: "nobody", HTTAP_GROUP: "no-such-group-here" }, /HTTAP_GROUP="no-such-group-here": no such group/],
      [{ HTTAP_USER: "root" }, /is root: the sandbox needs an unprivileged user/],
      [{ HTTAP_GROUP: "nogroup" }, /needs HTTAP_USER too/],
      [{ HTTAP_USER: "1234" }, /is a number, so its group is unknown/],
      [{ HTTAP_USER: "nobody", HTTAP_CHROOT: full }, /is not empty/],
      [{ HTTAP_USER: "nobody", HTTAP_CHROOT: join(dir, "absent") }, /HTTAP_CHROOT=".*absent": .*no such file/i],
      [{ HTTAP_CHROOT: full }, /needs HTTAP_USER/],
    ];
    for (const [env, message] of cases) {
      const r = await runToExit(x64.command(), { HTTAP_TCPPORT: "0", HTTAP_GPIO: "none", ...env }, 15_000, x64.dir);
      expect({ env, code: r.code, serving: /listening on port/.test(r.stdout) }).toEqual({ env, code: 2, serving: false });
      expect(r.stderr).toMatch(message);
    }
    expect(readdirSync(full)).toEqual(["x"]);
  }, 60_000);

  test("not root: the chroot is refused with the reason, and nothing is served", async () => {
    const notRoot = withCheckoutHidden(["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", x64.path]);
    const r = await runToExit(notRoot, { HTTAP_TCPPORT: "0", HTTAP_GPIO: "none", HTTAP_USER: "nobody" }, 15_000, x64.dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot sandbox: chroot failed: operation not permitted \(EPERM\); the sandbox needs to start as root/);
    expect(r.stdout).not.toMatch(/listening on port/);
  }, 20_000);
});
