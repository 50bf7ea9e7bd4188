/**
 * @module The floor's Worker (issue 22): the least a real-time engine on this runtime can do. It drives a simulated
 * tone pin (an edge every half period) and two motor pins (250 Hz, half duty) by clock_nanosleep(TIMER_ABSTIME) to
 * `spinNs` before each edge (to the edge itself when 0), then a spin, through the same src/os calls and the same
 * simulator writes as the engine, and nothing else: no commands, no heartbeat, no margin to learn. It records each
 * edge's lateness after its write and each sleep's overshoot, as 1 µs histograms in the shared memory; edges later
 * than 100 µs are kept with what the thread saw meanwhile (faults, involuntary switches, its CPU time).
 */
import { attachGpio } from "../../src/gpio/open-backend.ts";
import { CLOCK_THREAD_CPUTIME_ID, monotonicNsNumber } from "../../src/os/libc.ts";
import { AbsoluteSleep, setTimerSlackNs, takeFifoPriority, ThreadUsage } from "../../src/os/realtime.ts";
import { F, FLOOR_BUCKETS, type FloorSetup, LATE_FIELDS, LATE_NS, LATE_SLOTS } from "./engine-floor-memory.ts";

declare const self: Worker;

const SCHED_PRIORITY = 50; // the engine's
const TONE_PIN = 12;
const MOTOR_PINS = [5, 23] as const;
const MOTOR_PERIOD_NS = 4e6; // 250 Hz
/** The motors' edges on the tone's, as the engine places them (its motors take their phase from the tone): one wake-up. */
const MOTOR_OFFSET_NS = 0;
const START_AHEAD_NS = 5e6;

function run(setup: FloorSetup): void {
  const words = new Int32Array(setup.memory);
  const gpio = attachGpio("sim", setup.simPath, null, []);
  for (const pin of [TONE_PIN, ...MOTOR_PINS]) {
    gpio.write(pin, 0);
    gpio.setMode(pin, "out");
  }
  const isFifo = setup.fifo && takeFifoPriority(SCHED_PRIORITY);
  const hasSlack = setup.slackNs !== null && setTimerSlackNs(setup.slackNs);
  words[F.fifo] = isFifo ? 1 : 0;
  words[F.slackSet] = hasSlack ? 1 : 0;
  const sleeper = new AbsoluteSleep();
  const usage = new ThreadUsage();
  const halfNs = 1e9 / setup.toneHz / 2;
  const overshoots = setup.overshoots === null ? null : new Int32Array(setup.overshoots);
  const spinNs = setup.spinNs;

  const record = (at: number, ns: number, maxWord: number) => {
    words[at + Math.min(FLOOR_BUCKETS - 1, Math.floor(ns / 1000))]++;
    const capped = Math.min(ns, 2 ** 31 - 1);
    if (capped > words[maxWord]) words[maxWord] = capped;
  };

  let toneLevel: 0 | 1 = 0;
  let motorLevel: 0 | 1 = 0;
  const start = monotonicNsNumber() + START_AHEAD_NS;
  const end = start + setup.durationMs * 1e6;
  let toneAt = start;
  let motorAt = setup.motors ? start + MOTOR_OFFSET_NS : Infinity;
  usage.read();
  const faultsAtStart = usage.minorFaults + usage.majorFaults;
  const switchesAtStart = usage.involuntarySwitches;
  let faults = faultsAtStart;
  let switches = switchesAtStart;
  const cpuStart = monotonicNsNumber(CLOCK_THREAD_CPUTIME_ID);
  let cpuBefore = cpuStart;
  let spinTotalNs = 0;
  while (true) {
    const edge = toneAt < motorAt ? toneAt : motorAt;
    if (edge >= end) break;
    const wake = edge - spinNs;
    const asleepAt = monotonicNsNumber();
    let woke = asleepAt;
    if (wake > asleepAt) {
      sleeper.untilNs(wake);
      woke = monotonicNsNumber();
      record(F.overshoot, woke - wake, F.maxOvershootNs);
      if (overshoots !== null && words[F.sleeps] < overshoots.length) overshoots[words[F.sleeps]] = Math.min(woke - wake, 2 ** 31 - 1);
      words[F.sleeps]++;
    }
    let now = woke;
    while (now < edge) now = monotonicNsNumber();
    spinTotalNs += now - woke;
    let late = 0;
    if (toneAt <= now) {
      toneLevel = toneLevel === 1 ? 0 : 1;
      gpio.write(TONE_PIN, toneLevel);
      late = monotonicNsNumber() - toneAt;
      record(F.edges, late, F.maxEdgeNs);
      toneAt += halfNs;
    }
    if (motorAt <= now) {
      motorLevel = motorLevel === 1 ? 0 : 1;
      gpio.write(MOTOR_PINS[0], motorLevel);
      gpio.write(MOTOR_PINS[1], motorLevel);
      const motorLate = monotonicNsNumber() - motorAt;
      record(F.edges, motorLate, F.maxEdgeNs);
      if (motorLate > late) late = motorLate;
      motorAt += MOTOR_PERIOD_NS / 2;
    }
    if (setup.trace) {
      // what happened to a late edge: faults and involuntary switches since the previous edge, and how much of the
      // time from going to sleep to the edge the thread had the CPU (a switch or a stolen vCPU shows as wall ≫ CPU)
      usage.read();
      const cpu = monotonicNsNumber(CLOCK_THREAD_CPUTIME_ID);
      const nowFaults = usage.minorFaults + usage.majorFaults;
      if (late > LATE_NS) {
        const n = words[F.lateCount]++;
        if (n < LATE_SLOTS) {
          const at = F.late + n * LATE_FIELDS;
          words[at] = Math.min(late, 2 ** 31 - 1);
          words[at + 1] = Math.min(woke - wake, 2 ** 31 - 1);
          words[at + 2] = nowFaults - faults;
          words[at + 3] = usage.involuntarySwitches - switches;
          words[at + 4] = Math.min(edge - asleepAt, 2 ** 31 - 1);
          words[at + 5] = Math.min(cpu - cpuBefore, 2 ** 31 - 1);
        }
      }
      faults = nowFaults;
      switches = usage.involuntarySwitches;
      cpuBefore = cpu;
    }
  }
  const cpuNs = monotonicNsNumber(CLOCK_THREAD_CPUTIME_ID) - cpuStart;
  words[F.cpuPermille] = Math.round((cpuNs / (end - start)) * 1000);
  words[F.spinPermille] = Math.round((spinTotalNs / (end - start)) * 1000);
  usage.read();
  words[F.faults] = usage.minorFaults + usage.majorFaults - faultsAtStart;
  words[F.switches] = usage.involuntarySwitches - switchesAtStart;
  for (const pin of [TONE_PIN, ...MOTOR_PINS]) gpio.write(pin, 0);
  gpio.close();
}

/** Runs the hot path for a moment first, so the JIT has compiled it before the first measured edge (as the engine). */
function warmUp(): void {
  let x = 0;
  for (let i = 0; i < 20000; i++) x += monotonicNsNumber() & 1;
  if (x < 0) console.log(x);
}

self.onmessage = (event: MessageEvent<FloorSetup>) => {
  warmUp();
  run({ ...event.data, durationMs: 300, trace: false, overshoots: null }); // the JIT's compile of the loop, not measured
  new Int32Array(event.data.memory).fill(0);
  run(event.data);
  postMessage({ done: true });
};
