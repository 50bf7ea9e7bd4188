/**
 * @module Choosing and opening the GPIO backend (issue 7): `HTTAP_GPIO=auto|bcm|rp1|chardev|sim|none`. `auto`
 * reads `/proc/device-tree/compatible` (NUL-separated, most specific first, e.g. "raspberrypi,4-model-b\0brcm,bcm2711"):
 * a BCM2712 is a Pi 5 (RP1), a BCM2711 a Pi 4/400, a BCM2835-2837 the older Pis; anything else gets the simulator,
 * so `npm start` on a laptop drives a simulated car. On a Pi, gpio-choice.ts picks registers or the character
 * device from what the kernel offers (issue 16). A device that cannot be opened is one sentence naming it and the
 * fix; the caller keeps serving pages without GPIO.
 */
import { nodeFs, nodePath } from "../os/node-builtins.ts";
import { BCM_GPIO_BLOCK_BYTES, BcmGpio, type BcmSoc } from "./bcm-gpio.ts";
import { DEV_MEM, planGpio, type MachineFacts, type RegisterSource, type SocFamily } from "./gpio-choice.ts";
import { gpioBlockAddress } from "./peripheral-base.ts";
import { openHeaderChip, realChardevSystem } from "./chardev-gpio.ts";
import { AdoptedChardevGpio } from "./chardev-adopted.ts";
import { MappedRegisters, type BackendKind, type GpioBackend, type HeldLine } from "./gpio-backend.ts";
import { ERRNO, mapShared, pageSize, SystemCallError } from "../os/libc.ts";
import { RP1_GPIO_BLOCK_BYTES, Rp1Gpio } from "./rp1-gpio.ts";
import { openSimBackend } from "./sim-file.ts";
import { defaultSimPath, removeAbandonedSimFiles } from "./sim-file-place.ts";
import type { SimulatedSoc } from "./simulated-soc.ts";

export type GpioChoice = "auto" | "bcm" | "rp1" | "chardev" | "sim" | "none";
export const GPIO_CHOICES: readonly GpioChoice[] = ["auto", "bcm", "rp1", "chardev", "sim", "none"];

export type { RegisterSource, SocFamily };

/** The SoC from a device-tree `compatible` string, or null off a Pi. */
export function socFromCompatible(compatible: string): SocFamily {
  const entries = compatible.split("\0");
  if (entries.includes("brcm,bcm2712")) return "bcm2712";
  if (entries.includes("brcm,bcm2711")) return "bcm2711";
  if (entries.some((e) => /^brcm,bcm283[567]$/.test(e))) return "bcm2835";
  return null;
}

export function readCompatible(path = "/proc/device-tree/compatible"): string {
  try {
    return nodeFs().readFileSync(path, "latin1");
  } catch {
    return "";
  }
}

export interface OpenedGpio {
  readonly backend: GpioBackend | null;
  /** Set when the backend is the simulator: the file other processes watch. */
  readonly simPath: string | null;
  /** Lines for the start-up log (the choice, a notice, or why there is no GPIO). */
  readonly notices: readonly string[];
  /** Why there is no GPIO (for the 503 of the hardware resources); null when there is. */
  readonly unavailable: string | null;
  /** The simulated SoC, for `/?sim` (null on real hardware). */
  readonly soc: SimulatedSoc | null;
  /** Where the registers were mapped from (bcm, rp1), for the engine Worker to map them again; null otherwise. */
  readonly registers: RegisterSource | null;
}

export interface OpenGpioOptions {
  readonly choice: GpioChoice;
  /** HTTAP_SIM_FILE, or null for a fresh file under $XDG_RUNTIME_DIR, /dev/shm or /tmp (sim-file-place.ts). */
  readonly simFile: string | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly compatible?: string;
  /** Attach to an existing simulator file instead of creating one (`httap --safe-state`). */
  readonly attach?: boolean;
  /** What exists on this machine (tests give their own); default: the real files. */
  readonly machine?: Omit<MachineFacts, "soc">;
}

const REAL_MACHINE: Omit<MachineFacts, "soc"> = { exists: (path) => nodeFs().existsSync(path), gpioBlockAddress: () => gpioBlockAddress() };

/** Opens the chosen backend. Never throws for a missing or forbidden device: that is `unavailable`. */
export function openGpio(o: OpenGpioOptions): OpenedGpio {
  const soc = socFromCompatible(o.compatible ?? readCompatible());
  const none = { backend: null, simPath: null, soc: null, registers: null } as const;
  if (o.choice === "none")
    return { ...none, notices: ["gpio: disabled (HTTAP_GPIO=none)"], unavailable: "GPIO is disabled on this device (HTTAP_GPIO=none)" };
  if (o.choice === "sim" || (o.choice === "auto" && soc === null)) {
    if (o.attach === true) {
      if (o.simFile === null)
        return { ...none, notices: [], unavailable: "the simulator keeps its pins in a file: name it with HTTAP_SIM_FILE" };
      try {
        const sim = openSimBackend(o.simFile, { create: false, removeOnClose: false });
        return { backend: sim.backend, simPath: o.simFile, notices: [], unavailable: null, soc: sim.soc, registers: null };
      } catch (error) {
        return { ...none, notices: [], unavailable: `cannot use the simulator file ${o.simFile}: ${(error as Error).message}` };
      }
    }
    const path = o.simFile ?? defaultSimPath(o.env);
    if (o.simFile === null) removeAbandonedSimFiles(nodePath().dirname(path));
    const sim = openSimBackend(path, { create: true, removeOnClose: o.simFile === null });
    const why = o.choice === "auto" ? "not a Raspberry Pi, so the pins are simulated" : "HTTAP_GPIO=sim";
    return {
      backend: sim.backend,
      simPath: path,
      notices: [`gpio: ${why}; simulator file ${path}`],
      unavailable: null,
      soc: sim.soc,
      registers: null,
    };
  }
  const plan = planGpio(o.choice, { soc, ...(o.machine ?? REAL_MACHINE) });
  if (plan.kind === "unavailable") {
    const line = `${plan.why}; pages are still served, hardware answers 503`;
    return { ...none, notices: [`gpio: ${line}`], unavailable: line };
  }
  try {
    const backend =
      plan.kind === "chardev"
        ? openHeaderChip(realChardevSystem)
        : plan.kind === "rp1"
          ? openRp1(plan.source)
          : openBcm(plan.soc, plan.source);
    const registers = plan.kind === "chardev" ? null : plan.source;
    return { backend, simPath: null, notices: [`gpio: ${backend.description} (${plan.why})`], unavailable: null, soc: null, registers };
  } catch (error) {
    const line = explain(plan.kind === "chardev" ? "/dev/gpiochip*" : plan.source.path, o.choice, error);
    return { ...none, notices: [`gpio: ${line}`], unavailable: line };
  }
}

/**
 * A second handle on the backend the main thread opened, for the engine Worker: the same simulator file, the same
 * registers mapped again, or the main thread's own line requests (`lines`, adopted by fd, never requested again).
 * Throws when it cannot be had.
 */
export function attachGpio(
  kind: BackendKind,
  simPath: string | null,
  registers: RegisterSource | null,
  lines: readonly HeldLine[],
): GpioBackend {
  switch (kind) {
    case "sim":
      if (simPath === null) throw new Error("the simulator has no file");
      return openSimBackend(simPath, { create: false, removeOnClose: false }).backend;
    case "bcm2835":
    case "bcm2711":
      if (registers === null) throw new Error("the registers' source is unknown");
      return openBcm(kind, registers);
    case "rp1":
      if (registers === null) throw new Error("the registers' source is unknown");
      return openRp1(registers);
    case "chardev":
      return new AdoptedChardevGpio(realChardevSystem, lines);
  }
}

function openBcm(soc: BcmSoc, source: RegisterSource): BcmGpio {
  // whole pages: the kernel maps pages, and /dev/mem wants a page-aligned offset (the GPIO block starts a page)
  const length = Math.max(pageSize(), BCM_GPIO_BLOCK_BYTES);
  const mapping = mapShared(source.path, length, undefined, source.offset);
  const name = soc === "bcm2711" ? "BCM2711" : "BCM2835/6/7";
  const where = source.offset === 0 ? source.path : `${source.path} at 0x${source.offset.toString(16)}`;
  return new BcmGpio({
    soc,
    bus: new MappedRegisters(mapping.buffer, 0, BCM_GPIO_BLOCK_BYTES),
    description: `${name} registers via ${where}`,
    onClose: () => mapping.close(),
  });
}

function openRp1(source: RegisterSource): Rp1Gpio {
  const page = pageSize();
  const mapping = mapShared(source.path, Math.ceil(RP1_GPIO_BLOCK_BYTES / page) * page, undefined, source.offset);
  return new Rp1Gpio({
    bus: new MappedRegisters(mapping.buffer, 0, RP1_GPIO_BLOCK_BYTES),
    description: `RP1 registers via ${source.path}`,
    onClose: () => mapping.close(),
  });
}

/** One sentence: the device, what went wrong, and the fix. */
function explain(device: string, choice: string, error: unknown): string {
  const tail = "pages are still served, hardware answers 503";
  if (error instanceof SystemCallError) {
    if (device === DEV_MEM && (error.errno === ERRNO.EACCES || error.errno === ERRNO.EPERM)) {
      return (
        `cannot map the GPIO block through ${DEV_MEM}: ${error.message}; it needs root, ` +
        `and a kernel built with STRICT_DEVMEM must be booted with iomem=relaxed; HTTAP_GPIO=chardev needs neither; ${tail}`
      );
    }
    if (error.errno === ERRNO.EACCES || error.errno === ERRNO.EPERM) {
      return (
        `cannot open ${device}: permission denied; add this user to the gpio group ` +
        `(sudo usermod -aG gpio $USER, then log in again) or run as root; ${tail}`
      );
    }
    if (error.errno === ERRNO.ENOENT || error.errno === ERRNO.ENODEV) {
      return (
        `${device} does not exist: not a Raspberry Pi with that GPIO block (HTTAP_GPIO=${choice}); ` +
        `try HTTAP_GPIO=auto or chardev; ${tail}`
      );
    }
  }
  return `cannot use ${device} (HTTAP_GPIO=${choice}): ${(error as Error).message}; ${tail}`;
}
