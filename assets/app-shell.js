/**
 * @module app-shell.js: what every app page shows around its controls, in step with the device (issue 18):
 * - the turn strip: nobody has the device ("Touch the stick to drive"), someone else has it ("Ana is driving" and
 *   "Join the line"), it is ours ("Give back"), or we wait;
 * - the waiting dialog: named and focused, our place in line and who drives, "your turn in about m:ss" only from the
 *   device's real time left of the turn, a name field, "Leave the line" and the way back to the dashboard;
 * - the lost banner, which makes the page's controls (`[data-control]`) inert and greys its views (`[data-view]`);
 * - the paused banner: "Paused by the leader" with the leader's message, controls inert until resumed (issue 21);
 * - a short message when the device stops being ours (turn over, idle, restarted).
 * Names are always set with textContent. The styles are in app.css.
 */

/** A display name, as the device accepts it. */
export const NAME_MAX = 24;

/** Seconds as m:ss. */
export const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

/** When a turn ends on this page's clock (`performance.now()`), from the device's seconds left; null when none. */
export const turnEnd = (/** @type {unknown} */ s) => (typeof s === "number" ? performance.now() + s * 1000 : null);

/**
 * Whole seconds left until `end` (from `turnEnd`), or null. Whole ms before rounding up, as the device does:
 * (now + 10000) - now is 10000.000000000002 for some clock fractions, which would read 11 s.
 * @param {number | null} end
 */
export const secondsLeft = (end) => (end === null ? null : Math.max(0, Math.ceil(Math.round(end - performance.now()) / 1000)));

/** A short buzz where the phone has it (Android's browsers); nothing elsewhere. */
export function buzz(pattern) {
  try {
    navigator.vibrate?.(pattern);
  } catch {
    /* a browser that refuses without a user gesture */
  }
}

/**
 * Reads `/?name` every `ms` while the page is shown and the device answers, one read at a time, and gives each value
 * to `paint`: for everyone watching (reads take nothing), on its own path (never queued behind a command).
 * @param {import("./httap.js").Httap} device
 * @param {string} name
 * @param {number} ms
 * @param {(value: any) => void} paint
 */
export function watchReads(device, name, ms, paint) {
  let inFlight = false;
  setInterval(async () => {
    if (inFlight || document.visibilityState === "hidden" || !device.isReachable) return;
    inFlight = true;
    try {
      const r = await fetch(`${device.base}/?${name}`, { cache: "no-store" });
      if (r.ok) paint(await r.json());
    } catch {
      /* lost: the client says so */
    } finally {
      inFlight = false;
    }
  }, ms);
}

/** Makes an element from markup whose every text is static; names and figures are filled in with textContent. */
function element(html) {
  const t = document.createElement("template");
  t.innerHTML = html.trim();
  return /** @type {HTMLElement} */ (t.content.firstElementChild);
}

let fieldCount = 0;
/**
 * A labelled field for the participant's display name (1-24 characters), kept through `device.name`.
 * @param {import("./httap.js").Httap} device
 */
export function nameField(device) {
  const id = `name-${++fieldCount}`;
  const box = element(`<div class="field"><label></label><input type="text" autocomplete="nickname" enterkeyhint="done"
    spellcheck="false"><p class="hint"></p></div>`);
  const [label, input, hint] = /** @type {[HTMLLabelElement, HTMLInputElement, HTMLElement]} */ ([...box.children]);
  label.htmlFor = id;
  label.textContent = "Your name";
  input.id = id;
  input.maxLength = NAME_MAX;
  input.placeholder = "Zoé";
  input.setAttribute("aria-describedby", `${id}-hint`);
  hint.id = `${id}-hint`;
  hint.textContent = "Shown to the room while you drive or wait.";
  input.value = device.name ?? "";
  const save = () => {
    const name = input.value.trim().slice(0, NAME_MAX);
    if (name.length === 0) return;
    try {
      device.name = name;
      hint.textContent = `Saved: the room sees “${name}”.`;
    } catch {
      hint.textContent = "Names have 1 to 24 characters.";
    }
  };
  input.addEventListener("change", save);
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") save();
  });
  return box;
}

/**
 * Adds the turn strip, waiting dialog, lost banner and messages to the page and keeps them in step with `device`.
 * @param {import("./httap.js").Httap} device
 * @param {{ start?: string, verb?: string, slot?: Element | null }} [options]
 *   start: what to do when nobody has the device; verb: "driving" or "playing"; slot: an element the strip
 *   replaces (default: the strip goes at the top of main)
 */
export function mountShell(device, options = {}) {
  const start = options.start ?? "Touch to start";
  const verb = options.verb ?? "driving";
  const main = document.querySelector("main") ?? document.body;

  const strip = element(`<div class="turn" data-phase="free"><span class="turn-dot"></span>
    <span class="turn-text"></span><button type="button" class="btn" hidden></button></div>`);
  const stripText = /** @type {HTMLElement} */ (strip.querySelector(".turn-text"));
  const stripButton = /** @type {HTMLButtonElement} */ (strip.querySelector("button"));
  if (options.slot) options.slot.replaceWith(strip);
  else main.prepend(strip);

  const lost = element(`<div class="lost" role="alert" hidden><span class="spinner"></span>
    <span>Connection lost — reconnecting…</span></div>`);
  const toast = element(`<p class="toast" role="status" hidden></p>`);
  const dialog = /** @type {HTMLDialogElement} */ (
    element(`<dialog class="wait" aria-labelledby="wait-title" aria-describedby="wait-who" autofocus tabindex="-1">
      <h2 id="wait-title">You’re in line</h2>
      <div class="wait-place" aria-hidden="true"><span><small>place</small><span data-place>–</span></span></div>
      <p class="wait-who" id="wait-who"></p>
      <p class="wait-note hint">This page takes over by itself when it’s your turn. Switched apps? You keep your place for a
      minute.</p>
      <div class="wait-actions"><button type="button" class="btn btn-quiet" data-leave>Leave the line</button>
      <a class="btn btn-quiet" href="/">Dashboard</a></div>
    </dialog>`)
  );
  dialog.querySelector(".wait-note")?.after(nameField(device));
  const paused = element(`<div class="lost paused" role="alert" style="background:#7a4d00" hidden>
    <span>Paused by the leader<span data-message></span></span></div>`);
  main.append(lost, paused, toast, dialog);
  const placeEl = /** @type {HTMLElement} */ (dialog.querySelector("[data-place]"));
  const whoEl = /** @type {HTMLElement} */ (dialog.querySelector(".wait-who"));

  /** @type {{ owner: string|null, owned: boolean, you: boolean, turnLeftS: number|null, waiting: number, place: number } | null} */
  let queue = null;
  let isLost = false;
  let turnEndsAt = null; // performance.now() when the driver's turn ends, from the device's turnLeftS
  let place = 0;
  let owner = null;

  const ownerName = () => owner ?? "Someone";
  const turnLeft = () => secondsLeft(turnEndsAt);
  const setTurnLeft = (s) => {
    turnEndsAt = turnEnd(s);
  };

  function phase() {
    if (isLost) return "lost";
    if (device.isOpen) return "mine";
    if (device.wantsTurn) return "waiting";
    if (queue?.owned && !queue.you) return "other";
    return "free";
  }

  /** Writes `parts` into `el`: strings as text, [text] as bold text (a name). */
  function say(el, ...parts) {
    el.replaceChildren(
      ...parts.map((p) => (typeof p === "string" ? p : Object.assign(document.createElement("b"), { textContent: p[0] }))),
    );
  }

  function render() {
    const now = phase();
    strip.dataset.phase = now;
    document.documentElement.dataset.turn = now;
    stripButton.hidden = true;
    const left = turnLeft();
    if (now === "lost") say(stripText, "Waiting for the device to answer…");
    else if (now === "mine") {
      say(stripText, left !== null && (queue?.waiting ?? 0) > 0 ? `Your turn · ${clock(left)} left` : "Your turn");
      showButton("Give back", () => device.release());
    } else if (now === "waiting") {
      say(stripText, place > 0 ? `You’re #${place} in line` : "Asking for a turn…");
      showButton("Leave the line", () => device.release());
    } else if (now === "other") {
      say(stripText, [ownerName()], ` is ${verb}`);
      showButton("Join the line", () => device.claim());
    } else say(stripText, start);

    if (now === "waiting") {
      placeEl.textContent = place > 0 ? String(place) : "…";
      if (place === 1 && left !== null) say(whoEl, [ownerName()], ` is ${verb} · your turn in about ${clock(left)}`);
      else if (place === 1) say(whoEl, [ownerName()], ` is ${verb} · you’re next`);
      else if (place > 1) {
        const ahead = place - 1 === 1 ? "1 person" : `${place - 1} people`;
        say(whoEl, [ownerName()], ` is ${verb}${left !== null ? ` (${clock(left)} left)` : ""} · ${ahead} ahead of you`);
      } else say(whoEl, [ownerName()], ` is ${verb}`);
      if (!dialog.open) {
        dialog.showModal();
        dialog.focus(); // the dialog itself, not the name field: no keyboard popping up on a phone
      }
    } else if (dialog.open) {
      dialog.close();
      // keys go back to the page: a closed dialog (or its name field, its button) keeps the focus until the browser's
      // next fix-up, and the key a participant presses as the turn opens would go to it and be lost
      const focused = document.activeElement;
      if (focused instanceof HTMLElement && dialog.contains(focused)) focused.blur();
    }
  }

  let buttonAction = () => {};
  function showButton(label, action) {
    stripButton.textContent = label;
    stripButton.className = label === "Join the line" ? "btn" : "btn btn-quiet";
    stripButton.hidden = false;
    buttonAction = action;
  }
  stripButton.addEventListener("click", () => buttonAction());
  /** @type {HTMLElement} */ (dialog.querySelector("[data-leave]")).addEventListener("click", () => {
    device.release();
    render();
  });
  dialog.addEventListener("cancel", (e) => {
    e.preventDefault(); // Escape leaves the line: the page behind is only for those who drive or watch
    device.release();
    render();
  });

  let toastTimer = 0;
  function tell(text) {
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (toast.hidden = true), 5000);
  }

  function setLost(value) {
    isLost = value;
    lost.hidden = !value;
    if (value) document.documentElement.dataset.lost = "";
    else delete document.documentElement.dataset.lost;
    setInert();
  }

  function setInert() {
    for (const el of document.querySelectorAll("[data-control]")) {
      /** @type {HTMLElement} */ (el).inert = isLost || device.paused !== null;
    }
  }

  device.addEventListener("paused", (e) => {
    const message = /** @type {CustomEvent} */ (e).detail?.message ?? null;
    paused.hidden = message === null;
    /** @type {HTMLElement} */ (paused.querySelector("[data-message]")).textContent = message ? `: ${message}` : "";
    setInert();
  });

  device.addEventListener("ready", () => {
    setLost(false);
    render();
  });
  device.addEventListener("open", () => {
    setLost(false);
    buzz([30, 40, 30]);
    render();
  });
  device.addEventListener("busy", (e) => {
    const d = /** @type {CustomEvent} */ (e).detail;
    owner = d.owner ?? null;
    place = d.place ?? 0;
    setTurnLeft(d.turnLeftS);
    render();
  });
  device.addEventListener("queue", (e) => {
    const d = /** @type {CustomEvent} */ (e).detail;
    queue = d;
    owner = d.owner ?? null;
    place = d.place ?? 0;
    setTurnLeft(d.turnLeftS);
    render();
  });
  device.addEventListener("closed", (e) => {
    const reason = /** @type {CustomEvent} */ (e).detail?.reason;
    // A turn that ended (time up, idle, device restarted) leaves us out of the line (httap.js asks no more by
    // itself): "Join the line" goes again.
    const text = {
      ended: "Your turn is over — thanks! Join the line to go again.",
      "turn-over": "Time’s up — your turn is over. Thanks!",
      lapsed: "You were idle, so the device went back to the room.",
      restart: "The device restarted. Touch again to go on.",
    }[reason];
    if (text) {
      buzz(80);
      tell(text);
    }
    render();
  });
  device.addEventListener("lost", () => {
    setLost(true);
    render();
  });
  setInterval(() => {
    if (turnEndsAt !== null) render(); // the countdown ticks here between the device's updates
  }, 1000);
  render();
  return { strip, dialog, lost, render, queue: () => queue, phase };
}
