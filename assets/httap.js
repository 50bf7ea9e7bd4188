/**
 * @module httap.js: the browser client for an httap device (an ES module, no dependencies). Opening a page takes
 * nothing: the client reads the device as a viewer and follows who drives. `claim()` asks to drive: the device at
 * once when it is free, else a place in the fair line that the client keeps by asking again, and keeps for a grace
 * time while the page is hidden. Commands cannot go stale on a slow network: `drive()` keeps only the latest
 * command with one in flight and numbers each, `stopDriving()` jumps ahead of everything (issue 18).
 *
 * @example
 * import { Httap } from "/httap.js";
 * const device = new Httap();
 * device.addEventListener("open", () => device.drive(0.5, 0.5));
 * device.addEventListener("busy", (e) => show(`${e.detail.owner ?? "Someone"} drives; you are #${e.detail.place}`));
 * device.connect();
 * button.onclick = () => device.claim();
 *
 * Events (`CustomEvent`, details in `event.detail`):
 * - `ready`  {root, device}: the device answers (root object; `/?device`: id, board, apps, urls, version);
 * - `open`   {root}: the device is ours (after `claim()`, or a command while it was free);
 * - `busy`   {owner, owned, reserved, place, waiting, turnLeftS}: we asked, someone else has it; we keep our place;
 * - `closed` {reason}: it is no longer ours: "turn-over" (others waited), "lapsed" (silent too long), "released"
 *   (given back), "lost" (no answer), "restart" (the device stopped), or "ended" (no reason known);
 * - `lost`   {}: the device does not answer; we keep trying and send `ready` (and `open`) when it does;
 * - `queue`  {owner, owned, you, reserved, turnLeftS, turnS, waiting, place, line}: who drives, about once a second;
 * - `changed` {names}: resources whose values changed (from `watch()`);
 * - `paused` {message}: the workshop leader paused the device (commands answer 423), or `{message: null}` when it
 *   resumes; a driver keeps its turn, and a page that wanted a turn asks again (issue 21).
 */

/** Ping when this share of the session's time is left: well before it lapses, never on a fast fixed timer. */
const PING_AT_SHARE = 1 / 3;
/** How often who-drives is read, on its own path (it never delays a command). */
const QUEUE_POLL_MS = 1000;
/** While lost, the wait before the next attempt to reach the device. */
const LOST_RETRY_MS = 1000;
/** A reading of the device that takes longer has hung (Wi-Fi gone under a kept-alive connection): lost, tried anew. */
const READ_LIMIT_MS = 10_000;
/** While the leader pauses, a waiting page asks again this often (its place is kept; it learns of the resume). */
const PAUSED_ASK_MS = 3000;
const NAME_KEY = "httap.name";
const NO_SESSION = "00000000";
/** The device's reasons for a session's end (`/?queue` `yourLastEnd`), as `closed` names them. */
const END_REASONS = { "turn-over": "turn-over", lapsed: "lapsed", "given-back": "released", invalid: "released", "server-stop": "restart" };

export class Httap extends EventTarget {
  /** @param {string} [base] where the device is ("" = this page's origin) */
  constructor(base = "") {
    super();
    /** @type {string} */ this.base = base;
    /** @type {string | null} the HTTaP-Session of the session we own */ this.session = null;
    /** @type {boolean} the device is ours */ this.isOpen = false;
    /** @type {boolean} we asked to drive and have not given up */ this.wantsTurn = false;
    /** @type {boolean} the device answers */ this.isReachable = false;
    /** @type {any} the root object */ this.root = null;
    /** @type {any} `/?device`: id, board, apps, urls, version (null until read, or on an older device) */ this.device = null;
    /** @type {any} the last `/?queue` */ this.queue = null;
    /** @type {string | null} the page that drives ("car", "code"...), sent with claims: the leader's card shows it */
    this.app = null;
    /** @type {string | null} the leader's message while the device is paused (issue 21) */ this.paused = null;
    this._askTimer = null; // the next claim while waiting
    this._reconnectTimer = null; // the next attempt to read a lost device: nothing but a reconnect cancels it
    /** @type {Promise<void> | null} the reading of the device under way */ this._connecting = null;
    this._pingTimer = null; // the owner's keep-alive
    this._pollTimer = null;
    this._hidden = false;
    this._generation = 0; // bumped when we stop owning: queued commands of the old turn are dropped
    this._turns = 0; // bumped when the device becomes ours, stops being ours or is lost: a reply sent before is stale
    this._losses = 0; // bumped when the device is lost: a reading of it begun before is of before
    /** @type {Map<string, Promise<unknown>>} one request at a time per resource, in order */ this._queues = new Map();
    /** @type {{left: number, right: number} | null} the newest drive command not yet sent */ this._driveWanted = null;
    this._driveInFlight = false;
    this._seq = Date.now(); // grows with every motor command; a reload starts above the last page's numbers
    addEventListener("pagehide", () => this.release());
    document.addEventListener("visibilitychange", () => this._visibility(document.visibilityState === "hidden"));
  }

  /** The display name this browser gives (1-24 characters), or "" when none. */
  get name() {
    try {
      return localStorage.getItem(NAME_KEY) ?? "";
    } catch {
      return ""; // storage blocked: no name
    }
  }

  /** @param {string} value a new display name ("" forgets it); sent with the next claim (at once when driving or waiting) */
  set name(value) {
    const name = String(value).trim().slice(0, 24);
    try {
      if (name === "") localStorage.removeItem(NAME_KEY);
      else localStorage.setItem(NAME_KEY, name);
    } catch {
      /* storage blocked: the name lives as long as the page */
    }
    if (this.isOpen || this.wantsTurn) this._ask();
  }

  /** Reads the device as a viewer (takes nothing) and starts following who drives; safe to call again (one at a time). */
  connect() {
    this._connecting ??= this._connect().finally(() => {
      this._connecting = null;
    });
    return this._connecting;
  }

  async _connect() {
    this._clear("_reconnectTimer");
    this._startPolling();
    const losses = this._losses;
    const read = (/** @type {string} */ query) =>
      fetch(`${this.base}/?${query}`, { cache: "no-store", signal: AbortSignal.timeout(READ_LIMIT_MS) });
    let response;
    try {
      response = await read("");
      if (!response.ok) return this._lost();
      this.root = await response.json();
    } catch {
      return this._lost();
    }
    if (this.device === null) {
      try {
        const d = await read("device");
        if (d.ok) this.device = await d.json();
      } catch {
        /* an older device without /?device: pages fall back to the root object */
      }
    }
    try {
      const q = await read("queue"); // who drives, known before `ready`
      if (q.ok) this.queue = await q.json();
    } catch {
      return this._lost();
    }
    if (losses !== this._losses) return; // lost meanwhile: this reading is of before, and the reconnect reads again
    this.isReachable = true;
    this.dispatchEvent(new CustomEvent("ready", { detail: { root: this.root, device: this.device } }));
    const session = response.headers.get("HTTaP-Session");
    if (session !== null && session !== NO_SESSION) {
      // ours already: opened here, unless our own claim's answer opened this very session meanwhile
      if (session !== this.session || !this.isOpen) this._opened(session, this.root.Timeout ?? 15);
      else this._keepAlive(this.root.Timeout ?? 15);
    } else if (this.wantsTurn) this._ask();
  }

  /** Asks to drive: the device now when it is free, else a place in line, kept until `release()`. */
  claim() {
    this.wantsTurn = true;
    if (!this.isOpen) this._ask();
  }

  /** Gives the device back, or leaves the line (a "Give back" button, the page closed): the next in line may take it. */
  release() {
    const had = this.isOpen || this.wantsTurn;
    this.wantsTurn = false;
    this._clear("_askTimer");
    this._driveWanted = null;
    if (had) this._leave();
    if (this.isOpen) this._closed("released");
  }

  /**
   * Reads a resource (`name` may carry a selector: "gpio/17"). Anyone may read: it takes nothing.
   * @param {string} name
   * @returns {Promise<any>}
   */
  async get(name) {
    return this._request("GET", name);
  }

  /**
   * Writes a resource with a JSON value, in order with the other writes to it. A write while the device is not ours
   * asks for it like `claim()` does.
   * @param {string} name
   * @param {unknown} value
   * @returns {Promise<any>}
   */
  post(name, value) {
    const generation = this._generation;
    const key = name.split("/")[0];
    const previous = this._queues.get(key) ?? Promise.resolve();
    const next = previous
      .catch(() => {})
      .then(() => {
        if (generation !== this._generation) throw Object.assign(new Error("cancelled: the turn ended"), { status: 0 });
        return this._request("POST", name, JSON.stringify(value));
      });
    this._queues.set(key, next);
    return next;
  }

  /**
   * The wheels' speeds, -1..1: only the newest is kept, at most one is in flight, each carries a growing number so
   * the device ignores one that arrives late. Nothing is sent unless the device is ours.
   * @param {number} left @param {number} right
   */
  drive(left, right) {
    if (!this.isOpen) return;
    this._driveWanted = { left, right };
    this._pumpDrive();
  }

  /** Stops the motors now: ahead of everything, cancelling a drive command that waits. */
  stopDriving() {
    this._driveWanted = null;
    if (!this.isOpen) return Promise.resolve(); // not ours: the device's dead-man stop has it
    this._seq += 1;
    return this._request("POST", "motors", JSON.stringify({ stop: true, seq: this._seq })).catch(() => {});
  }

  /** @returns {Promise<string[]>} names of the resources changed since this session last asked */
  async changes() {
    const r = await this._request("GET", "changes");
    return r.changes;
  }

  /**
   * Polls `/?changes` every `ms` while the device is ours and sends `changed` when something changed.
   * @param {number} [ms]
   */
  watch(ms = 500) {
    const tick = async () => {
      if (this.isOpen && !this._hidden) {
        try {
          const names = await this.changes();
          if (names.length > 0) this.dispatchEvent(new CustomEvent("changed", { detail: { names } }));
        } catch {
          /* lost or no longer ours: those have their own events */
        }
      }
      setTimeout(tick, ms);
    };
    setTimeout(tick, ms);
  }

  _pumpDrive() {
    if (this._driveInFlight || this._driveWanted === null || !this.isOpen) return;
    const { left, right } = this._driveWanted;
    this._driveWanted = null;
    this._seq += 1;
    this._driveInFlight = true;
    this._request("POST", "motors", JSON.stringify({ left, right, seq: this._seq }))
      .catch(() => {})
      .finally(() => {
        this._driveInFlight = false;
        this._pumpDrive();
      });
  }

  /** One claim: ours (open), or our place in line (busy) and when to ask again. */
  async _ask() {
    this._clear("_askTimer");
    if (this._hidden) return; // a hidden page keeps its place by the grace time, not by asking
    const turn = this._turns;
    const name = this.name;
    let response;
    try {
      response = await fetch(`${this.base}/?claim`, {
        method: "POST",
        cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...(name === "" ? {} : { name }), ...(this.app === null ? {} : { app: this.app }) }),
      });
    } catch {
      return this._lost();
    }
    // lost or changed hands meanwhile: a refusal says nothing of now (the reconnect, or the next claim, asks anew)
    if (turn !== this._turns && !response.ok) return;
    if (response.status === 503) return this._busy(response);
    if (response.status === 423) {
      // paused: the line's clocks stand still (our place is kept); ask again, so the turn goes on once resumed
      this._paused((await response.json().catch(() => ({}))).paused?.message ?? "");
      this._clear("_askTimer");
      if (this.wantsTurn && !this.isOpen) this._askTimer = setTimeout(() => this._ask(), PAUSED_ASK_MS);
      return;
    }
    if (!response.ok) return;
    const body = await response.json();
    const session = response.headers.get("HTTaP-Session");
    if (!this.wantsTurn) return this._leave(); // given up while the claim was on its way: give it straight back
    if (turn !== this._turns) return; // lost or changed hands meanwhile: the reconnect reads whose the device is
    if (session !== this.session || !this.isOpen) this._opened(session, body.Remain);
    else this._keepAlive(body.Remain);
  }

  /** @param {string} method @param {string} name @param {string} [body] */
  async _request(method, name, body) {
    const turn = this._turns; // a reply only speaks for the turn it was sent in (not after a loss or a change of hands)
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
    const isCurrent = turn === this._turns;
    if (response.status === 503 && (await peekError(response)) === "busy") {
      // a write while someone else has the device: we are in line now
      if (isCurrent) {
        this._closed("ended");
        this.wantsTurn = true;
        this._busy(response.clone());
      }
      throw Object.assign(new Error("busy"), { status: 503 });
    }
    // A reply sent before the device was lost or changed hands says nothing of the session now: an answer from before
    // a restart still names the old one, and must neither open the car nor cancel the reconnect.
    if (isCurrent && this.isOpen && session !== null && session !== this.session) {
      // no session any more (it lapsed, the turn ended, the device restarted), or a new one: start over
      this._closed("ended");
      if (session !== NO_SESSION) this._opened(session, this.root?.Timeout ?? 15);
    } else if (isCurrent && !this.isOpen && method === "POST" && session !== null && session !== NO_SESSION) {
      this._opened(session, this.root?.Timeout ?? 15); // a command opened the session on a free device
    }
    const text = await response.text();
    const value = text === "" ? null : JSON.parse(text);
    if (response.status === 423) this._paused(value?.paused?.message ?? "");
    else if (response.ok && method === "POST") this._paused(null); // a command carried out: no pause any more
    if (!response.ok) throw Object.assign(new Error(value?.message ?? `${response.status}`), { status: response.status, body: value });
    return value;
  }

  /** @param {string | null} session @param {number} remainS */
  _opened(session, remainS) {
    this._turns += 1;
    this.session = session;
    this.isOpen = true;
    this.wantsTurn = true;
    this._clear("_askTimer");
    this.dispatchEvent(new CustomEvent("open", { detail: { root: this.root } }));
    this._keepAlive(remainS);
  }

  /** Gives the device back or leaves the line; sent even as the page goes away (`keepalive`). */
  _leave() {
    fetch(`${this.base}/?queue`, { method: "POST", keepalive: true, cache: "no-store", body: '{"leave":true}' }).catch(() => {});
  }

  /** @param {string} reason */
  _closed(reason) {
    if (!this.isOpen) return;
    this._turns += 1;
    this.isOpen = false;
    if (reason !== "lost") this.wantsTurn = false; // a turn that ended is not asked for again by itself
    this.session = null;
    this._generation += 1;
    this._driveWanted = null;
    this._clear("_pingTimer");
    this.dispatchEvent(new CustomEvent("closed", { detail: { reason } }));
  }

  /** Pings when a third of the session's time is left, from what the device says is left. */
  _keepAlive(remainS) {
    this._clear("_pingTimer");
    this._pingTimer = setTimeout(
      async () => {
        if (!this.isOpen) return;
        try {
          const r = await this._request("GET", `ping${Date.now()}`);
          if (this.isOpen) this._keepAlive(r.Remain);
        } catch {
          /* lost or no longer ours: handled there */
        }
      },
      Math.max(500, remainS * 1000 * (1 - PING_AT_SHARE)),
    );
  }

  /** @param {Response} response */
  async _busy(response) {
    let body = {};
    try {
      body = await response.json();
    } catch {
      /* keep the defaults */
    }
    const retryS = Number(response.headers.get("Retry-After") ?? 1);
    const detail = {
      owner: body.owner ?? null,
      owned: body.owned ?? true,
      reserved: body.reserved ?? false,
      place: body.place ?? 1,
      waiting: body.waiting ?? 1,
      turnLeftS: body.turnLeftS ?? null,
    };
    this.dispatchEvent(new CustomEvent("busy", { detail }));
    this._clear("_askTimer");
    if (this.wantsTurn) this._askTimer = setTimeout(() => this._ask(), Math.max(250, Math.min(retryS, 3) * 1000));
  }

  _lost() {
    const wasOpen = this.isOpen;
    this._closed("lost");
    this._turns += 1;
    this._losses += 1;
    if (this.isReachable || wasOpen) {
      this.isReachable = false;
      this.dispatchEvent(new CustomEvent("lost", { detail: { wasOpen } }));
    }
    this._clear("_askTimer");
    this._clear("_reconnectTimer");
    this._reconnectTimer = setTimeout(() => this.connect(), LOST_RETRY_MS);
  }

  /** Who drives, about once a second, while the page is shown; a device that stops answering is lost. */
  _startPolling() {
    if (this._pollTimer !== null) return;
    const poll = async () => {
      if (!this._hidden && this.isReachable) {
        try {
          const asked = this._turns; // a reply about an older turn than ours now says nothing about it
          const response = await fetch(`${this.base}/?queue`, { cache: "no-store" });
          if (response.ok && asked === this._turns) this._queue(await response.json());
        } catch {
          this._lost();
        }
      }
      this._pollTimer = setTimeout(poll, QUEUE_POLL_MS);
    };
    this._pollTimer = setTimeout(poll, QUEUE_POLL_MS);
  }

  /** The leader paused the device (a message) or resumed it (null); resumed, a page that wanted a turn asks. */
  _paused(/** @type {string | null} */ message) {
    if (message === this.paused) return;
    this.paused = message;
    this.dispatchEvent(new CustomEvent("paused", { detail: { message } }));
    if (message === null && this.wantsTurn && !this.isOpen) this._ask();
  }

  /** @param {any} q */
  _queue(q) {
    this.queue = q;
    this._paused(q.paused?.message ?? null);
    if (this.isOpen && !q.you) this._closed(END_REASONS[q.yourLastEnd] ?? "ended"); // the turn ended, it lapsed...
    this.dispatchEvent(new CustomEvent("queue", { detail: q }));
    if (!this.isOpen && this.wantsTurn && q.you) this.connect(); // ours after all (another tab of this browser)
  }

  /** @param {boolean} hidden */
  _visibility(hidden) {
    this._hidden = hidden;
    if (hidden) {
      if (this.isOpen) {
        // the car must not drive a screen nobody sees: give it back, and ask again when shown
        this.release();
        this.wantsTurn = true;
      } else if (this.wantsTurn) {
        this._clear("_askTimer");
        fetch(`${this.base}/?queue`, { method: "POST", keepalive: true, cache: "no-store", body: '{"away":true}' }).catch(() => {});
      }
    } else if (this.wantsTurn) {
      this._ask(); // back: the place kept while away, or the device if it is free
    } else if (!this.isReachable) {
      this.connect();
    }
  }

  /** @param {"_askTimer" | "_pingTimer" | "_reconnectTimer"} timer */
  _clear(timer) {
    if (this[timer] !== null) clearTimeout(this[timer]);
    this[timer] = null;
  }
}

/** The `error` code of a JSON refusal, without consuming the response. @param {Response} response */
async function peekError(response) {
  try {
    return (await response.clone().json()).error ?? null;
  } catch {
    return null;
  }
}
