/**
 * @module Which GPIO access this machine gets (issue 16), decided from what exists, before anything is opened:
 * `auto` on a Pi takes Raspberry Pi OS's register window (`/dev/gpiomem`, or `/dev/gpiomem0` for a Pi 5's RP1)
 * when its kernel has one, else the GPIO character device, which every mainline kernel (Debian's, Ubuntu's) offers.
 * `bcm` asked for by name falls back to `/dev/mem` at the peripheral base the device tree gives (root only, and on
 * kernels built with STRICT_DEVMEM only when booted with `iomem=relaxed`). Each plan says why, for the start-up log.
 */
import type { BcmSoc } from "./bcm-gpio.ts";

export type SocFamily = BcmSoc | "bcm2712" | null;

/** A file to map the registers from, and where in it the GPIO block starts. */
export interface RegisterSource {
  readonly path: string;
  readonly offset: number;
}

export type GpioPlan =
  | { readonly kind: "bcm"; readonly soc: BcmSoc; readonly source: RegisterSource; readonly why: string }
  | { readonly kind: "rp1"; readonly source: RegisterSource; readonly why: string }
  | { readonly kind: "chardev"; readonly why: string }
  /** Nothing can be opened: the sentence names what is missing and the fix. */
  | { readonly kind: "unavailable"; readonly device: string; readonly why: string };

export interface MachineFacts {
  readonly soc: SocFamily;
  readonly exists: (path: string) => boolean;
  /** The GPIO block's physical address (from the device tree), or why it is unknown. */
  readonly gpioBlockAddress: () => number | string;
}

export const GPIOMEM = "/dev/gpiomem";
export const GPIOMEM_RP1 = "/dev/gpiomem0";
export const DEV_MEM = "/dev/mem";

/** The plan for a real backend (`auto` on a Pi, `bcm`, `rp1`, `chardev`). */
export function planGpio(choice: "auto" | "bcm" | "rp1" | "chardev", m: MachineFacts): GpioPlan {
  const bcmSoc: BcmSoc = m.soc === "bcm2711" ? "bcm2711" : "bcm2835";
  const gpiomem = { kind: "bcm", soc: bcmSoc, source: { path: GPIOMEM, offset: 0 } } as const;
  const rp1 = { kind: "rp1", source: { path: GPIOMEM_RP1, offset: 0 } } as const;
  switch (choice) {
    case "chardev":
      return { kind: "chardev", why: "HTTAP_GPIO=chardev" };
    case "rp1":
      return { ...rp1, why: "HTTAP_GPIO=rp1" };
    case "auto":
      if (m.soc === "bcm2712") {
        return m.exists(GPIOMEM_RP1)
          ? { ...rp1, why: `a Raspberry Pi 5 whose kernel offers ${GPIOMEM_RP1}` }
          : {
              kind: "chardev",
              why: `a Raspberry Pi 5 without ${GPIOMEM_RP1} (not Raspberry Pi OS's kernel), so the GPIO character device`,
            };
      }
      return m.exists(GPIOMEM)
        ? { ...gpiomem, why: `a ${bcmSoc.toUpperCase()} whose kernel offers ${GPIOMEM}` }
        : {
            kind: "chardev",
            why: `a ${bcmSoc.toUpperCase()} without ${GPIOMEM} (not Raspberry Pi OS's kernel), so the GPIO character device`,
          };
    case "bcm": {
      if (m.exists(GPIOMEM)) return { ...gpiomem, why: "HTTAP_GPIO=bcm" };
      const address = m.gpioBlockAddress();
      if (typeof address === "string") {
        const instead = `${DEV_MEM} cannot stand in, the GPIO block's address being unknown (${address})`;
        return {
          kind: "unavailable",
          device: GPIOMEM,
          why: `${GPIOMEM} does not exist: not Raspberry Pi OS's kernel, and ${instead} (HTTAP_GPIO=bcm); try HTTAP_GPIO=auto or chardev`,
        };
      }
      return {
        kind: "bcm",
        soc: bcmSoc,
        source: { path: DEV_MEM, offset: address },
        why: `HTTAP_GPIO=bcm without ${GPIOMEM}: ${DEV_MEM} at 0x${address.toString(16)} (from the device tree)`,
      };
    }
  }
}
