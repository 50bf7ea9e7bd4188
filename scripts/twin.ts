/**
 * @module The twins (`npm run twin`), one after the other, each on QEMU's own model of a Raspberry Pi 3 (`-M raspi3b`,
 * BCM2837) with Debian's arm64 kernel, checked from outside:
 *   - the SoC twin: the shipped arm64 binary in a busybox initramfs; the host reads the GPIO block through the QEMU
 *     monitor while the guest drives httap over HTTP (busybox wget) and SCPI (nc), with HTTAP_GPIO=chardev, then bcm
 *     (/dev/mem at the peripheral base), then auto;
 *   - the system twin (issue 19, scripts/twin/system/): the image the leader would flash (a Debian 12 arm64 system
 *     laid out like Raspberry Pi OS, cached, with `npm run image` run into it) booted with systemd, the hardened unit,
 *     NetworkManager's hotspot, Avahi, kill -9 and restart, and a second boot.
 * Prints one `ok`/`FAIL` line per check with what was seen, and ends with `twin: N passed, N failed`; exits 1 when a
 * check failed or a twin could not run (never a silent skip).
 *
 *   npm run twin                           # setup (scripts/twin/setup.sh), a fresh arm64 build, both twins
 *   npm run twin -- --binary FILE          # check this binary instead of building one
 *   npm run twin -- --only soc|system      # one of the two
 *   npm run twin -- --keep                 # keep the work folder (initramfs, images, console logs) even when all passed
 *
 * One QEMU at a time, under `nice -n 19`, TCG (no KVM). Every wait is a bounded wait for a condition.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { EM_AARCH64, elfMachine } from "./elf.ts";
import { driveChecks } from "./twin/drive-checks.ts";
import { killCheck, sigtermCheck } from "./twin/exit-checks.ts";
import { failureChecks } from "./twin/failure-checks.ts";
import type { GpioSnapshot } from "./twin/gpio-registers.ts";
import { Guest } from "./twin/guest.ts";
import { buildInitramfs } from "./twin/initramfs.ts";
import { Machine } from "./twin/machine.ts";
import { note, Report } from "./twin/report.ts";
import { autoCheck, serve, startChecks } from "./twin/start-checks.ts";
import { runSystemTwin } from "./twin/system/system-twin.ts";
import { toneChecks } from "./twin/tone-checks.ts";
import { PINS, TwinContext, type TwinBackend } from "./twin/twin-context.ts";

const ROOT = resolve(import.meta.dir, "..");
const BUILT = join(ROOT, "dist/httap-linux-arm64");
/** The console on the mini UART; /dev/mem may reach the GPIO block pinctrl-bcm2835 claimed; errors only. */
const APPEND = "console=ttyS1,115200 rdinit=/init iomem=relaxed loglevel=3";
const BACKENDS: readonly TwinBackend[] = ["chardev", "bcm"];
/** The checks of one backend after its server start, by name: each is a FAIL when its server does not start. */
const CHECKS_AFTER_START = [
  "outputs at start",
  "UART pins",
  "motors full",
  "motors half",
  "dead-man stop",
  "/?rt",
  "tone over HTTaP",
  "tone over SCPI",
  "SIGTERM",
];

type Twin = "soc" | "system";

interface Options {
  readonly binary: string | null;
  readonly keep: boolean;
  readonly twins: readonly Twin[];
}

function parseOptions(argv: readonly string[]): Options {
  let binary: string | null = null;
  let keep = false;
  let twins: Twin[] = ["soc", "system"];
  const usage = "usage: bun scripts/twin.ts [--binary FILE] [--only soc|system] [--keep]";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--binary" && i + 1 < argv.length) binary = resolve(argv[++i]);
    else if (argv[i] === "--keep") keep = true;
    else if (argv[i] === "--only" && (argv[i + 1] === "soc" || argv[i + 1] === "system")) twins = [argv[++i] as Twin];
    else throw new Error(`unknown argument "${argv[i]}" (${usage})`);
  }
  return { binary, keep, twins };
}

/** Runs a step with its output shown; throws with `what` when it fails. Returns stdout. */
function step(cmd: string[], what: string, showStdout = true): string {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "inherit" });
  const out = r.stdout.toString();
  if (showStdout && out.trim() !== "") process.stdout.write(out);
  if (r.exitCode !== 0) throw new Error(`${what} failed (exit ${r.exitCode})`);
  return out;
}

/** setup.sh's KEY=value file. */
function readEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** The checks of one backend, on its own servers. */
async function checkBackend(guest: Guest, machine: Machine, report: Report, backend: TwinBackend, atBoot: GpioSnapshot): Promise<void> {
  const t = new TwinContext(guest, machine, report, backend);
  const { left, right } = PINS;
  const pins = `motors ${left.in1}/${left.in2} and ${right.in1}/${right.in2}, speaker ${PINS.speaker}, LED ${PINS.status}`;
  note(`--- HTTAP_GPIO=${backend} (rc-car: ${pins})`);
  if (await serve(t)) {
    await startChecks(t, atBoot);
    if (backend === "bcm") await failureChecks(t);
    await driveChecks(t);
    await toneChecks(t);
    await sigtermCheck(t);
  } else {
    const names = backend === "bcm" ? [...CHECKS_AFTER_START, "engine failure", "engine back"] : CHECKS_AFTER_START;
    for (const name of names) report.fail(t.name(name), "not carried out: the server did not start");
  }
  await guest.run("release; kill -9 $HP 2>/dev/null; wait $HP 2>/dev/null; true"); // nothing left for the next server
  await killCheck(t);
  await guest.run("kill -9 $HP 2>/dev/null; wait $HP 2>/dev/null; true");
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const report = new Report();
  const t0 = performance.now();
  const timings: string[] = [];

  let tStep = performance.now();
  const setupOut = step(["bash", join(ROOT, "scripts/twin/setup.sh"), "--print-env"], "scripts/twin/setup.sh", false)
    .trim()
    .split("\n");
  for (const line of setupOut.slice(0, -1)) console.log(line);
  const env = readEnvFile(setupOut.at(-1) ?? "");
  for (const key of ["KERNEL", "DTB", "BUSYBOX"]) if (!existsSync(env[key] ?? "")) throw new Error(`setup gave no ${key} (${env[key]})`);
  timings.push(`setup ${seconds(tStep)} s`);

  tStep = performance.now();
  if (options.binary === null) step([process.execPath, join(ROOT, "scripts/build.ts"), "--target", "arm64"], "the arm64 build");
  const binary = options.binary ?? BUILT;
  if (elfMachine(binary) !== EM_AARCH64) throw new Error(`${binary} is not an arm64 executable`);
  timings.push(`${options.binary === null ? "build" : "no build"} ${seconds(tStep)} s`);

  const work = join(process.env.TMPDIR || tmpdir(), `httap-twin-${process.pid}`);
  mkdirSync(work, { recursive: true });
  const logs: string[] = [];
  try {
    if (options.twins.includes("soc")) {
      note("=== the SoC twin: the binary in a busybox initramfs");
      logs.push(await runSocTwin(report, env, binary, join(work, "soc"), timings));
    }
    if (options.twins.includes("system")) {
      note("=== the system twin: the image the leader would flash, booted with systemd");
      tStep = performance.now();
      await runSystemTwin(report, binary, join(work, "system"));
      logs.push(join(work, "system"));
      timings.push(`system twin ${seconds(tStep)} s`);
    }
  } finally {
    timings.push(`total ${seconds(t0)} s`);
    if (report.failed === 0 && !options.keep) rmSync(work, { recursive: true, force: true });
    else note(`console logs: ${logs.join(", ")}`);
    note(timings.join(", "));
    console.log(report.summary());
  }
  return report.failed === 0 && report.passed > 0 ? 0 : 1;
}

/** The SoC twin; returns the path of its console log. */
async function runSocTwin(report: Report, env: Record<string, string>, binary: string, work: string, timings: string[]): Promise<string> {
  mkdirSync(work, { recursive: true });
  let tStep = performance.now();
  const initrd = join(work, "initramfs.cpio");
  const bytes = buildInitramfs({ busybox: env.BUSYBOX, binary, stage: join(work, "root"), output: initrd });
  timings.push(`initramfs ${seconds(tStep)} s`);
  note(`kernel ${env.KERNEL_RELEASE}, initramfs ${(bytes / 1048576).toFixed(0)} MiB with ${binary}`);

  const files = { kernel: env.KERNEL, dtb: env.DTB, initrd, monitorSocket: join(work, "qmp.sock"), consoleLog: join(work, "console.log") };
  note(
    `nice -n 19 ${Machine.commandLine(files, APPEND)
      .map((a) => (a.includes(" ") ? `"${a}"` : a))
      .join(" ")}`,
  );
  tStep = performance.now();
  let machine: Machine | null = null;
  const onSignal = () => void machine?.stop().then(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    machine = await Machine.start(files, Machine.commandLine(files, APPEND));
    const guest = new Guest(machine);
    let booted: string[];
    try {
      booted = await guest.booted();
    } catch (error) {
      report.fail("boot", `QEMU raspi3b could not boot the guest: ${(error as Error).message}; console: ${files.consoleLog}`);
      return files.consoleLog;
    }
    for (const line of booted) note(`guest: ${line}`);
    timings.push(`boot ${seconds(tStep)} s`);
    const atBoot = await machine.readGpio();

    tStep = performance.now();
    for (const backend of BACKENDS) await checkBackend(guest, machine, report, backend, atBoot);
    await autoCheck(guest, machine, report);
    timings.push(`checks ${seconds(tStep)} s`);
  } catch (error) {
    report.fail("twin", `QEMU could not run: ${(error as Error).message}; console: ${files.consoleLog}`);
  } finally {
    await machine?.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    rmSync(initrd, { force: true });
  }
  return files.consoleLog;
}

process.exit(
  await main().catch((error) => {
    console.error(`twin: ${error instanceof Error ? error.message : error}`);
    console.log("twin: 0 passed, 1 failed");
    return 1;
  }),
);
