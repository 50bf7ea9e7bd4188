/**
 * @module The memory the main thread and the engine Worker share (issue 7): one SharedArrayBuffer of 32-bit words.
 * Commands are "latest wins" blocks behind a seqlock (odd version = being written), so the main thread never
 * blocks and the engine never reads half a command; a doorbell word wakes the engine from Atomics.wait. The engine
 * writes its figures (edge-error histograms, CPU time, flags) in the same buffer for the main thread to read.
 */

export const MAX_NOTES = 256;
/** Edge-error histogram: 1 µs buckets 0..999, and one for 1 ms or more. */
export const ERROR_BUCKETS = 1001;
/** Room for why the engine failed: one sentence, cut to fit. */
const FAILURE_TEXT_BYTES = 256;
/** Where the failure text starts; the engine's own edge histograms follow it. */
const FAILURE_TEXT_AT = 32 + 2 * MAX_NOTES + 3 * ERROR_BUCKETS + 4;
const OWN_ERRORS_AT = FAILURE_TEXT_AT + FAILURE_TEXT_BYTES / 4;

export const W = {
  doorbell: 0, // bumped (and notified) after every command
  heartbeat: 1, // bumped by the main thread every 50 ms while the engine drives or has a command to take
  flags: 2, // engine: bit 0 running, bit 1 SCHED_FIFO, bit 2 code locked, bit 3 failed, bit 4 ended
  heartbeatLosses: 3, // engine: times it stopped everything because the heartbeat stalled
  cpuMicros: 4, // engine: its thread's CPU time, µs (wraps after 71 minutes; readers take differences)
  quit: 5, // main: set to 1 to make the engine drive the safe state and end
  cpuPermille: 6, // engine: its CPU use over the last second, in ‰ of one core
  noRealtime: 7, // main: 1 asks the engine for neither SCHED_FIFO nor locked code (HTTAP_REALTIME=0)
  motorVersion: 8, // seqlock
  motorLeft: 9, // speed × 10000, signed
  motorRight: 10,
  motorPeriodUs: 11,
  motorDeadUs: 12,
  sleeps: 13, // engine: clock_nanosleep calls so far (a 32-bit counter that wraps: readers take short differences)
  spinMicros: 14, // engine: µs spent spinning to edges after those sleeps (wraps after ~24 h at 5 % spin, likewise)
  marginMicros: 15, // engine: the spin margin now, µs
  speakerVersion: 16, // seqlock
  speakerCount: 17, // notes in the block; 0 = silence
  stopVersion: 18, // bumped: everything to the safe state now
  // engine, ns, this second so far and the last complete one: where its latest edges came from (edge-origins.ts)
  wakeLateCurrentNs: 19, // the latest a sleep begun in time ended past the time it asked for (the host's lateness)
  wakeLateLastNs: 20,
  ownMaxCurrentNs: 21, // the latest edge not due before the thread was back from a late wake-up: late of the
  ownMaxLastNs: 22, // engine's own doing (its loop, a fault, a collection) or the thread held up while it spun
  lastSecondVersion: 23, // engine: odd while it copies this second's figures into the last second's (a seqlock)
  // engine: with nothing to drive, the sum of the motor and speaker versions it has taken (idleVersions); -1 while it
  // drives. The main thread beats the heartbeat until this matches what it wrote: the engine is idle with all of it.
  idleAfter: 24,
  notes: 32, // MAX_NOTES × [freq Hz, ms]
  errorsTotal: 32 + 2 * MAX_NOTES, // histogram since start
  errorsCurrent: 32 + 2 * MAX_NOTES + ERROR_BUCKETS, // this second so far
  errorsLast: 32 + 2 * MAX_NOTES + 2 * ERROR_BUCKETS, // the last complete second
  maxTotalNs: 32 + 2 * MAX_NOTES + 3 * ERROR_BUCKETS,
  maxLastNs: 32 + 2 * MAX_NOTES + 3 * ERROR_BUCKETS + 1,
  maxCurrentNs: 32 + 2 * MAX_NOTES + 3 * ERROR_BUCKETS + 2,
  failureLength: 32 + 2 * MAX_NOTES + 3 * ERROR_BUCKETS + 3, // engine: bytes of the failure text (UTF-8)
  failureText: FAILURE_TEXT_AT, // FAILURE_TEXT_BYTES / 4 words
  // the engine's own edges only (not due before the thread was back from a late wake-up; edge-origins.ts): this
  // second so far and the last complete one, whose max are ownMaxCurrentNs and ownMaxLastNs
  ownErrorsCurrent: OWN_ERRORS_AT,
  ownErrorsLast: OWN_ERRORS_AT + ERROR_BUCKETS,
} as const;
export const ENGINE_MEMORY_WORDS = W.ownErrorsLast + ERROR_BUCKETS;

export const FLAG_RUNNING = 1;
export const FLAG_FIFO = 2;
export const FLAG_MLOCK = 4;
/** The engine could not start or stopped on an error; the reason is in the failure text. */
export const FLAG_FAILED = 8;
/** The engine ended as asked (its pins are low). */
export const FLAG_ENDED = 16;

/**
 * The engine's last word, written into the shared memory rather than only posted as a message: the main thread
 * may be waiting synchronously for the engine to start (a message would reach it only once its loop runs again).
 */
export function writeFailure(words: Int32Array, reason: string): void {
  const bytes = new TextEncoder().encode(reason).subarray(0, FAILURE_TEXT_BYTES);
  new Uint8Array(words.buffer, words.byteOffset + W.failureText * 4, FAILURE_TEXT_BYTES).set(bytes);
  Atomics.store(words, W.failureLength, bytes.length);
  Atomics.store(words, W.flags, FLAG_FAILED);
  Atomics.notify(words, W.flags);
}

/** The reason written by `writeFailure`, or null while the engine has not failed. */
export function readFailure(words: Int32Array): string | null {
  if ((Atomics.load(words, W.flags) & FLAG_FAILED) === 0) return null;
  const length = Atomics.load(words, W.failureLength);
  // a copy: TextDecoder refuses views of shared memory
  const bytes = new Uint8Array(words.buffer, words.byteOffset + W.failureText * 4, length).slice();
  return new TextDecoder().decode(bytes);
}

/** Writes a block behind its seqlock: version odd while the fields change, even (and new) when done. */
export function writeLocked(words: Int32Array, version: number, fill: () => void): void {
  Atomics.add(words, version, 1);
  fill();
  Atomics.add(words, version, 1);
  Atomics.add(words, W.doorbell, 1);
  Atomics.notify(words, W.doorbell);
}

/** Reads a block when its version moved past `seen`; null while it is being written or unchanged. */
export function readLocked<T>(words: Int32Array, version: number, seen: number, read: () => T): { version: number; value: T } | null {
  const v1 = Atomics.load(words, version);
  if (v1 === seen || (v1 & 1) === 1) return null;
  const value = read();
  return Atomics.load(words, version) === v1 ? { version: v1, value } : null;
}

export interface ErrorFigures {
  count: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/** Percentiles of a histogram starting at word `at` (µs buckets). */
export function figures(words: Int32Array, at: number, maxNs: number): ErrorFigures {
  let count = 0;
  for (let i = 0; i < ERROR_BUCKETS; i++) count += words[at + i];
  const pick = (p: number) => {
    if (count === 0) return 0;
    const rank = Math.ceil((p / 100) * count);
    let seen = 0;
    for (let i = 0; i < ERROR_BUCKETS; i++) {
      seen += words[at + i];
      if (seen >= rank) return i;
    }
    return ERROR_BUCKETS - 1;
  };
  return { count, p50Us: pick(50), p99Us: pick(99), maxUs: Math.round(maxNs / 1000) };
}

/** What the engine stores in `W.idleAfter` once idle with these versions taken; the main thread compares. */
export const idleVersions = (motorVersion: number, speakerVersion: number): number => (motorVersion + speakerVersion) | 0;
