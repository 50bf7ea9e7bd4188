/**
 * @module The real-time engine (issue 7): a Worker that owns the speaker and motor pins and nothing else. One
 * timeline of edges over every channel: idle in Atomics.wait (woken by the doorbell), clock_nanosleep
 * (TIMER_ABSTIME, CLOCK_MONOTONIC) until shortly before the next edge, then a spin to it. Every edge's lateness is
 * measured into histograms the main thread reads. If the main thread's heartbeat stalls for 500 ms (a blocked loop,
 * a crash), the engine stops the motors and silences the speaker on its own. Built into the binary as a second
 * entrypoint (scripts/build.ts).
 */
import { nodeFs } from "../os/node-builtins.ts";
import { attachGpio } from "../gpio/open-backend.ts";
import type { GpioBackend } from "../gpio/gpio-backend.ts";
import { CLOCK_THREAD_CPUTIME_ID, monotonicNsNumber } from "../os/libc.ts";
import { AbsoluteSleep, lockOnFault, setTimerSlackNs, takeFifoPriority } from "../os/realtime.ts";
import { MotorChannel, SpeakerChannel, type Channel, type Note, type PinWriter } from "./channels.ts";
import { EdgeOrigins } from "./edge-origins.ts";
import {
  ERROR_BUCKETS,
  FLAG_ENDED,
  FLAG_FIFO,
  FLAG_MLOCK,
  FLAG_RUNNING,
  idleVersions,
  readLocked,
  W,
  writeFailure,
} from "./engine-memory.ts";
import type { EngineSetup } from "./engine-setup.ts";
import { ENGINE_CPU_SHARE, ENGINE_SPIN_MARGIN, SHARED_SPIN_MARGIN, SpinMargin, spinBudgetForShare } from "./spin-margin.ts";

declare const self: Worker;

/** Heartbeat silence after which everything stops (issue 7). */
const HEARTBEAT_LOSS_NS = 500e6;
/** A new tone's first edge is scheduled this far ahead, so it too is reached by the spin, not taken late. */
const START_AHEAD_NS = 300_000;
/** A motor starting from rest waits at most this long for an edge to share: a delay no one sees, far below a reversal's coast. */
const MAX_START_DELAY_NS = 2e6;
/** …or takes its phase from an edge due this long ago at most (this pass woke late): a 1 kHz tone's half period. */
const MAX_START_PAST_NS = 500_000;
/** Longest sleep between looks at the doorbell and the heartbeat when edges are far apart. */
const MAX_SLEEP_NS = 20e6;
/**
 * Seconds rolled with nothing to drive before the engine waits on the doorbell alone: by then the last second's
 * figures are an idle second's, true for as long as it stays idle. Until then it wakes every MAX_SLEEP_NS; for good,
 * that was JavaScript running 50 times a second on an idle board, which JSC compiled with its optimizing tier within
 * a minute (issue 22: idle resident memory).
 */
const ROLLS_BEFORE_IDLE_WAIT = 2;
const SCHED_PRIORITY = 50;
/** The largest lateness a shared Int32 word holds (ns, about 2.1 s); a later one is stored as this. */
const MAX_WORD_NS = 2 ** 31 - 1;

function run(setup: EngineSetup): void {
  const words = new Int32Array(setup.memory);
  const gpio: GpioBackend = attachGpio(setup.gpio.kind, setup.gpio.simPath, setup.gpio.registers, setup.gpio.lines);
  const write: PinWriter = (pin, level) => gpio.write(pin, level);
  const speaker = setup.pins.speaker === null ? null : new SpeakerChannel(setup.pins.speaker);
  const motors = setup.pins.motors === null ? null : [new MotorChannel(setup.pins.motors.left), new MotorChannel(setup.pins.motors.right)];
  const channels: Channel[] = [...(speaker ? [speaker] : []), ...(motors ?? [])];
  const ownPins = [
    ...(speaker ? [speaker.pin] : []),
    ...(motors ?? []).flatMap((m) => [m.pins.in1, m.pins.in2, ...(m.pins.enable === null ? [] : [m.pins.enable])]),
  ];
  for (const pin of ownPins) {
    gpio.write(pin, 0);
    gpio.setMode(pin, "out");
  }

  // Real-time priority and locked memory when permitted (root or CAP_SYS_NICE / CAP_IPC_LOCK); quietly without.
  const wantsRealtime = Atomics.load(words, W.noRealtime) === 0;
  const isFifo = wantsRealtime && takeFifoPriority(SCHED_PRIORITY);
  const isLocked = wantsRealtime && lockCode();
  // Without SCHED_FIFO the kernel may end each sleep up to 50 µs late to group wake-ups (the default timer slack;
  // real-time threads have none): the least there is, 1 ns, so the spin margin need not cover it (measured on the
  // floor without FIFO: the median overshoot fell from 85-97 µs to 47-51 µs).
  if (!isFifo) setTimerSlackNs(1);
  Atomics.store(words, W.flags, FLAG_RUNNING | (isFifo ? FLAG_FIFO : 0) | (isLocked ? FLAG_MLOCK : 0));
  Atomics.notify(words, W.flags); // the main thread may wait for this word (RtEngine.waitStarted)
  const margin = new SpinMargin(isFifo ? ENGINE_SPIN_MARGIN : SHARED_SPIN_MARGIN);
  const sleeper = new AbsoluteSleep();
  const origins = new EdgeOrigins();

  warmUp();
  let seenMotor = 0,
    seenSpeaker = 0,
    seenStop = Atomics.load(words, W.stopVersion);
  let heartbeat = Atomics.load(words, W.heartbeat);
  let heartbeatAt = monotonicNsNumber();
  let isStoppedByHeartbeat = false;
  let secondEndsAt = heartbeatAt + 1e9;
  let lastRollAt = heartbeatAt;
  let lastCpuNs = monotonicNsNumber(CLOCK_THREAD_CPUTIME_ID);
  let spinNs = 0; // spun and not yet counted in whole µs
  // the spin budget's figures since the last second rolled: the sleeps, and the spin after them (the margin's doing;
  // a pass whose edge was too near to sleep spins too, but that counts with the rest of the engine's CPU)
  let secondSleeps = 0;
  let secondSpinNs = 0;
  // …and the time it waited with no edge scheduled at all, which is not the timeline's: a second half idle (a tone that
  // ended) would otherwise leave its few sleeps a share meant for a whole second's, and the next tone's first second
  // would spin it. A wait between a timeline's edges far apart (slow motor PWM, a low tone) is the timeline's.
  let secondIdleNs = 0;
  let quietRolls = 0; // seconds rolled since the engine last had something to drive
  let idleAfter = 0; // what W.idleAfter holds
  const stopAll = () => {
    for (const ch of channels) ch.stop(write);
  };
  const anyActive = () => {
    for (const ch of channels) if (ch.nextAt !== Infinity || (ch instanceof MotorChannel && ch.speed !== 0)) return true;
    return false;
  };

  // The loop allocates nothing while it runs (a garbage collection in this thread is a late edge): versions are
  // compared first, and the locked read (closures, arrays) happens only when a command really changed.
  const takeCommands = (now: number) => {
    const stop = Atomics.load(words, W.stopVersion);
    if (stop !== seenStop) {
      seenStop = stop;
      stopAll();
    }
    // the tone first: motors starting in the same pass can then share its edges (sharedStart)
    if (Atomics.load(words, W.speakerVersion) !== seenSpeaker) takeSpeaker(now);
    if (Atomics.load(words, W.motorVersion) !== seenMotor) takeMotors(now);
  };
  const takeMotors = (now: number) => {
    const m = readLocked(words, W.motorVersion, seenMotor, () => [
      words[W.motorLeft] / 10000,
      words[W.motorRight] / 10000,
      words[W.motorPeriodUs] * 1000,
      words[W.motorDeadUs] * 1000,
    ]);
    if (m !== null) {
      seenMotor = m.version;
      heartbeatAt = now; // a command shows the main thread alive: it may not have beaten while the engine was idle
      const [left, right, period, dead] = m.value;
      if (motors !== null) {
        const startAt = sharedStart(now);
        motors[0].set(left, period, dead, now, write, startAt);
        motors[1].set(right, period, dead, now, write, startAt);
      }
      isStoppedByHeartbeat = false;
    }
  };
  // A motor starting from rest starts with a period of the other motor's, or else at the tone's next edge (which may
  // be just due, when this pass woke late), when one comes soon enough: its edges then fall on edges the engine wakes
  // for anyway (both motors' always, a tone's when the PWM period is a whole number of its half periods, as 250 Hz is
  // of 1 kHz), one wake-up instead of two.
  const sharedStart = (now: number) => {
    let at = Infinity;
    for (const m of motors ?? []) at = Math.min(at, m.periodStartFrom(now));
    if (at - now > MAX_START_DELAY_NS && speaker !== null) at = speaker.nextAt;
    return at - now <= MAX_START_DELAY_NS && now - at <= MAX_START_PAST_NS ? at : now;
  };
  const takeSpeaker = (now: number) => {
    const s = readLocked(words, W.speakerVersion, seenSpeaker, () => {
      const notes: Note[] = [];
      for (let i = 0; i < words[W.speakerCount]; i++) notes.push([words[W.notes + 2 * i], words[W.notes + 2 * i + 1]]);
      return notes;
    });
    if (s !== null) {
      seenSpeaker = s.version;
      heartbeatAt = now;
      speaker?.play(s.value, now + START_AHEAD_NS, write);
      isStoppedByHeartbeat = false;
    }
  };

  /** One edge's lateness; `isHosts`: it was due before the thread was back from a late wake-up (`EdgeOrigins`). */
  const record = (lateNs: number, isHosts: boolean) => {
    const bucket = Math.min(ERROR_BUCKETS - 1, Math.floor(lateNs / 1000));
    words[W.errorsTotal + bucket]++;
    words[W.errorsCurrent + bucket]++;
    const capped = Math.min(lateNs, MAX_WORD_NS);
    if (capped > words[W.maxTotalNs]) words[W.maxTotalNs] = capped;
    if (capped > words[W.maxCurrentNs]) words[W.maxCurrentNs] = capped;
    if (isHosts) return;
    words[W.ownErrorsCurrent + bucket]++;
    if (capped > words[W.ownMaxCurrentNs]) words[W.ownMaxCurrentNs] = capped;
  };

  const rollSecond = (now: number) => {
    if (now < secondEndsAt) return;
    secondEndsAt = now + 1e9;
    quietRolls++;
    Atomics.add(words, W.lastSecondVersion, 1); // odd while the last second's figures change (a reader tries again)
    for (let i = 0; i < ERROR_BUCKETS; i++) {
      words[W.errorsLast + i] = words[W.errorsCurrent + i];
      words[W.errorsCurrent + i] = 0;
      words[W.ownErrorsLast + i] = words[W.ownErrorsCurrent + i];
      words[W.ownErrorsCurrent + i] = 0;
    }
    words[W.maxLastNs] = words[W.maxCurrentNs];
    words[W.maxCurrentNs] = 0;
    words[W.ownMaxLastNs] = words[W.ownMaxCurrentNs];
    words[W.ownMaxCurrentNs] = 0;
    words[W.wakeLateLastNs] = words[W.wakeLateCurrentNs];
    words[W.wakeLateCurrentNs] = 0;
    Atomics.add(words, W.lastSecondVersion, 1); // even again: the last second's figures are whole
    const cpuNs = monotonicNsNumber(CLOCK_THREAD_CPUTIME_ID);
    Atomics.store(words, W.cpuMicros, Math.floor(cpuNs / 1000) | 0);
    Atomics.store(words, W.cpuPermille, Math.round(((cpuNs - lastCpuNs) / (now - lastRollAt)) * 1000));
    // the engine's CPU, not its spin alone, is held to its share: the spin after sleeps gets what the rest left of it
    const activeNs = now - lastRollAt - secondIdleNs;
    const budget = spinBudgetForShare(ENGINE_CPU_SHARE, activeNs, cpuNs - lastCpuNs, secondSpinNs, secondSleeps);
    if (budget !== null) margin.setSpinBudgetNs(budget);
    secondSpinNs = 0;
    secondSleeps = 0;
    secondIdleNs = 0;
    lastCpuNs = cpuNs;
    lastRollAt = now;
  };

  for (;;) {
    // read before the quit and the commands: one written after this bumps it, and the wait below then returns at once
    const doorbell = Atomics.load(words, W.doorbell);
    if (Atomics.load(words, W.quit) !== 0) break;
    let now = monotonicNsNumber();
    takeCommands(now);
    rollSecond(now);
    const beat = Atomics.load(words, W.heartbeat);
    if (beat !== heartbeat) {
      heartbeat = beat;
      heartbeatAt = now;
    } else if (now - heartbeatAt > HEARTBEAT_LOSS_NS && !isStoppedByHeartbeat && anyActive()) {
      stopAll();
      isStoppedByHeartbeat = true;
      Atomics.add(words, W.heartbeatLosses, 1);
    }

    let next = Infinity;
    for (const ch of channels) if (ch.nextAt < next) next = ch.nextAt;
    const isIdle = next === Infinity && !anyActive();
    if (!isIdle) quietRolls = 0;
    const nowIdleAfter = isIdle ? idleVersions(seenMotor, seenSpeaker) : -1;
    if (nowIdleAfter !== idleAfter) Atomics.store(words, W.idleAfter, (idleAfter = nowIdleAfter));
    if (next - now > margin.ns + 2e6) {
      // Far away (or nothing): wait on the doorbell, so a command is taken at once, at most until shortly before;
      // idle for a while, only on the doorbell (a command, a stop or the quit rings it).
      const waitMs =
        isIdle && quietRolls >= ROLLS_BEFORE_IDLE_WAIT ? undefined : Math.min(MAX_SLEEP_NS, next - now - margin.ns - 1e6) / 1e6;
      Atomics.wait(words, W.doorbell, doorbell, waitMs);
      if (next === Infinity) secondIdleNs += monotonicNsNumber() - now;
      continue;
    }
    const willSleep = next - now > margin.ns;
    if (willSleep) {
      const wake = next - margin.ns;
      const asleepAt = monotonicNsNumber();
      sleeper.untilNs(wake);
      now = monotonicNsNumber();
      margin.note(now - wake);
      const hostsLateNs = origins.noteSleep(asleepAt, wake, now, next);
      if (hostsLateNs > words[W.wakeLateCurrentNs]) words[W.wakeLateCurrentNs] = Math.min(hostsLateNs, MAX_WORD_NS);
      words[W.sleeps]++;
      secondSleeps++;
      words[W.marginMicros] = margin.ns / 1000;
    }
    const spinFrom = now;
    while ((now = monotonicNsNumber()) < next) {
      /* spin to the edge */
    }
    spinNs += now - spinFrom;
    if (willSleep) secondSpinNs += now - spinFrom;
    if (spinNs >= 1000) {
      words[W.spinMicros] += Math.floor(spinNs / 1000);
      spinNs %= 1000;
    }
    for (const ch of channels) {
      // every channel due by now, each edge at its own scheduled time; the error is taken after the write
      for (let n = 0; n < 4 && ch.nextAt <= now; n++) {
        const scheduled = ch.nextAt;
        ch.fire(write);
        record(monotonicNsNumber() - scheduled, origins.isHosts(scheduled));
      }
    }
  }
  stopAll();
  for (const pin of ownPins) gpio.write(pin, 0);
  Atomics.store(words, W.flags, FLAG_ENDED);
  Atomics.notify(words, W.flags);
  gpio.close();
}

/**
 * Keeps the code the engine runs in RAM: the executable's and the shared libraries' code mappings and the JIT's code
 * region, locked as their pages are touched (mlock2 MLOCK_ONFAULT), so memory pressure cannot evict them and make
 * an edge wait for the disk.
 * Not mlockall: with it every heap page the JavaScript engine ever touched stays resident, since locked pages
 * cannot be given back (measured: RSS only grew over a soak, +33 MiB with MCL_FUTURE, +1.5 to 3 MiB a minute
 * with MCL_CURRENT; without it, RSS fell back after load).
 */
function lockCode(): boolean {
  let locked = 0;
  for (const line of nodeFs().readFileSync("/proc/self/maps", "latin1").split("\n")) {
    // executable mappings: the binary's and the libraries' code, and the JIT's anonymous code region
    const m = /^([0-9a-f]+)-([0-9a-f]+) r[-w]xp /.exec(line);
    if (m === null) continue;
    const start = BigInt(`0x${m[1]}`);
    const length = BigInt(`0x${m[2]}`) - start;
    if (!lockOnFault(start, length)) return false;
    locked++;
  }
  return locked > 0;
}

/**
 * Runs the hot path's code on dummy channels with no pin for a few thousand edges, so the JIT has compiled it
 * before the first real tone: otherwise the first tone's first tens of edges run in the interpreter and come late.
 */
function warmUp(): void {
  const noPin: PinWriter = () => {};
  const tone = new SpeakerChannel(-1);
  const motor = new MotorChannel({ in1: -1, in2: -2, enable: null });
  tone.play([[1000, 50]], 0, noPin);
  motor.set(0.5, 4e6, 20e6, 0, noPin);
  const origins = new EdgeOrigins();
  for (let i = 0; i < 5000; i++) {
    origins.noteSleep(i, i + 2, i + (i % 2) * 4, i + 3); // a sleep in time, then one past its edge, in turn
    origins.isHosts(i);
    monotonicNsNumber();
    if (tone.nextAt <= motor.nextAt) tone.fire(noPin);
    else motor.fire(noPin);
    if (tone.nextAt === Infinity) tone.play([[1000, 50]], motor.nextAt, noPin);
  }
  tone.stop(noPin);
  motor.stop(noPin);
}

self.onmessage = (event: MessageEvent<EngineSetup>) => {
  try {
    postMessage({ ready: true });
    run(event.data);
    postMessage({ ended: true });
  } catch (error) {
    const reason = (error as Error).message;
    // in the shared memory first: the main thread may be waiting for the start without running its loop
    writeFailure(new Int32Array(event.data.memory), reason);
    postMessage({ error: reason });
  }
};
