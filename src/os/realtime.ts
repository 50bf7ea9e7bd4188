/**
 * @module What the real-time engine asks of the kernel (issue 7), as calls that hide libc: SCHED_FIFO for the
 * calling thread, code locked in RAM as it is touched, and an absolute sleep on CLOCK_MONOTONIC that allocates
 * nothing per call (the engine sleeps thousands of times a second).
 */
import { ptr, type Pointer } from "bun:ffi";
import { CLOCK_MONOTONIC, lib, MLOCK_ONFAULT, SCHED_FIFO, TIMER_ABSTIME } from "./libc.ts";

/** SCHED_FIFO at `priority` for the calling thread; false when not permitted (needs root or CAP_SYS_NICE). */
export function takeFifoPriority(priority: number): boolean {
  const param = new Int32Array([priority]);
  return lib().sched_setscheduler(0, SCHED_FIFO, ptr(param)) === 0;
}

/** mlock2(MLOCK_ONFAULT) of one address range; false when not permitted (needs CAP_IPC_LOCK or RLIMIT_MEMLOCK). */
export function lockOnFault(start: bigint, length: bigint): boolean {
  return lib().mlock2(start, length, MLOCK_ONFAULT) === 0;
}

/** clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) into one timespec made once. */
export class AbsoluteSleep {
  readonly #until = new BigInt64Array(2);
  readonly #pointer: Pointer = ptr(this.#until);

  /** Sleeps until CLOCK_MONOTONIC reads `ns` (or a signal wakes it early: the caller measures anyway). */
  untilNs(ns: number): void {
    this.#until[0] = BigInt(Math.floor(ns / 1e9));
    this.#until[1] = BigInt(Math.floor(ns % 1e9));
    lib().clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, this.#pointer, null);
  }
}
