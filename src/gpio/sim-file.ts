/**
 * @module Creating and attaching the simulator file (issue 7). The appliance creates it at start (a fresh file,
 * its path printed), the engine Worker and outside tools attach to the same bytes. A default file (no
 * HTTAP_SIM_FILE) lives under $XDG_RUNTIME_DIR or /tmp and is removed at exit; a named one stays for inspection.
 */
import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { BcmGpio } from "./bcm-gpio.ts";
import { mapShared, O_CLOEXEC, O_RDWR, type Mapping } from "../os/libc.ts";
import { SIM_FILE_BYTES } from "./sim-layout.ts";
import { SimulatedSoc } from "./simulated-soc.ts";

export function defaultSimPath(env: Readonly<Record<string, string | undefined>>, pid = process.pid): string {
  const dir =
    env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== "" && existsSync(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : "/tmp";
  return join(dir, `httap-sim-${pid}.bin`);
}

/** Writes a zeroed file of the simulator's size (replacing one left by an earlier run) and maps it. */
export function createSimFile(path: string): Mapping {
  // Zeroed in place, never truncated: a tool (or a test) that still maps the file from a previous run, say across a
  // --supervise restart, would take SIGBUS on the pages a truncation removed. Readable by tools of other users: it
  // holds no secret.
  // A new file is sized, not written: its pages read as zeros and are allocated only when touched (issue 22: writing
  // 1 MiB of zeros was part of every simulated start-up and of its resident memory).
  const created = openNew(path);
  if (created !== null) {
    try {
      ftruncateSync(created, SIM_FILE_BYTES);
    } finally {
      closeSync(created);
    }
    return mapShared(path, SIM_FILE_BYTES, O_RDWR | O_CLOEXEC);
  }
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  try {
    const zeros = new Uint8Array(64 * 1024);
    for (let written = 0; written < SIM_FILE_BYTES; written += zeros.length)
      writeSync(fd, zeros, 0, Math.min(zeros.length, SIM_FILE_BYTES - written), written);
    if (fstatSync(fd).size > SIM_FILE_BYTES) ftruncateSync(fd, SIM_FILE_BYTES);
  } finally {
    closeSync(fd);
  }
  return mapShared(path, SIM_FILE_BYTES, O_RDWR | O_CLOEXEC);
}

/** The descriptor of a file created by this call, or null when one exists already at `path`. */
function openNew(path: string): number | null {
  try {
    return openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return null;
    throw error;
  }
}

/** Maps an existing simulator file (the Worker, a test, a tool); a file too short is refused, since an access past
 * its end would be SIGBUS. */
export function attachSimFile(path: string): Mapping {
  const bytes = statSync(path).size;
  if (bytes < SIM_FILE_BYTES) throw new Error(`${path}: the file holds ${bytes} bytes, ${SIM_FILE_BYTES} expected`);
  return mapShared(path, SIM_FILE_BYTES, O_RDWR | O_CLOEXEC);
}

/** The sim backend: the BCM2711 register code over a simulated SoC in `path`. */
export function openSimBackend(
  path: string,
  options: { create: boolean; removeOnClose: boolean },
): { backend: BcmGpio; mapping: Mapping; soc: SimulatedSoc } {
  const mapping = options.create ? createSimFile(path) : attachSimFile(path);
  // No refresh timer: GPLEV changes with every change made through the registers and at every read (sim-layout.ts).
  // A 20 ms timer here was the one piece of JavaScript an idle simulated board ran, and JSC compiled it with its
  // optimizing tier within seconds, ~3 MiB of resident memory (issue 22).
  const soc = new SimulatedSoc(mapping.buffer, options.create);
  const backend = new BcmGpio({
    soc: "bcm2711",
    kind: "sim",
    bus: soc,
    description: `simulated BCM2711 in ${path}`,
    waitMicros: () => {},
    onClose: () => {
      mapping.close();
      if (options.removeOnClose) rmSync(path, { force: true });
    },
  });
  return { backend, mapping, soc };
}
