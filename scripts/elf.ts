/**
 * @module The ELF machine of an executable (`e_machine` of `<elf.h>`): what the build checks of the runtime it
 * embeds, and the image installer of the binary it installs.
 */
import { closeSync, openSync, readSync } from "node:fs";

export const EM_X86_64 = 0x3e;
export const EM_AARCH64 = 0xb7;

/** The ELF machine number of a file, or null when it is not a readable ELF file. */
export function elfMachine(path: string): number | null {
  try {
    const fd = openSync(path, "r");
    const head = Buffer.alloc(20);
    const n = readSync(fd, head, 0, 20, 0);
    closeSync(fd);
    if (n < 20 || head.readUInt32BE(0) !== 0x7f454c46) return null;
    return head.readUInt16LE(18);
  } catch {
    return null;
  }
}
