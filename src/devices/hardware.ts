/**
 * @module The board as the firmware drives it (issue 7): the GPIO backend, the board profile's devices, the
 * real-time engine (started on the first timed command, so a device nobody drives pays no Worker: ~6 MiB), and the
 * safe state. Knows the board, not HTTP: the HTTaP resources are thin adapters over this.
 */
import { RtEngine } from "../engine/rt-engine.ts";
import type { GpioBackend } from "../gpio/gpio-backend.ts";
import type { OpenedGpio, RegisterSource } from "../gpio/open-backend.ts";
import { outputPins, pinRoles, type BoardProfile } from "./board-profile.ts";
import { Buttons } from "./buttons.ts";
import { EngineUnavailable } from "./engine-unavailable.ts";
import { Motors } from "./motors.ts";
import { driveLow } from "./safe-state.ts";
import { Speaker } from "./speaker.ts";
import { SysfsPwm } from "./sysfs-pwm.ts";

export interface HardwareOptions {
  readonly profile: BoardProfile;
  readonly gpio: OpenedGpio;
  readonly pwmSysfs: string;
  readonly motorPwmHz: number;
  readonly deadmanMs: number;
  /** Let the engine take SCHED_FIFO and lock its code in memory when permitted (HTTAP_REALTIME). */
  readonly realtime: boolean;
  readonly log: (line: string) => void;
  /** How long the engine's start may take, and how long its first command waits for it; tests shorten them. */
  readonly engineStart?: EngineStartTimes;
}

export interface EngineStartTimes {
  /** The first command of a start waits this long for the engine (blocking the loop, once per start). */
  readonly waitMs: number;
  /** A start still not done after this long is given up as failed; until then commands are refused "still starting". */
  readonly limitMs: number;
}

/**
 * A Worker starts in tens of ms on an idle board, but seconds on a loaded one (a Pi Zero, or three cars and a browser
 * on two cores). A slow start is kept alive, never killed and started again: that retry could never finish on a
 * board where every start takes longer than the wait (issue 22: a room test's cars never drove).
 */
const ENGINE_START: EngineStartTimes = { waitMs: 3_000, limitMs: 60_000 };
/** After a failure, commands are refused this long before the next one tries a new engine (no retry storm). */
const ENGINE_RETRY_AFTER_MS = 1_000;

/** What `/?rt` and `/?stats` say of the engine. */
export interface EngineStatus {
  readonly state: "not started" | "starting" | "running" | "failed";
  /** Why it failed (the last failure while it is failed). */
  readonly failure: string | null;
}

export class Hardware {
  readonly profile: BoardProfile;
  readonly gpio: GpioBackend;
  readonly simPath: string | null;
  /** Where the registers were mapped from (bcm, rp1): the engine maps them again. */
  readonly #registers: RegisterSource | null;
  readonly roles: ReadonlyMap<number, string>;
  readonly speaker: Speaker;
  readonly motors: Motors | null;
  readonly buttons: Buttons;
  readonly #pwm: SysfsPwm | null;
  readonly #log: (line: string) => void;
  readonly #realtime: boolean;
  #engine: RtEngine | null = null;
  readonly #engineStart: EngineStartTimes;
  /** The engine whose first command has already waited for its start: later ones do not block again. */
  #startWaitedFor: RtEngine | null = null;
  /** The last engine failure and when (performance.now()), until an engine runs again. */
  #engineFailure: { reason: string; at: number } | null = null;
  /** No command is taken any more (`close` or `closeNow` began). */
  #isClosed = false;
  /** The outputs are low and the GPIO given back (`close` or `closeNow` ended). */
  #isReleased = false;

  constructor(backend: GpioBackend, o: HardwareOptions) {
    this.profile = o.profile;
    this.gpio = backend;
    this.simPath = o.gpio.simPath;
    this.#registers = o.gpio.registers;
    this.roles = pinRoles(o.profile);
    this.#log = o.log;
    this.#realtime = o.realtime;
    this.#engineStart = o.engineStart ?? ENGINE_START;
    const p = o.profile;
    let pwm: SysfsPwm | null = null;
    if (p.speakerPwm !== null) {
      try {
        pwm = SysfsPwm.open(o.pwmSysfs, p.speakerPwm.chip, p.speakerPwm.channel);
      } catch (error) {
        o.log(`speaker: hardware PWM unusable (${(error as Error).message}); the engine makes the tone`);
      }
    }
    this.#pwm = pwm;
    this.driveSafeState(); // first thing: every output to its safe level
    if (o.gpio.simPath !== null) o.log(`gpio: board ${o.profile.name} on the simulator; watch ${o.gpio.simPath}`);
    this.speaker = new Speaker({ pwm, engine: () => this.#engineForCommand() });
    this.motors =
      p.motors === null ? null : new Motors({ engine: () => this.#engineForCommand(), pwmHz: o.motorPwmHz, deadmanMs: o.deadmanMs });
    this.buttons = new Buttons(backend, p.buttons);
  }

  /** The engine, if it has been started (for `/?rt`). */
  get engine(): RtEngine | null {
    return this.#engine;
  }

  /** The engine's state and, when it failed, why (for `/?rt`, `/?stats`). */
  engineStatus(): EngineStatus {
    if (this.#engineFailure !== null) return { state: "failed", failure: this.#engineFailure.reason };
    if (this.#engine === null) return { state: "not started", failure: null };
    return { state: this.#engine.state === "running" ? "running" : "starting", failure: null };
  }

  /** Outputs of the profile, each as an output at its safe level: motors coast, speaker low, LEDs off. The main
   * thread calls it only while the engine is not running (at start, or after stopping it). `pins` limits it to some.
   * On the character device the first call requests each line (with a pull-down) and the process holds it till exit;
   * later calls write through those same requests, so none is ever asked for twice (nor refused EBUSY). */
  driveSafeState(pins: readonly number[] = this.#mainThreadSafePins()): void {
    driveLow(this.gpio, pins);
    this.#pwm?.off();
  }

  setLed(name: string, on: boolean): void {
    this.gpio.write(this.profile.leds[name], on ? 1 : 0);
  }

  led(name: string): boolean {
    return this.gpio.read(this.profile.leds[name]) === 1;
  }

  /** Starts the engine now rather than on the first timed command, and waits until it drives its pins (for the
   * sandbox: after the chroot the Worker could not open them). A board without engine pins starts nothing. */
  async startEngineNow(): Promise<void> {
    const p = this.profile;
    if (this.#pwm !== null && p.motors === null) return; // the tone is hardware PWM and there are no motors
    const engine = this.#startEngine();
    try {
      await engine.ready();
    } catch (error) {
      this.#engineFailed(engine, `real-time engine: ${(error as Error).message}; tones and motors answer with the error`);
    }
  }

  /** Stops the engine (it drives its pins low), then drives every output low. */
  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#stopTimers();
    await this.#engine?.stop();
    if (this.#isReleased) return; // `closeNow` finished it while the engine stopped
    this.#release();
  }

  /**
   * The same without yielding, for a crash, a stop cut short (a second stop signal) or `process.on("exit")`; also
   * while `close` waits for the engine, which must not leave the exit with the engine's pins as they were.
   */
  closeNow(): void {
    if (this.#isReleased) return;
    this.#isClosed = true;
    this.#stopTimers();
    this.#engine?.stopNow();
    this.#release();
  }

  /**
   * Nothing runs on a closed board: the buttons' sampling stops; the motors' dead-man, which would ask an engine that is
   * gone (and throw), is disarmed and they stand still (the engine's stop drives its pins low, the safe state the rest);
   * a hardware-PWM tone stops now, its next note's timer with it, and the engine's tone is forgotten.
   */
  #stopTimers(): void {
    this.buttons.stop();
    this.motors?.forget("shutdown");
    if (this.speaker.method === "pwm") this.speaker.stop();
    else this.speaker.forget();
  }

  /** The engine is out: every output low, and the PWM and the GPIO given back. */
  #release(): void {
    this.#isReleased = true;
    this.#engine = null;
    this.driveSafeState();
    this.#pwm?.close();
    this.gpio.close();
  }

  #mainThreadSafePins(): number[] {
    // with hardware PWM the speaker pin belongs to the PWM function: sysfs turns it off, GPIO must not take it
    return outputPins(this.profile).filter((pin) => !(this.#pwm !== null && pin === this.profile.speaker));
  }

  /**
   * The engine for a command, started when there is none; throws EngineUnavailable with the reason when it cannot
   * drive now, so the command is refused rather than answered as if it had played or driven. The first command of a
   * start waits for it (its answer then says what happened); while a slow start goes on, commands are refused as
   * "still starting" without waiting again, and the start is given up only after `limitMs`. After a failure the next
   * command tries a new engine, at most once every ENGINE_RETRY_AFTER_MS.
   */
  #engineForCommand(): RtEngine {
    if (this.#isClosed) throw new EngineUnavailable("the device is shutting down");
    const failure = this.#engineFailure;
    if (this.#engine === null && failure !== null && performance.now() - failure.at < ENGINE_RETRY_AFTER_MS) {
      throw new EngineUnavailable(`the real-time engine failed (${failure.reason}); tones and motors are off, retried in a second`);
    }
    const engine = this.#engine ?? this.#startEngine();
    if (engine.state === "starting" && this.#startWaitedFor !== engine) {
      this.#startWaitedFor = engine;
      engine.waitStarted(this.#engineStart.waitMs);
    }
    if (engine.state === "starting") {
      if (engine.startedMsAgo() < this.#engineStart.limitMs) {
        throw new EngineUnavailable("the real-time engine is still starting (the board is busy); try again in a moment");
      }
      engine.giveUp(`it did not start within ${this.#engineStart.limitMs / 1000} s`);
    }
    if (engine.state === "running") {
      if (this.#engineFailure !== null) this.#log("real-time engine: running again");
      this.#engineFailure = null;
      return engine;
    }
    this.#engineFailed(engine, `real-time engine failed: ${engine.failure ?? "it ended"}`);
    throw new EngineUnavailable(`the real-time engine failed (${engine.failure ?? "it ended"}); tones and motors are off`);
  }

  #enginePins(): number[] {
    const p = this.profile;
    return [
      ...(this.#pwm === null ? [p.speaker] : []),
      ...(p.motors === null
        ? []
        : [p.motors.left, p.motors.right].flatMap((m) => [m.in1, m.in2, ...(m.enable === null ? [] : [m.enable])])),
    ];
  }

  #startEngine(): RtEngine {
    if (this.#engine !== null) return this.#engine;
    const kind = this.gpio.kind;
    const p = this.profile;
    const enginePins = this.#enginePins();
    // From now on the engine drives them (DESIGN principle 1), through the main thread's own line requests on the
    // character device: nothing is released, so no pin is undriven between the two threads.
    const lines = enginePins.flatMap((pin) => this.gpio.handOver(pin) ?? []);
    const engine = RtEngine.start(
      { kind, simPath: this.simPath, registers: this.#registers, lines },
      { speaker: this.#pwm === null ? p.speaker : null, motors: p.motors },
      (line) => this.#engineFailed(engine, line),
      this.#realtime,
    );
    this.#engine = engine;
    return engine;
  }

  /**
   * The engine Worker failed (it could not open its pins, or threw): it drove nothing low on its way out, so the main
   * thread drives the engine's pins low, now that no other thread owns them, and forgets what they were doing. The
   * LEDs and the rest of the board are not the engine's and stay as they are (the status LED still shows the
   * session). Logged once per failure, however many commands are refused meanwhile.
   */
  #engineFailed(engine: RtEngine, line: string): void {
    if (this.#engine !== engine || this.#isClosed) return;
    const isNew = this.#engineFailure === null || this.#engineFailure.reason !== (engine.failure ?? line);
    if (isNew) this.#log(line);
    this.#engineFailure = { reason: engine.failure ?? line, at: performance.now() };
    this.#engine = null;
    engine.stopNow();
    this.driveSafeState(this.#enginePins());
    this.motors?.forget("engine-failure");
    this.speaker.forget();
  }
}
