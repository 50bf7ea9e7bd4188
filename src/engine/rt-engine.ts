/**
 * @module The main thread's side of the real-time engine (issue 7): starts the Worker, writes commands into the
 * shared memory without ever waiting on it, bumps the heartbeat while the engine has something to drive, and reads
 * the engine's figures for `/?rt`. The main thread never toggles the engine's pins itself.
 */
import type { MotorPins, Note } from "./channels.ts";
import {
  ENGINE_MEMORY_WORDS,
  figures,
  FLAG_ENDED,
  FLAG_FAILED,
  FLAG_FIFO,
  FLAG_MLOCK,
  FLAG_RUNNING,
  idleVersions,
  MAX_NOTES,
  readFailure,
  readLocked,
  W,
  writeLocked,
  type ErrorFigures,
} from "./engine-memory.ts";

export type EngineState = "starting" | "running" | "failed" | "ended";
import type { EngineGpio, EngineSetup } from "./engine-setup.ts";

/** `true` in the compiled binary: scripts/build.ts defines it. */
declare const HTTAP_COMPILED: boolean | undefined;

/**
 * Where the Worker's code is. In the binary it is the second entrypoint, embedded under the name `bun build` gives
 * it relative to the first ("./engine/engine-worker.ts" beside "./main.ts"); from source, the file beside this one.
 * The test is on a build-time constant, written here and not imported: only then does the minifier drop the source
 * branch, whose `import.meta.url` `bun build` replaces by the build machine's absolute path (issue 16: a binary that
 * looked for its engine in the build tree drove no pin anywhere else).
 */
function engineWorkerUrl(): string {
  return typeof HTTAP_COMPILED === "boolean" ? "./engine/engine-worker.ts" : new URL("./engine-worker.ts", import.meta.url).href;
}

/**
 * The heartbeat period: well inside the engine's 500 ms loss limit, so one slow tick does not stop the car. It beats
 * from a command until the engine says it is idle with every command taken (`W.idleAfter`), not always: an idle
 * board then runs no JavaScript at all (issue 22: a timer that runs for good is compiled by JSC's optimizing tier,
 * megabytes of resident memory), and an idle engine has nothing a stalled main thread could leave running.
 */
const HEARTBEAT_MS = 50;
/** How long `ready()` waits: a loaded Pi Zero can take seconds to start a Worker. */
const START_TIMEOUT_MS = 60_000;

export interface EngineFigures {
  readonly running: boolean;
  readonly realtimePriority: boolean;
  readonly memoryLocked: boolean;
  readonly heartbeatLosses: number;
  /**
   * Edge error, µs. `lastSecondOwn`: the last second's edges the engine had in hand, those not due before the thread
   * was back from a sleep begun in time that ended past its edge (edge-origins.ts): late of its own doing, or the
   * thread held up while it spun. The rest of `lastSecond` were the host's.
   */
  readonly edgeError: { readonly sinceStart: ErrorFigures; readonly lastSecond: ErrorFigures; readonly lastSecondOwn: ErrorFigures };
  /** Over the last second, µs: the latest a sleep begun in time ended past its time (the host's wake-up lateness). */
  readonly lastSecondWakeLateMaxUs: number;
  /** The engine thread's CPU time in µs (a counter: take differences). */
  readonly cpuMicros: number;
  /** Its CPU use over the last second, % of one core. */
  readonly cpuPercent: number;
  /** Where that CPU goes: its sleeps so far and the µs it spun after them (counters: take differences), the margin. */
  readonly sleeps: number;
  readonly spinMicros: number;
  readonly marginMicros: number;
}

export class RtEngine {
  readonly #words: Int32Array;
  readonly #worker: Worker;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #isHeartbeatPaused = false;
  #isStopped = false;
  /** A failure only the Worker's error event told (its code never ran), or a start given up. */
  #loadError: string | null = null;
  readonly #startedAt = performance.now();

  private constructor(worker: Worker, words: Int32Array) {
    this.#worker = worker;
    this.#words = words;
  }

  /**
   * Starts the Worker on these pins and returns at once: commands may be written from now on, and the engine takes
   * the latest of each when it is up (tens of ms; `ready` says when). `onError` hears of a Worker that fails.
   */
  static start(gpio: EngineGpio, pins: EngineSetup["pins"], onError: (line: string) => void, realtime = true): RtEngine {
    const memory = new SharedArrayBuffer(ENGINE_MEMORY_WORDS * 4);
    if (!realtime) new Int32Array(memory)[W.noRealtime] = 1;
    const worker = new Worker(engineWorkerUrl());
    const engine = new RtEngine(worker, new Int32Array(memory));
    worker.onmessage = (e: MessageEvent<{ error?: string }>) => {
      if (e.data.error !== undefined) onError(`real-time engine stopped: ${e.data.error}`);
    };
    worker.onerror = (e) => {
      engine.noteLoadError(e.message);
      onError(`real-time engine failed: ${e.message}`);
    };
    worker.postMessage({ memory, gpio, pins } satisfies EngineSetup);
    return engine;
  }

  /** Resolves once the engine drives its pins (it has reported its priority); rejects when it failed, or after 60 s. */
  async ready(): Promise<void> {
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (this.state === "starting") {
      if (performance.now() > deadline) throw new Error(`the real-time engine did not start within ${START_TIMEOUT_MS / 1000} s`);
      await Bun.sleep(2);
    }
    if (this.state !== "running") throw new Error(this.failure ?? "the real-time engine ended");
  }

  /**
   * Waits, blocking this thread, until the engine runs or fails, at most `timeoutMs`; returns the state then, which
   * is still "starting" when the time ran out (the start goes on). For the first command that needs the engine: it is
   * answered only once its effect is certain (issue 16: a Worker that could not start was answered 200). The engine
   * reports both outcomes in the shared memory, so the wait ends as soon as it does (a few ms on an idle board).
   */
  waitStarted(timeoutMs: number): EngineState {
    const deadline = performance.now() + timeoutMs;
    for (
      let flags = Atomics.load(this.#words, W.flags);
      flags === 0 && this.#loadError === null;
      flags = Atomics.load(this.#words, W.flags)
    ) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      Atomics.wait(this.#words, W.flags, 0, Math.min(left, 50));
    }
    return this.state;
  }

  /** How long ago the Worker was started, ms. */
  startedMsAgo(): number {
    return performance.now() - this.#startedAt;
  }

  /** A start that took too long is failed with this reason (the caller stops it). */
  giveUp(reason: string): void {
    this.#loadError ??= reason;
  }

  /** Where the engine is: starting, running (driving its pins), failed (see `failure`), or ended as asked. */
  get state(): EngineState {
    const flags = Atomics.load(this.#words, W.flags);
    if ((flags & FLAG_FAILED) !== 0 || this.#loadError !== null) return "failed";
    if ((flags & FLAG_RUNNING) !== 0) return "running";
    if ((flags & FLAG_ENDED) !== 0 || this.#isStopped) return "ended";
    return "starting";
  }

  /** Why the engine failed, or null. */
  get failure(): string | null {
    return readFailure(this.#words) ?? this.#loadError;
  }

  /** The Worker reported an error the engine could not write itself (its code did not load, or it threw outside). */
  noteLoadError(reason: string): void {
    this.#loadError ??= reason;
  }

  /** Both motors (-1..1 each) at `pwmHz`, a reversal coasting for `deadMs` first. */
  motors(left: number, right: number, pwmHz: number, deadMs: number): void {
    const w = this.#words;
    writeLocked(w, W.motorVersion, () => {
      w[W.motorLeft] = Math.round(left * 10000);
      w[W.motorRight] = Math.round(right * 10000);
      w[W.motorPeriodUs] = Math.round(1e6 / pwmHz);
      w[W.motorDeadUs] = Math.round(deadMs * 1000);
    });
    this.#beat();
  }

  /** Plays notes (Hz, ms; 0 Hz = rest), replacing what plays; an empty list is silence. */
  play(notes: readonly Note[]): void {
    if (notes.length > MAX_NOTES) throw new RangeError(`at most ${MAX_NOTES} notes`);
    const w = this.#words;
    writeLocked(w, W.speakerVersion, () => {
      w[W.speakerCount] = notes.length;
      notes.forEach(([freq, ms], i) => {
        w[W.notes + 2 * i] = Math.round(freq);
        w[W.notes + 2 * i + 1] = Math.round(ms);
      });
    });
    this.#beat();
  }

  /** Beats the heartbeat from now until the engine is idle with every command taken. */
  #beat(): void {
    if (this.#heartbeat !== null || this.#isStopped || this.#isHeartbeatPaused) return;
    const w = this.#words;
    this.#heartbeat = setInterval(() => {
      Atomics.add(w, W.heartbeat, 1);
      const written = idleVersions(Atomics.load(w, W.motorVersion), Atomics.load(w, W.speakerVersion));
      if (Atomics.load(w, W.idleAfter) === written) this.#stopBeating();
    }, HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #stopBeating(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** Motors coast and the speaker goes low, now. */
  stopAll(): void {
    Atomics.add(this.#words, W.stopVersion, 1);
    Atomics.add(this.#words, W.doorbell, 1);
    Atomics.notify(this.#words, W.doorbell);
  }

  figures(): EngineFigures {
    const w = this.#words;
    const flags = Atomics.load(w, W.flags);
    const last = lastSecond(w);
    return {
      running: (flags & FLAG_RUNNING) !== 0,
      realtimePriority: (flags & FLAG_FIFO) !== 0,
      memoryLocked: (flags & FLAG_MLOCK) !== 0,
      heartbeatLosses: Atomics.load(w, W.heartbeatLosses),
      edgeError: { sinceStart: figures(w, W.errorsTotal, w[W.maxTotalNs]), lastSecond: last.errors, lastSecondOwn: last.own },
      lastSecondWakeLateMaxUs: last.wakeLateMaxUs,
      cpuMicros: Atomics.load(w, W.cpuMicros) >>> 0,
      cpuPercent: Atomics.load(w, W.cpuPermille) / 10,
      sleeps: Atomics.load(w, W.sleeps) >>> 0,
      spinMicros: Atomics.load(w, W.spinMicros) >>> 0,
      marginMicros: Atomics.load(w, W.marginMicros),
    };
  }

  /** Tells the engine to drive its pins low and end; waits for it (bounded), then ends the Worker regardless. */
  async stop(): Promise<void> {
    if (this.#isStopped) return;
    this.#askToQuit();
    for (let i = 0; i < 100 && this.#isRunning(); i++) await Bun.sleep(2);
    this.#worker.terminate();
  }

  /**
   * The same without yielding, for the crash path (an uncaught exception, exit): asks the engine to quit and waits
   * for it (at most `waitMs`, spinning), so the main thread can drive the safe state after it without a race. Also
   * during a `stop` that has asked already: the wait is what lets the main thread drive the pins after the engine.
   */
  stopNow(waitMs = 50): void {
    if (!this.#isStopped) this.#askToQuit();
    const until = performance.now() + waitMs;
    while (this.#isRunning() && performance.now() < until) {
      /* the engine needs well under a millisecond */
    }
    this.#worker.terminate();
  }

  #askToQuit(): void {
    this.#isStopped = true;
    this.#stopBeating();
    Atomics.store(this.#words, W.quit, 1);
    Atomics.add(this.#words, W.doorbell, 1);
    Atomics.notify(this.#words, W.doorbell);
  }

  /** Ready and not yet ended (the flags word is cleared by the engine as it leaves). */
  #isRunning(): boolean {
    return (Atomics.load(this.#words, W.flags) & FLAG_RUNNING) !== 0;
  }

  /** For a test of the heartbeat: the main thread "stalls". */
  pauseHeartbeat(): void {
    this.#isHeartbeatPaused = true;
    this.#stopBeating();
  }

  /** Whether the heartbeat beats now (tests: it stops once the engine is idle). */
  get isBeating(): boolean {
    return this.#heartbeat !== null;
  }
}

export type { MotorPins, Note };

/**
 * The last second's figures, whole: the engine copies them once a second behind a seqlock, and a reading that met the
 * copy is taken again (a few times: a copy takes microseconds; the last try is taken as it is).
 */
function lastSecond(w: Int32Array): { errors: ErrorFigures; own: ErrorFigures; wakeLateMaxUs: number } {
  const read = () => ({
    errors: figures(w, W.errorsLast, w[W.maxLastNs]),
    own: figures(w, W.ownErrorsLast, w[W.ownMaxLastNs]),
    wakeLateMaxUs: Math.round(w[W.wakeLateLastNs] / 1000),
  });
  for (let attempt = 0; attempt < 3; attempt++) {
    const whole = readLocked(w, W.lastSecondVersion, -1, read);
    if (whole !== null) return whole.value;
  }
  return read();
}
