/**
 * @module code/device-target.js: the real car as the runner's target (issue 20), over httap.js. Drive commands are
 * latest-wins (`device.drive`) and re-sent every 150 ms while a wheel turns, well within the device's dead-man time,
 * as the car page does: a page that dies leaves a car that stops by itself. Tones are sent without waiting for the
 * answer (the runner waits the note's length), LEDs and buttons are awaited (an LED the board lacks is an error).
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
  }

  /**
   * Before a run: a stop, awaited. It leaves the motors as a program expects them, and the device starts its
   * real-time engine with the first motor command (tens of ms), which would otherwise shorten the first move.
   */
  async prepare() {
    await this.stop();
  }

  drive(left, right) {
    this._wheels = left === 0 && right === 0 ? null : { left, right };
    this.device.drive(left, right);
    clearInterval(this._timer);
    this._timer = this._wheels === null ? 0 : setInterval(() => this._resend(), RESEND_MS);
  }

  _resend() {
    if (this._wheels === null || !this.device.isOpen) return;
    this.device.drive(this._wheels.left, this._wheels.right);
  }

  stop() {
    this._wheels = null;
    clearInterval(this._timer);
    this._timer = 0;
    if (!this.hasMotors) return Promise.resolve(); // a board without motors has no /?motors
    return this.device.stopDriving();
  }

  tone(hz, ms) {
    this.device.post("speaker", { freq: Math.round(hz), ms: Math.round(ms) }).catch(() => {});
  }

  silence() {
    if (!this.device.isOpen) return Promise.resolve();
    return this.device.post("speaker", { stop: true }).catch(() => {});
  }

  async setLed(name, on) {
    await this.device.post("leds", { [name]: on ? 1 : 0 });
  }

  async pressed(name) {
    const buttons = await this.device.get("buttons");
    return buttons?.[name] === true;
  }
}
