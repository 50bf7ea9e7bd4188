/**
 * @module leader-room.js (issue 21): the leader's page. The cars come from this car's `/?fleet`; the page talks to
 * each car directly (fleet members accept each other's pages on /?fleet, /?queue and /?leader). The leader types
 * the PIN once: the page logs in to every car with it (each car checks it itself and gives its own token, sent
 * back in the body of each action); the PIN is kept in this page's memory only, never stored. Every POST is a
 * simple request (text/plain, the token in the JSON body, no Authorization): the browser sends it at once, with no
 * CORS preflight to wait for or to have expired, so STOP ALL leaves for every car with the click. Each card says
 * whether the leader's last action landed on that car, or why not; a token a restarted car no longer knows is
 * renewed with the PIN and the action sent again. A car gone from `/?fleet` loses its card.
 */

/** @typedef {{ id: string, name: string, self: boolean, addresses: string[], port: number, board: string }} Car */
/**
 * @typedef {{ car: Car, base: string, token: string | null, queue: any, card: HTMLElement, error: string,
 *   result: { ok: boolean, text: string } | null }} Entry
 */
/** @type {Map<string, Entry>} */
const cars = new Map();
let pin = "";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const cardsEl = $("cards");

/** Where a car answers: this page's own origin for this car, its first address for the others. */
function baseOf(/** @type {Car} */ car) {
  return car.self ? location.origin : `http://${car.addresses[0]}:${car.port}`;
}

/** A GET, or a POST as a simple request: its body a string (text/plain), the token in it. */
async function call(entry, method, target, body) {
  const sent = body === undefined ? undefined : JSON.stringify(entry.token === null ? body : { ...body, token: entry.token });
  const response = await fetch(`${entry.base}/?${target}`, { method, cache: "no-store", body: sent });
  const value = await response.json().catch(() => ({}));
  return { status: response.status, value };
}

async function login(entry) {
  if (pin === "") return;
  try {
    const { status, value } = await call(entry, "POST", "leader/login", { pin });
    entry.token = status === 200 ? value.token : null;
    entry.error = status === 200 ? "" : (value.message ?? `refused (${status})`);
  } catch {
    entry.error = "does not answer";
  }
  render(entry);
}

async function refreshFleet() {
  try {
    const response = await fetch("/?fleet", { cache: "no-store" });
    const { devices } = await response.json();
    const present = new Set(devices.map((/** @type {Car} */ car) => car.id));
    for (const [id, entry] of cars) {
      if (present.has(id)) continue;
      entry.card.remove(); // the car left the room (its goodbye, or its record ran out)
      cars.delete(id);
    }
    for (const car of devices) {
      const known = cars.get(car.id);
      if (known !== undefined) {
        known.car = car;
        known.base = baseOf(car);
        continue;
      }
      const card = document.createElement("article");
      card.className = "card";
      card.dataset.car = car.id;
      cardsEl.append(card);
      const entry = { car, base: baseOf(car), token: null, queue: null, card, error: "", result: null };
      cars.set(car.id, entry);
      render(entry);
      void login(entry);
    }
  } catch {
    /* this car restarts: the next round asks again */
  }
}

/** The cars whose /?queue is being read: one read per car at a time, so a car that does not answer piles up none. */
const reading = new Set();
async function refreshQueue(entry) {
  if (reading.has(entry)) return;
  reading.add(entry);
  try {
    entry.queue = (await call(entry, "GET", "queue")).value;
    delete entry.card.dataset.unreachable;
  } catch {
    entry.card.dataset.unreachable = "";
  } finally {
    reading.delete(entry);
  }
  render(entry);
}

/** One leader action on one car; the card says whether it landed. */
async function act(entry, action, extra = {}) {
  const landed = await send(entry, action, extra);
  entry.result = landed === true ? { ok: true, text: `${action}: done` } : { ok: false, text: `${action} FAILED: ${landed}` };
  render(entry);
  return landed === true;
}

/** true, or why the action did not land. */
async function send(entry, action, extra) {
  if (entry.token === null) await login(entry); // not logged in yet (a car that came later, a refusal before)
  if (entry.token === null) return entry.error || "not logged in";
  try {
    let { status, value } = await call(entry, "POST", "leader", { action, ...extra });
    if (status === 401) {
      await login(entry); // the car restarted: tokens do not survive it; the action goes again with the new one
      if (entry.token === null) return entry.error || "not logged in";
      ({ status, value } = await call(entry, "POST", "leader", { action, ...extra }));
    }
    if (status === 200) queueFrom(entry, value);
    return status === 200 ? true : (value.message ?? `refused (${status})`);
  } catch {
    return "the car does not answer";
  }
}

/** The leader's reply tells the pause at once; who drives comes with the next read of /?queue. */
function queueFrom(entry, status) {
  if (entry.queue !== null) entry.queue = { ...entry.queue, paused: status.paused ?? undefined };
}

function render(entry) {
  const q = entry.queue;
  const card = entry.card;
  card.replaceChildren();
  const h = document.createElement("h2");
  h.textContent = entry.car.name;
  const who = document.createElement("p");
  who.className = "hint";
  who.dataset.who = "";
  who.textContent =
    q === null
      ? "…"
      : q.owned
        ? `${q.owner ?? "Someone"} ${q.ownerApp === "code" ? "runs a program" : "drives"}; ${q.waiting} waiting`
        : `free; ${q.waiting} waiting`;
  const state = document.createElement("p");
  state.dataset.state = "";
  if (q?.paused) {
    card.dataset.paused = "";
    state.textContent = `Paused${q.paused.message ? `: ${q.paused.message}` : ""}`;
  } else {
    delete card.dataset.paused;
    state.textContent = entry.error === "" ? (entry.token === null ? "not logged in" : "running") : entry.error;
  }
  const row = document.createElement("div");
  row.className = "row";
  const button = (label, fn) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn";
    b.textContent = label;
    b.disabled = pin === ""; // a car not logged in yet is logged in by the action itself
    b.addEventListener("click", fn);
    row.append(b);
  };
  button("Stop", () => act(entry, "stop", message()));
  if (q?.paused) button("Resume", () => act(entry, "resume"));
  else button("Pause", () => act(entry, "pause", message()));
  button("End turn", () => act(entry, "end-turn"));
  button("Turn…", () => {
    const s = Number(prompt("Turn length in seconds (0: no limit, else 10 to 3600)", String(q?.turnS ?? 120)));
    if (Number.isInteger(s)) void act(entry, "turn", { turnS: s });
  });
  button("Rename…", () => {
    const name = prompt("Display name (1-24 characters)", entry.car.name);
    if (name) void act(entry, "name", { name });
  });
  card.append(h, who, state);
  if (entry.result !== null) {
    const result = document.createElement("p");
    result.dataset.result = entry.result.ok ? "ok" : "failed";
    result.textContent = entry.result.text;
    if (!entry.result.ok) result.style.color = "#b00020";
    card.append(result);
  }
  card.append(row);
}

const message = () => {
  const text = /** @type {HTMLInputElement} */ ($("message")).value.trim();
  return text === "" ? {} : { message: text };
};

/** Every car at once: the requests leave together, nobody waits for another car's answer; the tally is shown. */
async function all(action, extra = {}) {
  const results = await Promise.all([...cars.values()].map((entry) => act(entry, action, extra)));
  const failed = results.filter((ok) => !ok).length;
  $("login-state").textContent =
    failed === 0
      ? `${action}: done on all ${results.length} cars`
      : `${action} FAILED on ${failed} of ${results.length} cars: see their cards`;
  return results;
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("pin"));
  pin = input.value;
  input.value = "";
  await Promise.all([...cars.values()].map(login));
  const ok = [...cars.values()].filter((c) => c.token !== null).length;
  $("login-state").textContent = `logged in to ${ok} of ${cars.size} cars`;
  for (const id of ["stop-all", "pause-all", "resume-all"]) /** @type {HTMLButtonElement} */ ($(id)).disabled = pin === "";
});
$("stop-all").addEventListener("click", () => all("stop", message()));
$("pause-all").addEventListener("click", () => all("pause", message()));
$("resume-all").addEventListener("click", () => all("resume"));

await refreshFleet();
setInterval(refreshFleet, 3000);
setInterval(() => {
  for (const entry of cars.values()) void refreshQueue(entry);
}, 1000);
