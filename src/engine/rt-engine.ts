/**
 * @module The main thread's side of the real-time engine (issue 7): starts the Worker, writes commands into the
 * shared memory without ever waiting on it, bumps the heartbeat, and reads the engine's figures for `/?rt`. The
 * main thread never toggles the engine's pins itself.
 */
import type { BackendKind } from "../gpio/gpio-backend.ts";
import type { MotorPins, Note } from "./channels.ts";
import { ENGINE_MEMORY_WORDS, figures, FLAG_FIFO, FLAG_MLOCK, FLAG_RUNNING, MAX_NOTES, W, writeLocked, type ErrorFigures } from "./engine-memory.ts";
import type { EngineSetup } from "./engine-setup.ts";

/** The heartbeat period: well inside the engine's 500 ms loss limit, so one slow tick does not stop the car. */
const HEARTBEAT_MS = 50;
const START_TIMEOUT_MS = 5_000;

export interface EngineFigures {
  readonly running: boolean;
  readonly realtimePriority: boolean;
  readonly memoryLocked: boolean;
  readonly heartbeatLosses: number;
  readonly edgeError: { readonly sinceStart: ErrorFigures; readonly lastSecond: ErrorFigures };
  /** The engine thread's CPU time in µs (a counter: take differences). */
  readonly cpuMicros: number;
}

export class RtEngine {
  readonly #words: Int32Array;
  readonly #worker: Worker;
  readonly #heartbeat: ReturnType<typeof setInterval>;
  #isStopped = false;

  private constructor(worker: Worker, words: Int32Array) {
    this.#worker = worker;
    this.#words = words;
    this.#heartbeat = setInterval(() => Atomics.add(words, W.heartbeat, 1), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  /** Starts the Worker on these pins; rejects with the Worker's reason when it cannot open them. */
  static async start(gpio: { kind: BackendKind; simPath: string | null }, pins: EngineSetup["pins"], onError: (line: string) => void): Promise<RtEngine> {
    const memory = new SharedArrayBuffer(ENGINE_MEMORY_WORDS * 4);
    const worker = new Worker(new URL("./engine-worker.ts", import.meta.url).href);
    const words = new Int32Array(memory);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the real-time engine did not start within 5 s")), START_TIMEOUT_MS);
      worker.onmessage = (e: MessageEvent<{ ready?: true; error?: string }>) => {
        if (e.data.error !== undefined) { clearTimeout(timer); reject(new Error(`real-time engine: ${e.data.error}`)); return; }
        if (e.data.ready !== true) return;
        // running once it has set its pins up and reported its priority
        const poll = setInterval(() => { if ((Atomics.load(words, W.flags) & FLAG_RUNNING) !== 0) { clearInterval(poll); clearTimeout(timer); resolve(); } }, 2);
      };
      worker.onerror = (e) => { clearTimeout(timer); reject(new Error(`real-time engine: ${e.message}`)); };
      worker.postMessage({ memory, gpio, pins } satisfies EngineSetup);
    });
    worker.onmessage = (e: MessageEvent<{ error?: string }>) => { if (e.data.error !== undefined) onError(`real-time engine stopped: ${e.data.error}`); };
    worker.onerror = (e) => onError(`real-time engine failed: ${e.message}`);
    return new RtEngine(worker, words);
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
  }

  /** Plays notes (Hz, ms; 0 Hz = rest), replacing what plays; an empty list is silence. */
  play(notes: readonly Note[]): void {
    if (notes.length > MAX_NOTES) throw new RangeError(`at most ${MAX_NOTES} notes`);
    const w = this.#words;
    writeLocked(w, W.speakerVersion, () => {
      w[W.speakerCount] = notes.length;
      notes.forEach(([freq, ms], i) => { w[W.notes + 2 * i] = Math.round(freq); w[W.notes + 2 * i + 1] = Math.round(ms); });
    });
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
    return {
      running: (flags & FLAG_RUNNING) !== 0,
      realtimePriority: (flags & FLAG_FIFO) !== 0,
      memoryLocked: (flags & FLAG_MLOCK) !== 0,
      heartbeatLosses: Atomics.load(w, W.heartbeatLosses),
      edgeError: { sinceStart: figures(w, W.errorsTotal, w[W.maxTotalNs]), lastSecond: figures(w, W.errorsLast, w[W.maxLastNs]) },
      cpuMicros: Atomics.load(w, W.cpuMicros) >>> 0,
    };
  }

  /** Tells the engine to drive its pins low and end; waits for it (bounded), then ends the Worker regardless. */
  async stop(): Promise<void> {
    if (this.#isStopped) return;
    this.#isStopped = true;
    clearInterval(this.#heartbeat);
    Atomics.store(this.#words, W.quit, 1);
    Atomics.add(this.#words, W.doorbell, 1);
    Atomics.notify(this.#words, W.doorbell);
    for (let i = 0; i < 100 && (Atomics.load(this.#words, W.flags) & FLAG_RUNNING) !== 0; i++) await Bun.sleep(2);
    this.#worker.terminate();
  }

  /** For a test of the heartbeat: the main thread "stalls". */
  pauseHeartbeat(): void {
    clearInterval(this.#heartbeat);
  }
}

export type { MotorPins, Note };
