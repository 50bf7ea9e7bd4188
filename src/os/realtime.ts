/**
 * @module What the real-time engine asks of the kernel (issue 7), as calls that hide libc: SCHED_FIFO for the
 * calling thread, code locked in RAM as it is touched, and an absolute sleep on CLOCK_MONOTONIC that allocates
 * nothing per call (the engine sleeps thousands of times a second).
 */
import { ptr, type Pointer } from "bun:ffi";
import { CLOCK_MONOTONIC, lib, MLOCK_ONFAULT, SCHED_FIFO, SCHED_RESET_ON_FORK, TIMER_ABSTIME } from "./libc.ts";

/**
 * SCHED_FIFO at `priority` for the calling thread; false when not permitted (needs root or CAP_SYS_NICE). With
 * SCHED_RESET_ON_FORK, so the threads it starts later do not inherit it (sched(7)): the JavaScript engine starts its
 * JIT compiler threads lazily, from whichever thread needs one first, and those threads then compile for every thread
 * of the process. One started by the engine Worker ran at the engine's own FIFO priority, and a FIFO thread is not
 * preempted by another of equal priority: a 150-250 ms compile on the engine's CPU delayed its wake-ups as long
 * (seen with `perf record -e sched:sched_switch`; issue 22).
 */
export function takeFifoPriority(priority: number): boolean {
  const param = new Int32Array([priority]);
  return lib().sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, ptr(param)) === 0;
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
