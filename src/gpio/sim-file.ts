/**
 * @module Creating and attaching the simulator file (issue 7). The appliance creates it at start (a fresh file,
 * its path printed), the engine Worker and outside tools attach to the same bytes. A default file (no
 * HTTAP_SIM_FILE, placed by sim-file-place.ts) is removed at exit; a named one stays for inspection.
 */
import { BcmGpio } from "./bcm-gpio.ts";
import type { Mapping } from "../os/libc.ts";
import { nodeFs } from "../os/node-builtins.ts";
import { SIM_FILE_BYTES } from "./sim-layout.ts";
import { SimulatedSoc } from "./simulated-soc.ts";

/** Writes a zeroed file of the simulator's size (replacing one left by an earlier run) and maps it. */
export function createSimFile(path: string): Mapping {
  // Zeroed in place, never truncated: a tool (or a test) that still maps the file from a previous run, say across a
  // --supervise restart, would take SIGBUS on the pages a truncation removed. Readable by tools of other users: it
  // holds no secret.
  // A new file is sized, not written: its pages read as zeros and are allocated only when touched (issue 22: writing
  // 1 MiB of zeros was part of every simulated start-up and of its resident memory).
  const fs = nodeFs();
  const created = openNew(path);
  if (created !== null) {
    try {
      fs.ftruncateSync(created, SIM_FILE_BYTES);
    } finally {
      fs.closeSync(created);
    }
    return mapSimFile(path);
  }
  const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  try {
    const zeros = new Uint8Array(64 * 1024);
    for (let written = 0; written < SIM_FILE_BYTES; written += zeros.length)
      fs.writeSync(fd, zeros, 0, Math.min(zeros.length, SIM_FILE_BYTES - written), written);
    if (fs.fstatSync(fd).size > SIM_FILE_BYTES) fs.ftruncateSync(fd, SIM_FILE_BYTES);
  } finally {
    fs.closeSync(fd);
  }
  return mapSimFile(path);
}

/** The descriptor of a file created by this call, or null when one exists already at `path`. */
function openNew(path: string): number | null {
  const { constants, openSync } = nodeFs();
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
  const bytes = nodeFs().statSync(path).size;
  if (bytes < SIM_FILE_BYTES) throw new Error(`${path}: the file holds ${bytes} bytes, ${SIM_FILE_BYTES} expected`);
  return mapSimFile(path);
}

/**
 * The file's first SIM_FILE_BYTES, MAP_SHARED, through Bun's own mmap rather than libc's through the FFI: a simulated
 * board nobody drives then never loads the FFI and its compiler (issue 22: 0.4 MiB of the binary's idle RSS, median
 * of 3 cold starts 37.7 -> 37.3 MiB); it comes with the first edge the board logs (which reads the clock) or with the
 * engine. Bun.mmap has no munmap: the pages stay mapped until the buffer is collected, so `close` does nothing, and a
 * closed backend (which never touches them again) cannot fault on them either.
 */
function mapSimFile(path: string): Mapping {
  const buffer = Bun.mmap(path, { shared: true, size: SIM_FILE_BYTES }).buffer as ArrayBuffer;
  return { buffer, length: SIM_FILE_BYTES, close: () => {} };
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
      if (options.removeOnClose) nodeFs().rmSync(path, { force: true });
    },
  });
  return { backend, mapping, soc };
}
