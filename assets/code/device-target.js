/**
 * @module code/device-target.js: the real car as the runner's target (issue 20), over httap.js. Drive commands are
 * latest-wins (`device.drive`) and re-sent every 150 ms while a wheel turns, well within the device's dead-man time,
 * as the car page does: a page that dies leaves a car that stops by itself. Tones are sent without waiting for the
 * answer (the runner waits the note's length), LEDs and buttons are awaited (an LED the board lacks is an error).
 * While the workshop leader pauses the device (issue 21: httap.js's `paused`, commands answer 423) nothing is sent
 * or re-sent, and `onPause` is called: the page stops the program, which the participant runs again after the resume.
 */

/** Re-send the wheels' speeds this often while they turn (the device's dead-man time is 500 ms by default). */
const RESEND_MS = 150;

export class DeviceTarget {
  /**
   * @param {import("../httap.js").Httap} device
   * @param {{ leds: string[], buttons: string[], hasMotors: boolean }} board
   */
  constructor(device, board) {
    this.device = device;
    this.ledNames = board.leds;
    this.buttonNames = board.buttons;
    this.hasMotors = board.hasMotors;
    this._wheels = null; // {left, right} while they turn
    this._timer = 0;
    /** @type {(() => void) | null} called when the leader pauses the device (an event, or a command answered 423) */
    this.onPause = null;
    device.addEventListener("paused", (e) => {
      if (e.detail.message !== null) this._pausedNow();
    });
  }

  /** Forgets the turning wheels and their re-send timer. */
  _stopResending() {
    this._wheels = null;
    clearInterval(this._timer);
    this._timer = 0;
  }

  /** The device is paused: stop re-sending, and tell. */
  _pausedNow() {
    this._stopResending();
    this.onPause?.();
  }

  /** A command's failure: a 423 (paused) is told through onPause; then the error goes on. */
  _refused(error) {
    if (error?.status === 423) this._pausedNow();
    throw error;
  }

  /**
   * Before a run: a stop, awaited. It leaves the motors as a program expects them, and the device starts its
   * real-time engine with the first motor command (tens of ms), which would otherwise shorten the first move.
   */
  async prepare() {
    await this.stop();
  }

  drive(left, right) {
    if (this.device.paused !== null) return this._pausedNow();
    this._stopResending();
    this.device.drive(left, right);
    if (left === 0 && right === 0) return;
    this._wheels = { left, right };
    this._timer = setInterval(() => this._resend(), RESEND_MS);
  }

  _resend() {
    if (this._wheels === null || !this.device.isOpen) return;
    if (this.device.paused !== null) return this._pausedNow(); // answered 423: the leader paused the device
    this.device.drive(this._wheels.left, this._wheels.right);
  }

  stop() {
    this._stopResending();
    if (!this.hasMotors) return Promise.resolve(); // a board without motors has no /?motors
    return this.device.stopDriving();
  }

  tone(hz, ms) {
    this.device.post("speaker", { freq: Math.round(hz), ms: Math.round(ms) }).catch((error) => error?.status === 423 && this._pausedNow());
  }

  silence() {
    if (!this.device.isOpen) return Promise.resolve();
    return this.device.post("speaker", { stop: true }).catch(() => {});
  }

  async setLed(name, on) {
    await this.device.post("leds", { [name]: on ? 1 : 0 }).catch((error) => this._refused(error));
  }

  async pressed(name) {
    const buttons = await this.device.get("buttons").catch((error) => this._refused(error));
    return buttons?.[name] === true;
  }
}
