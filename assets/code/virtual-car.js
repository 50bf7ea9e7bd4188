/**
 * @module code/virtual-car.js: the virtual car (issue 20), a target for the runner like the real one: a car seen
 * from above that moves by its two wheel speeds (tank steering), its LEDs, its buttons as pads to press, and its
 * tones through Web Audio. Drawn in SVG; its state is also in data attributes (`data-x`, `data-y`, `data-heading`,
 * `data-left`, `data-right`, `data-tone`) for screen readers' summaries and for the tests.
 */

const SVG = "http://www.w3.org/2000/svg";
/** The arena, in units; the car is 40 long. */
const ARENA_W = 400;
const ARENA_H = 260;
/** Full speed on both wheels, in units per second: the arena's width in about three seconds. */
const TOP_SPEED = 130;
/** Turning rate with the wheels at full speed in opposite directions (deg/s): half a second is a quarter turn. */
const TOP_TURN_DEG = 180;
/** The trail: this many points, at least this far apart. */
const TRAIL_POINTS = 400;
const TRAIL_STEP = 3;
/** Loudness of the virtual speaker (a square wave is loud). */
const VOLUME = 0.06;

function el(name, attrs = {}, parent = null) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  parent?.append(e);
  return e;
}

export class VirtualCar {
  /**
   * @param {HTMLElement} root where the car is drawn
   * @param {{ leds: string[], buttons: string[], hasMotors: boolean }} board
   */
  constructor(root, board) {
    this.root = root;
    this.ledNames = board.leds;
    this.buttonNames = board.buttons;
    this.hasMotors = board.hasMotors;
    this.left = 0;
    this.right = 0;
    this.leds = Object.fromEntries(board.leds.map((n) => [n, false]));
    this.held = new Set(); // buttons pressed on screen
    this._audio = null;
    this._tone = null; // {osc, until}
    this._frame = 0;
    this._last = 0;
    this.reset();
    this._draw();
  }

  /** Back to the middle, facing up, the trail cleared. */
  reset() {
    this.x = ARENA_W / 2;
    this.y = ARENA_H / 2;
    this.heading = 0; // degrees, clockwise from up
    this.trail = [[this.x, this.y]];
    this.left = 0;
    this.right = 0;
    this._paint();
  }

  // The target's side (runner.js).
  drive(left, right) {
    this.left = left;
    this.right = right;
    this._start();
    this._paint();
  }

  stop() {
    this.drive(0, 0);
    return Promise.resolve();
  }

  tone(hz, ms) {
    this.silence();
    try {
      this._audio ??= new AudioContext();
      void this._audio.resume();
      const osc = this._audio.createOscillator();
      const gain = this._audio.createGain();
      osc.type = "square";
      osc.frequency.value = hz;
      gain.gain.value = VOLUME;
      osc.connect(gain).connect(this._audio.destination);
      const t = this._audio.currentTime;
      osc.start(t);
      osc.stop(t + ms / 1000);
      this._tone = { osc, until: performance.now() + ms };
    } catch {
      this._tone = { osc: null, until: performance.now() + ms }; // no audio here: the note shows all the same
    }
    this.root.dataset.tone = String(hz);
    this._speakerEl?.setAttribute("data-on", "");
    this._start();
  }

  silence() {
    try {
      this._tone?.osc?.stop();
    } catch {
      /* already stopped */
    }
    this._tone = null;
    this.root.dataset.tone = "0";
    this._speakerEl?.removeAttribute("data-on");
    return Promise.resolve();
  }

  setLed(name, on) {
    this.leds[name] = on;
    this._ledEls?.get(name)?.toggleAttribute("data-on", on);
    return Promise.resolve();
  }

  pressed(name) {
    return Promise.resolve(this.held.has(name));
  }

  /** Motion: one step per frame while a wheel turns or a tone plays. */
  _start() {
    if (this._frame !== 0) return;
    this._last = performance.now();
    const tick = (now) => {
      const dt = Math.min(0.1, (now - this._last) / 1000);
      this._last = now;
      this._step(dt);
      if (this._tone !== null && now >= this._tone.until) {
        this._tone = null;
        this.root.dataset.tone = "0";
        this._speakerEl?.removeAttribute("data-on");
      }
      this._frame = this.left !== 0 || this.right !== 0 || this._tone !== null ? requestAnimationFrame(tick) : 0;
    };
    this._frame = requestAnimationFrame(tick);
  }

  _step(dt) {
    const v = ((this.left + this.right) / 2) * TOP_SPEED;
    this.heading = (this.heading + ((this.left - this.right) / 2) * TOP_TURN_DEG * dt + 360) % 360;
    const rad = (this.heading * Math.PI) / 180;
    this.x = Math.max(20, Math.min(ARENA_W - 20, this.x + Math.sin(rad) * v * dt));
    this.y = Math.max(20, Math.min(ARENA_H - 20, this.y - Math.cos(rad) * v * dt));
    const [px, py] = this.trail.at(-1);
    if (Math.hypot(this.x - px, this.y - py) >= TRAIL_STEP) {
      this.trail.push([this.x, this.y]);
      if (this.trail.length > TRAIL_POINTS) this.trail.shift();
    }
    this._paint();
  }

  _paint() {
    if (this._car === undefined) return;
    this._car.setAttribute("transform", `translate(${this.x.toFixed(1)} ${this.y.toFixed(1)}) rotate(${this.heading.toFixed(1)})`);
    this._trail.setAttribute("points", this.trail.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" "));
    const d = this.root.dataset;
    d.x = this.x.toFixed(1);
    d.y = this.y.toFixed(1);
    d.heading = this.heading.toFixed(0);
    d.left = String(this.left);
    d.right = String(this.right);
    for (const [side, speed] of [
      [this._wheelL, this.left],
      [this._wheelR, this.right],
    ])
      side.dataset.run = speed === 0 ? "" : speed > 0 ? "fwd" : "back";
  }

  _draw() {
    const label = "The virtual car, seen from above";
    const svg = el("svg", { viewBox: `0 0 ${ARENA_W} ${ARENA_H}`, class: "arena", role: "img", "aria-label": label });
    const grid = el("g", { class: "grid" }, svg);
    for (let x = 40; x < ARENA_W; x += 40) el("line", { x1: x, y1: 0, x2: x, y2: ARENA_H }, grid);
    for (let y = 40; y < ARENA_H; y += 40) el("line", { x1: 0, y1: y, x2: ARENA_W, y2: y }, grid);
    this._trail = el("polyline", { class: "trail", fill: "none" }, svg);
    this._car = el("g", { class: "vcar" }, svg);
    this._wheelL = el("rect", { x: -17, y: -14, width: 7, height: 16, rx: 2, class: "wheel" }, this._car);
    el("rect", { x: -17, y: 6, width: 7, height: 12, rx: 2, class: "wheel" }, this._car);
    this._wheelR = el("rect", { x: 10, y: -14, width: 7, height: 16, rx: 2, class: "wheel" }, this._car);
    el("rect", { x: 10, y: 6, width: 7, height: 12, rx: 2, class: "wheel" }, this._car);
    el("rect", { x: -11, y: -20, width: 22, height: 40, rx: 8, class: "body" }, this._car);
    el("path", { d: "M-7 -10 q7 -5 14 0 l-2 6 q-5 -3 -10 0z", class: "glass" }, this._car);
    el("path", { d: "M0 -30 l-6 7 h12z", class: "nose" }, this._car);
    this._speakerEl = el("circle", { cx: 0, cy: 8, r: 4, class: "speaker-dot" }, this._car);
    const panel = document.createElement("div");
    panel.className = "vboard";
    this._ledEls = new Map();
    for (const name of this.ledNames) {
      const led = document.createElement("span");
      led.className = "vled";
      led.dataset.name = name;
      led.style.setProperty("--led", LED_COLOURS[name] ?? "#f5c400");
      led.textContent = name;
      panel.append(led);
      this._ledEls.set(name, led);
    }
    for (const name of this.buttonNames) {
      const pad = document.createElement("button");
      pad.type = "button";
      pad.className = "btn btn-quiet vbutton";
      pad.textContent = `Button ${name}`;
      pad.style.setProperty("--led", LED_COLOURS[name] ?? "var(--accent)");
      const down = () => this.held.add(name);
      const up = () => this.held.delete(name);
      pad.addEventListener("pointerdown", down);
      pad.addEventListener("pointerup", up);
      pad.addEventListener("pointerleave", up);
      pad.addEventListener("pointercancel", up);
      pad.addEventListener("keydown", (e) => {
        if (e.key === " " || e.key === "Enter") down();
      });
      pad.addEventListener("keyup", up);
      panel.append(pad);
    }
    this.root.replaceChildren(...(this.hasMotors ? [svg] : []), panel); // no wheels: only the lights and the buttons
    this._paint();
  }
}

const LED_COLOURS = { red: "#ef4444", green: "#22c55e", blue: "#3b82f6", yellow: "#facc15", status: "#a3e635" };
