/**
 * @module The one `dlopen` of the firmware (issue 7): the few libc calls GPIO and the real-time engine need, typed
 * for `bun:ffi`, opened on first use so a program that never touches hardware never loads it. Constants are the
 * Linux values for both targets (x86-64 and arm64 share them all; glibc's `<bits/fcntl-linux.h>`,
 * `<asm-generic/mman-common.h>`, `<bits/confname.h>`, `<linux/sched.h>`, `<bits/mman-linux.h>`).
 */
import type { Pointer } from "bun:ffi";

/**
 * bun:ffi, fetched on first use like Node's built-ins (node-builtins.ts): imported, it was loaded at every start, and
 * with node:fs it kept ~1.3 MiB of the runtime resident on a device without GPIO (issue 22, compiled x64). Types in
 * `symbols` are bun:ffi's names for them ("i32", "ptr"), so describing the calls needs no module.
 */
let ffiModule: typeof import("bun:ffi") | null = null;
export function ffi(): typeof import("bun:ffi") {
  ffiModule ??= require("bun:ffi") as typeof import("bun:ffi");
  return ffiModule;
}

export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_SYNC = 0o4010000;
export const O_CLOEXEC = 0o2000000;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const SC_PAGESIZE = 30;
export const CLOCK_MONOTONIC = 1;
export const TIMER_ABSTIME = 1;
export const SCHED_FIFO = 1;
/** ORed into sched_setscheduler's policy: threads the caller creates start as SCHED_OTHER (<linux/sched.h>). */
export const SCHED_RESET_ON_FORK = 0x40000000;
/** mlock2(2) flag: lock pages as they are touched (Linux 4.4+). */
export const MLOCK_ONFAULT = 1;
/** prctl(2) option: the calling thread's timer slack in ns (<linux/prctl.h>). */
export const PR_SET_TIMERSLACK = 29;
/** getrusage(2): the calling thread only (Linux 2.6.26+). */
export const RUSAGE_THREAD = 1;

/** errno values that get their own sentence (asm-generic/errno-base.h). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  EACCES: 13,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
} as const;

const symbols = {
  open: { args: ["cstring", "i32", "u32"], returns: "i32" },
  close: { args: ["i32"], returns: "i32" },
  // returns u64, not ptr: MAP_FAILED is (void*)-1, which a pointer (a JS number) cannot tell from a real address
  mmap: { args: ["ptr", "u64", "i32", "i32", "i32", "i64"], returns: "u64" },
  munmap: { args: ["ptr", "u64"], returns: "i32" },
  ioctl: { args: ["i32", "u64", "ptr"], returns: "i32" },
  clock_nanosleep: { args: ["i32", "i32", "ptr", "ptr"], returns: "i32" },
  clock_gettime: { args: ["i32", "ptr"], returns: "i32" },
  sched_setscheduler: { args: ["i32", "i32", "ptr"], returns: "i32" },
  mlock2: { args: ["u64", "u64", "i32"], returns: "i32" },
  prctl: { args: ["i32", "u64", "u64", "u64", "u64"], returns: "i32" },
  getrusage: { args: ["i32", "ptr"], returns: "i32" },
  sysconf: { args: ["i32"], returns: "i64" },
  __errno_location: { args: [], returns: "ptr" },
  // the sandbox (src/privileges.ts): glibc's set*id calls apply to every thread of the process, Workers included
  chroot: { args: ["cstring"], returns: "i32" },
  chdir: { args: ["cstring"], returns: "i32" },
  setgroups: { args: ["u64", "ptr"], returns: "i32" },
  setgid: { args: ["u32"], returns: "i32" },
  setuid: { args: ["u32"], returns: "i32" },
  getuid: { args: [], returns: "u32" },
  geteuid: { args: [], returns: "u32" },
  getgid: { args: [], returns: "u32" },
  getegid: { args: [], returns: "u32" },
  getgroups: { args: ["i32", "ptr"], returns: "i32" },
  getpwnam: { args: ["cstring"], returns: "ptr" },
  getgrnam: { args: ["cstring"], returns: "ptr" },
} as const;

type Libc = ReturnType<typeof import("bun:ffi").dlopen<typeof symbols>>["symbols"];
let libc: Libc | null = null;

/** The libc symbols; throws a clear error where there is no glibc (this firmware targets Raspberry Pi OS). */
export function lib(): Libc {
  if (libc === null) {
    try {
      libc = ffi().dlopen("libc.so.6", symbols).symbols;
    } catch (error) {
      throw new Error(`cannot load libc.so.6 for GPIO (a glibc Linux is needed): ${(error as Error).message}`);
    }
  }
  return libc;
}

/** errno of the last failed call on this thread. */
export function errno(): number {
  const p = lib().__errno_location();
  return p === null ? 0 : ffi().read.i32(p, 0);
}

// The views share one ArrayBuffer made first: asking a small typed array for its `.buffer` after `ptr()` moves its
// bytes (JSC keeps small arrays inline until then), and the pointer would then point at the old place. Made on
// first use, as bun:ffi itself (`ffi()`).
let clockBuffer: { timespec: BigInt64Array; words: Int32Array; pointer: Pointer } | null = null;
function clockScratch(): { timespec: BigInt64Array; words: Int32Array; pointer: Pointer } {
  if (clockBuffer === null) {
    const bytes = new ArrayBuffer(16);
    clockBuffer = { timespec: new BigInt64Array(bytes), words: new Int32Array(bytes), pointer: ffi().ptr(bytes) };
  }
  return clockBuffer;
}

/** CLOCK_MONOTONIC in nanoseconds: the clock of the simulator's edge log and the engine's timeline. (Bun's
 * `process.hrtime` counts from another origin, so other processes could not compare it with theirs.) */
export function monotonicNs(): bigint {
  const c = clockScratch();
  lib().clock_gettime(CLOCK_MONOTONIC, c.pointer);
  return c.timespec[0] * 1_000_000_000n + c.timespec[1];
}

export const CLOCK_THREAD_CPUTIME_ID = 3;

/** CLOCK_MONOTONIC in nanoseconds as a plain number, without allocating: exact for 104 days of uptime, then to a
 * few ns (seconds fit in 32 bits for 136 years of uptime). The engine's hot loop reads it thousands of times. */
export function monotonicNsNumber(clock = CLOCK_MONOTONIC): number {
  const c = clockScratch();
  lib().clock_gettime(clock, c.pointer);
  return (c.words[0] >>> 0) * 1e9 + c.words[2]; // [sec low, sec high, nsec low, nsec high] (little-endian)
}

/** A NUL-terminated path for `open`. */
export function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`, "utf8");
}

/** The page size of the running kernel (4 KiB on most Pis, 16 KiB on the Pi 5's default kernel). */
export function pageSize(): number {
  return Number(lib().sysconf(SC_PAGESIZE));
}

/** Thrown by a failed system call, with errno and what was being done. */
export class SystemCallError extends Error {
  readonly errno: number;
  constructor(what: string, code: number) {
    super(`${what}: ${describeErrno(code)}`);
    this.errno = code;
  }
}

export function describeErrno(code: number): string {
  const name = Object.entries(ERRNO).find(([, n]) => n === code)?.[0] ?? `errno ${code}`;
  const text: Record<number, string> = {
    [ERRNO.EPERM]: "operation not permitted",
    [ERRNO.ENOENT]: "no such file or device",
    [ERRNO.EACCES]: "permission denied",
    [ERRNO.EBUSY]: "in use by something else",
    [ERRNO.ENODEV]: "no such device",
    [ERRNO.EINVAL]: "invalid argument",
    [ERRNO.ENOTTY]: "not supported by this device",
  };
  return text[code] !== undefined ? `${text[code]} (${name})` : name;
}

/** A file or device mapped into memory: its bytes, and how to let it go. */
export interface Mapping {
  readonly buffer: ArrayBuffer;
  readonly length: number;
  close(): void;
}

/** open(2) + mmap(2) of `length` bytes at `offset` (page-aligned), MAP_SHARED, read-write; the fd is closed once mapped. */
export function mapShared(path: string, length: number, flags = O_RDWR | O_SYNC | O_CLOEXEC, offset = 0): Mapping {
  const c = lib();
  const fd = c.open(cString(path), flags, 0o600);
  if (fd < 0) throw new SystemCallError(`open ${path}`, errno());
  const raw = BigInt(c.mmap(null, BigInt(length), PROT_READ | PROT_WRITE, MAP_SHARED, fd, BigInt(offset)));
  const mapError = errno();
  c.close(fd); // the mapping keeps its own reference to the file
  if (raw === 0xffffffffffffffffn || raw === 0n) throw new SystemCallError(`mmap ${path}`, mapError);
  const address = Number(raw) as Pointer; // user-space addresses fit in 53 bits on both targets
  let isOpen = true;
  return {
    buffer: ffi().toArrayBuffer(address, 0, length),
    length,
    close() {
      if (!isOpen) return;
      isOpen = false;
      c.munmap(address, BigInt(length));
    },
  };
}

/** ioctl(2) with a struct in `arg`; throws with errno on failure. */
export function ioctl(fd: number, request: number, arg: Uint8Array, what: string): void {
  if (lib().ioctl(fd, BigInt(request), ffi().ptr(arg)) < 0) throw new SystemCallError(what, errno());
}

/** open(2) read-write; throws with errno on failure. */
export function openFile(path: string, flags = O_RDWR | O_CLOEXEC): number {
  const fd = lib().open(cString(path), flags, 0);
  if (fd < 0) throw new SystemCallError(`open ${path}`, errno());
  return fd;
}

export function closeFile(fd: number): void {
  lib().close(fd);
}

export type { Pointer };
