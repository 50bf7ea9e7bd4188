/**
 * @module code/runner.js: runs a participant's program (issue 20) against a target, the real car (device-target.js)
 * or the virtual one (virtual-car.js), through one small API:
 *
 *   car.drive(left, right)   wheel speeds in %, -100..100, until changed; car.stop()
 *   car.forward(s), car.backward(s), car.turnLeft(s), car.turnRight(s)   move for s seconds, then stop
 *   wait(ms)                 speaker.tone(hz, ms), speaker.rest(ms), speaker.melody([[hz, ms], …])
 *   leds.set(name, on)       leds.names          buttons.pressed(name)   buttons.names
 *   onButton(name, fn)       fn runs at each press while the program runs     say(text)
 *
 * Every call is awaited (the blocks and the JavaScript mode add the awaits). The program runs as an async function
 * on the page's thread; every statement and every loop iteration passes through `__s(line)` or `__block(id)`,
 * which records where the program is (the highlight, the error's place) and gives the page its turn every few
 * milliseconds, so `while (true) {}` cannot freeze it and Stop still works. Stop, an exception, the program's end,
 * and leaving or hiding the page stop the motors and the speaker at once.
 */

/** Run the program at most this long before letting the page handle input and paint (ms): half a frame. */
const SLICE_MS = 8;
/** A wait wakes at least this often to see a Stop (ms). */
const WAIT_STEP_MS = 25;
/** How often `onButton` looks at the buttons (ms): a press is longer than this. */
const BUTTON_POLL_MS = 30;
/**
 * How long synchronous code (a loop in a function given to `list.map(…)`, a getter, a constructor: it cannot give the
 * page its turn) may run before the run ends with an error, so that the page comes back and Stop works (ms).
 */
export const SYNC_LIMIT_MS = 1500;

/** Thrown through the program when it is stopped; never shown as an error. */
class Stopped extends Error {}

/**
 * The page's turn: the next frame (input handled, the page painted), then a task after it. A task alone (a message)
 * lets input in, but a loop that always has one queued starves the frames; one slice a frame keeps the page smooth.
 * A hidden page has no frames, and the program is stopped when the page is hidden.
 */
function nextTurn() {
  return new Promise((resolve) => {
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(0);
    });
  });
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const AsyncFunction = (async () => {}).constructor;
/** The names a program is given; the blocks' generator reserves them, so that no variable hides them. */
export const PARAMS = ["car", "speaker", "leds", "buttons", "wait", "onButton", "say", "__s", "__block", "__t"];

/** Compiles runnable code, or throws its SyntaxError. */
export function compile(code) {
  return new AsyncFunction(...PARAMS, `"use strict";\n${code}`);
}

/**
 * One program at a time. `run` resolves with how it ended: {ended: "done" | "stopped" | "error", error?, line?,
 * block?}; `where()` tells the line or block running now.
 */
export class Runner {
  constructor() {
    this._ctl = null; // the run in progress: {stopped, line, block, target, wake[]}
  }

  get running() {
    return this._ctl !== null;
  }

  /** Where the program is: {line, block} (null when none runs). */
  where() {
    return this._ctl === null ? null : { line: this._ctl.line, block: this._ctl.block };
  }

  /**
   * @param {string} code runnable code (blocks.generate(…, true) or instrument())
   * @param {any} target the car: drive, stop, tone, silence, setLed, pressed, ledNames, buttonNames, hasMotors
   * @param {{ say?: (text: string) => void, why?: string }} hooks
   */
  async run(code, target, hooks = {}) {
    if (this._ctl !== null) await this.stop("another run");
    const fn = compile(code); // a SyntaxError is thrown before anything moves
    // wake: the wakers of the waits in progress (each removes its own), called at once by a stop
    const ctl = { stopped: false, why: "", line: 0, block: null, target, slice: performance.now(), wake: new Set(), handlers: [] };
    ctl.syncFrom = null; // when the synchronous code now running began (see __t)
    this._ctl = ctl;
    const api = programApi(ctl, target, hooks);
    let outcome;
    try {
      await target.prepare?.(); // the real car: motors stopped and its engine started before the first step is timed
      await fn(api.car, api.speaker, api.leds, api.buttons, api.wait, api.onButton, api.say, api.__s, api.__block, api.__t);
      if (ctl.handlers.length > 0 && !ctl.stopped) await new Promise((resolve) => ctl.wake.add(resolve)); // until Stop
      outcome = ctl.error !== undefined ? failure(ctl, ctl.error) : { ended: ctl.stopped ? "stopped" : "done" };
    } catch (error) {
      // once stopped, what the program throws comes from the stop (a command the paused device refused, …)
      const stopped = error instanceof Stopped || ctl.stopped;
      outcome = ctl.error !== undefined ? failure(ctl, ctl.error) : stopped ? { ended: "stopped" } : failure(ctl, error);
    } finally {
      if (!ctl.stopped) halt(ctl, "end");
      if (this._ctl === ctl) this._ctl = null;
    }
    if (outcome.ended === "stopped") outcome.why = ctl.why;
    return outcome;
  }

  /** Stops the program: the motors and the speaker at once, the program at its next step. */
  stop(why = "stop") {
    const ctl = this._ctl;
    if (ctl === null) return Promise.resolve();
    return halt(ctl, why);
  }
}

function failure(ctl, error) {
  const message = error instanceof Error ? error.message : String(error);
  return { ended: "error", error: message, line: ctl.line, block: ctl.block };
}

/** Marks the run stopped and stops the car's motors and speaker now; a waiting program wakes and ends. */
function halt(ctl, why) {
  if (ctl.stopped) return Promise.resolve();
  ctl.stopped = true;
  ctl.why = why;
  const wakers = [...ctl.wake];
  ctl.wake.clear();
  for (const wake of wakers) wake();
  return Promise.all([ctl.target.stop(), ctl.target.silence()]).catch(() => {});
}

/** The API a program sees, bound to one run. */
function programApi(ctl, target, hooks) {
  const live = () => {
    if (ctl.stopped) throw new Stopped("stopped");
  };
  /** Every statement (JavaScript mode) and every block passes here: where we are, and the page's turn. */
  const step = async () => {
    live();
    if (performance.now() - ctl.slice > SLICE_MS) {
      await nextTurn();
      ctl.slice = performance.now();
      live();
    }
  };
  const number = (v, what, min, max) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${what} must be a number, not ${JSON.stringify(v) ?? String(v)}`);
    return Math.max(min, Math.min(max, n));
  };
  const needMotors = () => {
    if (!target.hasMotors) throw new Error("this board has no motors");
  };
  const checkName = (kind, names, name) => {
    if (!names.includes(name)) {
      const has = names.length === 0 ? `this board has no ${kind}s` : `this board has ${names.join(", ")}`;
      throw new Error(`there is no ${kind} named ${JSON.stringify(name)}: ${has}`);
    }
  };
  const wait = async (ms) => {
    live();
    const end = performance.now() + number(ms, "wait's time", 0, 3_600_000);
    for (let left = end - performance.now(); left > 0; left = end - performance.now()) {
      await new Promise((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          ctl.wake.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, WAIT_STEP_MS));
        ctl.wake.add(wake);
      });
      live();
    }
    ctl.slice = performance.now();
  };
  const drive = async (left, right) => {
    live();
    needMotors();
    target.drive(number(left, "the left speed", -100, 100) / 100, number(right, "the right speed", -100, 100) / 100);
  };
  const move = (left, right) => async (seconds = 1) => {
    const s = number(seconds, "the time", 0, 3600);
    await drive(left * car.speed, right * car.speed);
    await wait(s * 1000);
    await target.stop();
  };
  const car = {
    /** The speed of forward, backward and the turns, in % (the blocks use 100). */
    speed: 100,
    drive,
    stop: async () => {
      live();
      await target.stop();
    },
    forward: move(1, 1),
    backward: move(-1, -1),
    turnLeft: move(-1, 1),
    turnRight: move(1, -1),
  };
  const tone = async (hz, ms) => {
    live();
    const f = number(hz, "the tone's frequency", 0, 20000);
    const d = number(ms, "the tone's length", 1, 10000);
    if (f !== 0 && f < 20) throw new Error(`a tone's frequency is 20 to 20000 Hz (0 is a rest), not ${hz}`);
    if (f > 0) target.tone(f, d);
    await wait(d);
  };
  const speaker = {
    tone,
    rest: (ms) => wait(ms),
    melody: async (notes) => {
      if (!Array.isArray(notes)) throw new Error("a melody is a list of [Hz, ms] notes");
      for (const note of notes) await tone(note[0], note[1]);
    },
  };
  const leds = {
    names: [...target.ledNames],
    set: async (name, on) => {
      live();
      checkName("LED", target.ledNames, name);
      await target.setLed(name, Boolean(on));
    },
  };
  const buttons = {
    names: [...target.buttonNames],
    pressed: async (name) => {
      live();
      checkName("button", target.buttonNames, name);
      return Boolean(await target.pressed(name));
    },
  };
  const onButton = async (name, fn) => {
    live();
    checkName("button", target.buttonNames, name);
    if (typeof fn !== "function") throw new Error("onButton needs a function to run at each press");
    ctl.handlers.push({ name, fn, was: false, busy: false });
    if (ctl.handlers.length === 1) void watchButtons(ctl, target);
  };
  const say = async (text) => {
    live();
    hooks.say?.(String(text));
  };
  return {
    car,
    speaker,
    leds,
    buttons,
    wait,
    onButton,
    say,
    __s: (line) => {
      ctl.line = line;
      ctl.syncFrom = null;
      return step();
    },
    __block: (id) => {
      ctl.block = id;
      ctl.syncFrom = null;
      return step();
    },
    /** Each iteration of a loop that cannot yield (synchronous code): the run ends if it has run too long. */
    __t: () => {
      const now = performance.now();
      ctl.syncFrom ??= now;
      if (ctl.stopped) throw new Stopped("stopped");
      if (now - ctl.syncFrom > SYNC_LIMIT_MS) {
        const seconds = SYNC_LIMIT_MS / 1000;
        const error = new Error(
          `a loop inside a function given to another (like list.forEach), a getter or a constructor ran ${seconds} s without a pause: ` +
            "such a loop cannot wait, so the program was stopped; put long loops in the program itself or in your own functions",
        );
        ctl.error ??= error;
        halt(ctl, "error");
        throw error;
      }
    },
  };
}

/** While the run lasts: each handler runs once per press (never twice at once); its error ends the run. */
async function watchButtons(ctl, target) {
  while (!ctl.stopped) {
    for (const h of ctl.handlers) {
      let now = false;
      try {
        now = Boolean(await target.pressed(h.name));
      } catch {
        /* a read that failed: the next one tells */
      }
      if (now && !h.was && !h.busy) {
        h.busy = true;
        Promise.resolve()
          .then(() => h.fn())
          .catch((error) => {
            if (error instanceof Stopped) return;
            ctl.error = error;
            halt(ctl, "error");
          })
          .finally(() => (h.busy = false));
      }
      h.was = now;
    }
    await sleep(BUTTON_POLL_MS);
  }
}
