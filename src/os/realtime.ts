/**
 * @module What the real-time engine asks of the kernel (issue 7), as calls that hide libc: SCHED_FIFO for the
 * calling thread, its timer slack, code locked in RAM as it is touched, an absolute sleep on CLOCK_MONOTONIC that
 * allocates nothing per call (the engine sleeps thousands of times a second; measured: no heap growth over 200,000
 * calls), and the thread's page faults and involuntary switches.
 */
import type { Pointer } from "bun:ffi";
import {
  CLOCK_MONOTONIC,
  ffi,
  lib,
  MLOCK_ONFAULT,
  PR_SET_TIMERSLACK,
  RUSAGE_THREAD,
  SCHED_FIFO,
  SCHED_RESET_ON_FORK,
  TIMER_ABSTIME,
} from "./libc.ts";

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
  return lib().sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, ffi().ptr(param)) === 0;
}

/**
 * The calling thread's timer slack (prctl(2) PR_SET_TIMERSLACK): how late the kernel may end its sleeps to group
 * wake-ups, 50 µs by default. Real-time threads get none whatever it says (PR_SET_TIMERSLACK(2const)); 1 ns is the
 * least (0 means "back to the default"). False when refused.
 */
export function setTimerSlackNs(ns: number): boolean {
  return lib().prctl(PR_SET_TIMERSLACK, BigInt(ns), 0n, 0n, 0n) === 0;
}

/** mlock2(MLOCK_ONFAULT) of one address range; false when not permitted (needs CAP_IPC_LOCK or RLIMIT_MEMLOCK). */
export function lockOnFault(start: bigint, length: bigint): boolean {
  return lib().mlock2(start, length, MLOCK_ONFAULT) === 0;
}

/** clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) into one timespec made once. */
export class AbsoluteSleep {
  readonly #until = new BigInt64Array(2);
  readonly #pointer: Pointer = ffi().ptr(this.#until);

  /** Sleeps until CLOCK_MONOTONIC reads `ns` (or a signal wakes it early: the caller measures anyway). */
  untilNs(ns: number): void {
    this.#until[0] = BigInt(Math.floor(ns / 1e9));
    this.#until[1] = BigInt(Math.floor(ns % 1e9));
    lib().clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, this.#pointer, null);
  }
}

/** What getrusage(RUSAGE_THREAD) counts for the calling thread since it started; read into one buffer made once. */
export class ThreadUsage {
  readonly #bytes = new ArrayBuffer(144); // struct rusage on 64-bit Linux: two timevals, then 14 longs
  readonly #words = new Int32Array(this.#bytes);
  readonly #pointer: Pointer = ffi().ptr(this.#bytes);

  /** Reads the counters now; false when the call failed. */
  read(): boolean {
    return lib().getrusage(RUSAGE_THREAD, this.#pointer) === 0;
  }
  /** Minor page faults (no disk: a first touch, copy-on-write). */
  get minorFaults(): number {
    return this.#words[16];
  }
  /** Major page faults (the page came from disk). */
  get majorFaults(): number {
    return this.#words[18];
  }
  /** Involuntary context switches: the thread was runnable and something else ran. */
  get involuntarySwitches(): number {
    return this.#words[34];
  }
}
