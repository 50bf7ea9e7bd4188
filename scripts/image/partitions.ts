/**
 * @module The partitions of a disk image, from `sfdisk --json` (util-linux; it reads a plain file, no loop device):
 * the boot partition (FAT: MBR types 0x0b/0x0c/0x0e, or GPT's EFI system / basic data) and the root partition
 * (Linux: MBR 0x83, GPT's Linux filesystem), as byte offsets for debugfs and mtools.
 */
import { run } from "./run.ts";

export interface Partition {
  readonly number: number;
  readonly offset: number;
  readonly bytes: number;
}

export interface ImageLayout {
  readonly boot: Partition;
  readonly root: Partition;
}

interface SfdiskJson {
  partitiontable?: { label?: string; sectorsize?: number; partitions?: { node: string; start: number; size: number; type: string }[] };
}

const FAT_TYPES = new Set(["b", "c", "e", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7"]);
const LINUX_TYPES = new Set(["83", "0fc63daf-8483-4772-8e79-3d69d8477de4"]);

/** The boot and root partitions, or an Error with one sentence saying what is wrong with the file. */
export function readLayout(image: string): ImageLayout {
  const r = run(["sfdisk", "--json", image], { allowFailure: true });
  if (r.code !== 0)
    throw new Error(`${image} is not a disk image: it has no partition table (sfdisk: ${r.stderr.trim().split("\n")[0] || "no answer"})`);
  const table = (JSON.parse(r.stdout) as SfdiskJson).partitiontable;
  const sector = table?.sectorsize ?? 512;
  const parts = (table?.partitions ?? []).map((p, i) => ({
    number: Number(/(\d+)$/.exec(p.node)?.[1] ?? i + 1),
    offset: p.start * sector,
    bytes: p.size * sector,
    type: p.type.toLowerCase(),
  }));
  const boot = parts.find((p) => FAT_TYPES.has(p.type));
  const root = parts.find((p) => LINUX_TYPES.has(p.type));
  if (root === undefined)
    throw new Error(
      `${image} has no Linux partition ` +
        `(found ${parts.length === 0 ? "no partitions" : parts.map((p) => `type ${p.type}`).join(", ")}): not a Raspberry Pi OS image`,
    );
  if (boot === undefined) throw new Error(`${image} has no FAT boot partition: not a Raspberry Pi OS image`);
  return {
    boot: { number: boot.number, offset: boot.offset, bytes: boot.bytes },
    root: { number: root.number, offset: root.offset, bytes: root.bytes },
  };
}
