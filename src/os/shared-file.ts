/**
 * @module A regular file mapped MAP_SHARED through the runtime's own `Bun.mmap`, with no libc: the simulator file's
 * creator maps it this way, so a simulated board loads no FFI library at start (issue 22: `bun:ffi`'s dlopen of libc
 * compiles its stubs with TinyCC, which paged in about 1.5 MiB of the runtime before anyone used the board). Devices
 * keep `mapShared` of libc.ts: `Bun.mmap` sizes a mapping from fstat (zero for /dev/gpiomem) and opens without O_SYNC.
 */
import type { Mapping } from "./libc.ts";

/**
 * Maps the first `length` bytes of the file at `path`, read-write and shared with every other mapping of it (the
 * engine Worker's, an outside tool's). The runtime unmaps it when its buffer is collected, never before: for a
 * mapping made once per process (a stray access after `close` reads stale bytes rather than faulting; the owner
 * refuses access once closed). One made again and again wants libc.ts's `mapShared`, whose `close` unmaps.
 */
export function mapSharedFile(path: string, length: number): Mapping {
  let bytes: Uint8Array;
  try {
    bytes = Bun.mmap(path, { shared: true, size: length });
  } catch (error) {
    throw new Error(`mmap ${path}: ${(error as Error).message}`); // an empty file is EINVAL, without the path
  }
  if (bytes.byteLength < length) throw new Error(`mmap ${path}: the file holds ${bytes.byteLength} bytes, ${length} expected`);
  return { buffer: bytes.buffer as ArrayBuffer, length, close() {} };
}
