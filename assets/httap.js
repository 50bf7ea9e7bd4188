/**
 * @module httap.js: the browser client for an httap device (an ES module, no dependencies). It opens the HTTaP
 * session, keeps it alive from the device's own `Remain`, waits its turn politely when someone else drives, notices a
 * lost link or a restarted device, and releases the device when the page goes away.
 *
 * @example
 * import { Httap } from "/httap.js";
 * const device = new Httap();
 * device.addEventListener("open", () => device.post("motors", { left: 0.5, right: 0.5 }));
 * device.addEventListener("busy", (e) => show(`${e.detail.owner} drives; you are #${e.detail.place}, about ${e.detail.seconds} s`));
 * device.addEventListener("lost", () => show("connection lost, reconnecting"));
 * device.connect();
 *
 * Events (`CustomEvent`, details in `event.detail`):
 * - `open`   {root, alreadyOpen}: the device is ours; `alreadyOpen` when another tab of this host had it open;
 * - `busy`   {owner, seconds, place}: another host has it; we are `place` in line and ask again by ourselves;
 * - `lost`   {}: the device does not answer; we keep trying and send `open` again when it does;
 * - `changed` {names}: resources whose values changed (from `watch()`).
 */

/** Ping when this share of the session's time is left: well before it lapses, never on a fast fixed timer. */
const PING_AT_SHARE = 1 / 3;
/** Longest wait between two attempts while busy or lost, in seconds. */
const MAX_RETRY_S = 3;

export class Httap extends EventTarget {
  /** @param {string} [base] where the device is ("" = this page's origin) */
  constructor(base = "") {
    super();
    /** @type {string} */ this.base = base;
    /** @type {string | null} the HTTaP-Session of the session we own */ this.session = null;
    /** @type {boolean} */ this.isOpen = false;
    /** @type {ReturnType<typeof setTimeout> | null} */ this._timer = null;
    /** @type {Map<string, Promise<unknown>>} one request at a time per resource, in order */ this._queues = new Map();
    this._released = false;
    const release = () => this.release();
    addEventListener("pagehide", release);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") release();
      else if (this._released) this.connect();
    });
  }

  /** Opens the session (or waits its turn); safe to call again. */
  async connect() {
    this._released = false;
    this._clearTimer();
    let response;
    try {
      response = await fetch(`${this.base}/?`, { cache: "no-store" });
    } catch {
      return this._lost();
    }
    if (response.status === 503) return this._busy(response);
    if (!response.ok) return this._lost();
    const root = await response.json();
    this._opened(response.headers.get("HTTaP-Session"), root);
  }

  /**
   * Reads a resource (`name` may carry a selector: "gpio/17").
   * @param {string} name
   * @returns {Promise<any>}
   */
  get(name) {
    return this._enqueue(name, () => this._request("GET", name));
  }

  /**
   * Writes a resource with a JSON value.
   * @param {string} name
   * @param {unknown} value
   * @returns {Promise<any>}
   */
  post(name, value) {
    return this._enqueue(name, () => this._request("POST", name, JSON.stringify(value)));
  }

  /** @returns {Promise<string[]>} names of the resources changed since this session last asked */
  async changes() {
    const r = await this._request("GET", "changes");
    return r.changes;
  }

  /**
   * Polls `/?changes` every `ms` and sends `changed` when something changed.
   * @param {number} [ms]
   */
  watch(ms = 500) {
    const tick = async () => {
      if (this.isOpen) {
        try {
          const names = await this.changes();
          if (names.length > 0) this.dispatchEvent(new CustomEvent("changed", { detail: { names } }));
        } catch {
          /* lost or busy: those have their own events */
        }
      }
      setTimeout(tick, ms);
    };
    setTimeout(tick, ms);
  }

  /** Gives the device back now (page hidden or closed): the next person in line may take it. */
  release() {
    if (this._released) return;
    this._released = true;
    this._clearTimer();
    if (this.isOpen) fetch(`${this.base}/?invalid`, { keepalive: true, cache: "no-store" }).catch(() => {});
    this.isOpen = false;
    this.session = null;
  }

  /** @param {string} method @param {string} name @param {string} [body] */
  async _request(method, name, body) {
    let response;
    try {
      response = await fetch(`${this.base}/?${name}`, {
        method,
        body,
        cache: "no-store",
        headers: body === undefined ? undefined : { "Content-Type": "application/json" },
      });
    } catch (error) {
      this._lost();
      throw error;
    }
    const session = response.headers.get("HTTaP-Session");
    if (response.status === 503) {
      this._busy(response.clone());
      throw Object.assign(new Error("busy"), { status: 503 });
    }
    if (this.isOpen && session !== null && session !== "00000000" && session !== this.session) {
      // a new session id: the device restarted, or our session lapsed and a new one opened: start over
      this.connect();
    }
    const text = await response.text();
    const value = text === "" ? null : JSON.parse(text);
    if (!response.ok) throw Object.assign(new Error(value?.message ?? `${response.status}`), { status: response.status, body: value });
    return value;
  }

  /** @param {string} name @param {() => Promise<unknown>} run */
  _enqueue(name, run) {
    const key = name.split("/")[0];
    const previous = this._queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(run);
    this._queues.set(key, next);
    return next;
  }

  /** @param {string | null} session @param {any} root */
  _opened(session, root) {
    this.session = session;
    this.isOpen = true;
    this.dispatchEvent(new CustomEvent("open", { detail: { root, alreadyOpen: root.HTTaP_open === 1 } }));
    this._keepAlive(root.Timeout ?? 15);
  }

  /** Pings when a third of the session's time is left, from what the device says is left. */
  _keepAlive(remainS) {
    this._clearTimer();
    this._timer = setTimeout(
      async () => {
        if (!this.isOpen) return;
        try {
          const r = await this._request("GET", `ping${Date.now()}`);
          this._keepAlive(r.Remain);
        } catch {
          /* busy or lost: handled there */
        }
      },
      Math.max(500, remainS * 1000 * (1 - PING_AT_SHARE)),
    );
  }

  /** @param {Response} response */
  async _busy(response) {
    const wasOpen = this.isOpen;
    this.isOpen = false;
    this.session = null;
    let body = {};
    try {
      body = await response.json();
    } catch {
      /* keep the defaults */
    }
    const seconds = Number(response.headers.get("Retry-After") ?? body.Remain ?? 1);
    this.dispatchEvent(new CustomEvent("busy", { detail: { owner: body.owner ?? "someone", seconds, place: body.place ?? 1, wasOpen } }));
    this._retry(Math.min(seconds, MAX_RETRY_S));
  }

  _lost() {
    const wasOpen = this.isOpen;
    this.isOpen = false;
    this.dispatchEvent(new CustomEvent("lost", { detail: { wasOpen } }));
    this._retry(1);
  }

  /** @param {number} seconds */
  _retry(seconds) {
    if (this._released) return;
    this._clearTimer();
    this._timer = setTimeout(() => this.connect(), Math.max(250, seconds * 1000));
  }

  _clearTimer() {
    if (this._timer !== null) clearTimeout(this._timer);
    this._timer = null;
  }
}
