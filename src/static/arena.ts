/**
 * @module The arena: one ArrayBuffer holding every prebuilt static response back to back, so serving a file is one
 * write of a view (no copy, no allocation) and the whole cache is one allocation the garbage collector never walks.
 */

/**
 * Every response starts at a multiple of 64 bytes: the cache-line size of the Pi's Cortex-A53/A72/A76 cores (and of
 * x86), so the kernel's copy into the socket buffer starts on a line of its own and no two responses share a line.
 * 64 is also a multiple of every typed-array element size, should a view ever be read as one.
 */
export const ARENA_ALIGNMENT_BYTES = 64;

/** The arena and one view per packed response, in the order given. */
export interface PackedArena {
  readonly buffer: ArrayBuffer;
  readonly views: readonly Uint8Array[];
}

function alignUp(offset: number): number {
  return Math.ceil(offset / ARENA_ALIGNMENT_BYTES) * ARENA_ALIGNMENT_BYTES;
}

/**
 * Lays out each response (given as parts, e.g. head then body, written contiguously) at an aligned offset in one new
 * ArrayBuffer, and returns views over them.
 */
export function packArena(responses: readonly (readonly Uint8Array[])[]): PackedArena {
  const offsets: number[] = [];
  let size = 0;
  for (const parts of responses) {
    size = alignUp(size);
    offsets.push(size);
    for (const part of parts) size += part.length;
  }
  const buffer = new ArrayBuffer(alignUp(size));
  const bytes = new Uint8Array(buffer);
  const views = responses.map((parts, index) => {
    let at = offsets[index];
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    return bytes.subarray(offsets[index], at);
  });
  return { buffer, views };
}
