/** @module What the floor's Worker and its caller share (issue 22): the setup it is given and the words it fills. */

/** 1 µs buckets 0..999, and one for 1 ms or more (as the engine's). */
export const FLOOR_BUCKETS = 1001;
/** An edge later than this is kept with what the thread saw meanwhile (trace runs only). */
export const LATE_NS = 100_000;
export const LATE_SLOTS = 256;
/** Per late edge: lateness, its sleep's overshoot, faults, involuntary switches, wall and CPU ns from sleep to edge. */
export const LATE_FIELDS = 6;

export const F = {
  fifo: 0, // 1 when SCHED_FIFO was taken
  slackSet: 1, // 1 when the timer slack was set
  cpuPermille: 2, // the thread's CPU time over the run, ‰ of one core
  spinPermille: 3, // time spent spinning to edges, ‰ of the run
  sleeps: 4,
  faults: 5, // minor + major page faults of the thread during the run
  switches: 6, // involuntary context switches of the thread during the run
  maxEdgeNs: 7,
  maxOvershootNs: 8,
  lateCount: 9,
  edges: 16, // histogram of edge lateness after the write
  overshoot: 16 + FLOOR_BUCKETS, // histogram of clock_nanosleep overshoots
  late: 16 + 2 * FLOOR_BUCKETS, // LATE_SLOTS × LATE_FIELDS
} as const;
export const FLOOR_MEMORY_WORDS = F.late + LATE_SLOTS * LATE_FIELDS;

export interface FloorSetup {
  readonly memory: SharedArrayBuffer;
  readonly simPath: string;
  readonly fifo: boolean;
  /** PR_SET_TIMERSLACK for the thread, ns; null leaves the default (50 µs). */
  readonly slackNs: number | null;
  /** Wake this long before each edge and spin the rest; 0 sleeps to the edge itself. */
  readonly spinNs: number;
  readonly toneHz: number;
  readonly motors: boolean;
  readonly durationMs: number;
  /** Reads the thread's faults, switches and CPU time at every edge, to explain late ones (costs CPU). */
  readonly trace: boolean;
  /** Each sleep's overshoot in ns, in order, as long as there is room (engine-margin-replay.ts replays them). */
  readonly overshoots: SharedArrayBuffer | null;
}
