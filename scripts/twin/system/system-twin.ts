/**
 * @module The system twin (issue 19): the image the leader would flash, booted on QEMU raspi3b with real systemd,
 * NetworkManager and Avahi, checked one named test at a time. The base image (a Debian 12 arm64 system laid out like
 * Raspberry Pi OS Lite) comes from the cache or is built (build-image.sh); `npm run image` writes httap into a copy;
 * one boot carries the checks that can share it, a second boot of the same image shows the state kept. The guest is
 * driven through its console (agent.sh) and the forward to its port 60000; the GPIO registers are read through QMP.
 */
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Guest, lineOf, linesOf } from "../guest.ts";
import { Machine } from "../machine.ts";
import { note, type Report } from "../report.ts";
import { TwinContext } from "../twin-context.ts";
import { hotspotChecks, mdnsCheck, qrCheck } from "./network-checks.ts";
import { killCheck, pwmRefusedCheck, stopCheck } from "./restart-checks.ts";
import { gpioAtBootCheck, sandboxChecks } from "./sandbox-checks.ts";
import { afterSeconds, type SystemContext } from "./system-context.ts";
import { decodeWifiQr, LEADER, prepareSystemImage, type SystemImage } from "./system-image.ts";
import { fetchForwarded, freeLoopbackPort, systemCommandLine } from "./system-machine.ts";

const ROOT = resolve(import.meta.dir, "../../..");
/** Hang guard for a boot to the agent's READY line, in emulator time: 70-80 s on a quiet 2-core host. */
const BOOT_TIMEOUT_MS = 15 * 60_000;
/** Hang guard for the service to serve after the boot, and for the page through the forward, in emulator time. */
const SERVE_TIMEOUT_MS = 5 * 60_000;
/** Hang guard for a clean power-off (the kernel's "reboot: Power down"), in emulator time. */
const POWEROFF_TIMEOUT_MS = 5 * 60_000;
/** The state file the unit's user writes on the first boot, and looks for on the second. */
const STATE_FILE = "twin-boot-1";

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** build-image.sh: the cached base image's folder (built when its recipe changed). */
function baseImage(): string {
  const r = Bun.spawnSync(["bash", join(import.meta.dir, "build-image.sh"), "--print-dir"], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "inherit",
  });
  const lines = r.stdout.toString().trim().split("\n");
  for (const line of lines.slice(0, -1)) console.log(line);
  if (r.exitCode !== 0) throw new Error(`scripts/twin/system/build-image.sh failed (exit ${r.exitCode}): ${lines.slice(-2).join(" / ")}`);
  return lines.at(-1) ?? "";
}

interface Boot {
  readonly machine: Machine;
  readonly context: SystemContext;
}

/** Boots the image; checks the boot itself (a boot that fails is that check's failure, and null). */
async function boot(img: SystemImage, work: string, report: Report, figures: string[], which: string): Promise<Boot | null> {
  const hostPort = freeLoopbackPort();
  const files = { ...img, monitorSocket: join(work, "qmp.sock"), consoleLog: join(work, `console-${which}.log`) };
  const commandLine = systemCommandLine(files, img.append, hostPort);
  note(`system ${which} boot: nice -n 19 ${commandLine.map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" ")}`);
  const t0 = performance.now();
  const machine = await Machine.start(files, commandLine);
  const guest = new Guest(machine);
  const context: SystemContext = { guest, machine, report, twin: new TwinContext(guest, machine, report, "chardev"), hostPort, figures };
  const name = `system: ${which} boot: systemd running with no failed unit, httap.service active and its page on 127.0.0.1:${hostPort}`;
  try {
    const booted = await guest.booted(BOOT_TIMEOUT_MS);
    const line = (word: string) => booted.find((l) => l.startsWith(`${word} `))?.slice(word.length + 1) ?? "";
    const failed = booted.filter((l) => l.startsWith("FAILED ")).map((l) => l.slice(7).split(/\s+/)[0]);
    const serving = await guest.run("wait_serving 0 0; service; page", SERVE_TIMEOUT_MS);
    const watch = machine.clock.start();
    let page = await fetchForwarded(hostPort);
    while (page.status !== 200 && !watch.isPast(SERVE_TIMEOUT_MS)) {
      await Bun.sleep(1000);
      page = await fetchForwarded(hostPort);
    }
    const multiUser = /uptime=([\d.]+)/.exec(line("MULTIUSER"))?.[1] ?? "?";
    const servedAt = afterSeconds(lineOf(serving, "SERVING"));
    figures.push(
      `${which} boot: multi-user at ${multiUser} s, httap serving at ${servedAt} s (guest uptime), ` +
        `page through the forward ${seconds(t0)} s after QEMU started (wall)`,
    );
    report.check(
      name,
      /state=running/.test(line("SYSTEM")) &&
        failed.length === 0 &&
        lineOf(serving, "SERVICE").includes("ActiveState=active") &&
        page.status === 200,
      `${line("SYSTEM")}; failed units: ${failed.join(" ") || "none"}; ${line("ANALYZE")}; ${lineOf(serving, "SERVICE")}; ` +
        `in the guest ${lineOf(serving, "PAGE")}; through the forward HTTP ${page.status} ${page.bytes} bytes` +
        (page.error ? ` (${page.error})` : ""),
    );
    return { machine, context };
  } catch (error) {
    report.fail(name, `${(error as Error).message}; console: ${files.consoleLog}`);
    await machine.stop();
    return null;
  }
}

/** `systemctl poweroff`, then the kernel's last word, then QEMU's end (raspi3b does not exit on its own). */
async function powerOff(b: Boot): Promise<boolean> {
  const off = b.machine.waitForLine((l) => /reboot: Power down/.test(l), POWEROFF_TIMEOUT_MS, "reboot: Power down");
  b.machine.send("0 systemctl poweroff");
  try {
    await off;
    return true;
  } catch {
    return false;
  } finally {
    await b.machine.stop();
  }
}

/** Everything; every failure is a check's, and `report` counts it. */
export async function runSystemTwin(report: Report, binary: string, work: string): Promise<void> {
  const figures: string[] = [];
  mkdirSync(work, { recursive: true });
  try {
    await checkSystem(report, binary, work, figures);
  } finally {
    note(`system figures: ${figures.join("; ")}`);
  }
}

async function checkSystem(report: Report, binary: string, work: string, figures: string[]): Promise<void> {
  let t = performance.now();
  let img: SystemImage;
  let qr: ReturnType<typeof decodeWifiQr> | null = null;
  try {
    const base = baseImage();
    figures.push(`base image ${seconds(t)} s (${base})`);
    t = performance.now();
    img = prepareSystemImage(base, work, binary);
    for (const l of img.installerOutput.trim().split("\n")) note(`npm run image: ${l}`);
    figures.push(`npm run image + the agent ${seconds(t)} s`);
    note(`kernel command line (cmdline.txt): ${img.append}`);
  } catch (error) {
    report.fail("system: image", `the image could not be made: ${(error as Error).message}`);
    return;
  }
  try {
    qr = decodeWifiQr(img.label, work);
  } catch (error) {
    report.fail("system: the label's Wi-Fi QR code", (error as Error).message);
  }

  const token = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  let stateBefore: string[] = [];
  const first = await boot(img, work, report, figures, "first");
  if (first === null) return;
  try {
    const c = first.context;
    await gpioAtBootCheck(c);
    await sandboxChecks(c, STATE_FILE, token);
    await killCheck(c);
    await stopCheck(c);
    await pwmRefusedCheck(c);
    await mdnsCheck(c);
    if (qr !== null) qrCheck(c, qr, await hotspotChecks(c, qr));
    stateBefore = linesOf(await c.guest.run("state"), "STATEFILE");
  } catch (error) {
    report.fail("system: first boot", `QEMU could not go on: ${(error as Error).message}`);
  }
  const cleanOff = await powerOff(first);

  const second = await boot(img, work, report, figures, "second");
  if (second === null) return;
  try {
    const r = await second.context.guest.run("state; journal 20");
    const stateAfter = linesOf(r, "STATEFILE");
    const ours = stateAfter.find((l) => l.startsWith(`${STATE_FILE} `)) ?? "";
    const errors = linesOf(r, "JOURNAL").filter((l) => /HTTAP_STATE_DIR|error/i.test(l));
    report.check(
      "system: a second boot of the same image keeps /var/lib/httap and serves again",
      cleanOff && ours !== "" && stateAfter.join("|") === stateBefore.join("|") && errors.length === 0,
      `powered off cleanly: ${cleanOff ? "yes" : "no"}; first boot: ${stateBefore.join(", ") || "(empty)"}; ` +
        `second: ${stateAfter.join(", ") || "(empty)"}; ${lineOf(r, "STATEDIR")}` +
        (errors.length > 0 ? `; journal: ${errors.join(" | ")}` : ""),
    );
  } finally {
    await second.machine.stop();
  }
}
