/**
 * @module leader-room.js (issue 21): the leader's page. The cars come from this car's `/?fleet`; the page talks to
 * each car directly (fleet members accept each other's pages on /?fleet, /?queue and /?leader). The leader types
 * the PIN once: the page logs in to every car with it (each car checks it itself and gives its own token, sent
 * back as `Authorization: Bearer`); the PIN is kept in this page's memory only, never stored.
 */

/** @typedef {{ id: string, name: string, self: boolean, addresses: string[], port: number, board: string }} Car */
/** @type {Map<string, { car: Car, base: string, token: string | null, queue: any, card: HTMLElement, error: string }>} */
const cars = new Map();
let pin = "";

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const cardsEl = $("cards");

/** Where a car answers: this page's own origin for this car, its first address for the others. */
function baseOf(/** @type {Car} */ car) {
  return car.self ? location.origin : `http://${car.addresses[0]}:${car.port}`;
}

async function call(entry, method, target, body) {
  const headers = /** @type {Record<string, string>} */ ({});
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (entry.token !== null) headers.Authorization = `Bearer ${entry.token}`;
  const response = await fetch(`${entry.base}/?${target}`, {
    method,
    headers,
    cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const value = await response.json().catch(() => ({}));
  return { status: response.status, value };
}

async function login(entry) {
  if (pin === "") return;
  try {
    const { status, value } = await call(entry, "POST", "leader/login", { pin });
    entry.token = status === 200 ? value.token : null;
    entry.error = status === 200 ? "" : (value.message ?? `refused (${status})`);
    if (entry.token !== null) await call(entry, "GET", "leader"); // the preflight for /?leader is cached from now on
  } catch {
    entry.error = "does not answer";
  }
  render(entry);
}

async function refreshFleet() {
  try {
    const response = await fetch("/?fleet", { cache: "no-store" });
    const { devices } = await response.json();
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
      const entry = { car, base: baseOf(car), token: null, queue: null, card, error: "" };
      cars.set(car.id, entry);
      render(entry);
      void login(entry);
    }
  } catch {
    /* this car restarts: the next round asks again */
  }
}

async function refreshQueue(entry) {
  try {
    entry.queue = (await call(entry, "GET", "queue")).value;
    delete entry.card.dataset.unreachable;
  } catch {
    entry.card.dataset.unreachable = "";
  }
  render(entry);
}

async function act(entry, action, extra = {}) {
  if (entry.token === null) return false;
  try {
    const { status } = await call(entry, "POST", "leader", { action, ...extra });
    if (status === 401) await login(entry); // the car restarted: tokens do not survive it
    return status === 200;
  } catch {
    return false;
  }
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
  who.textContent = q === null ? "…" : q.owned ? `${q.owner ?? "Someone"} drives; ${q.waiting} waiting` : `free; ${q.waiting} waiting`;
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
    b.disabled = entry.token === null;
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
  card.append(h, who, state, row);
}

const message = () => {
  const text = /** @type {HTMLInputElement} */ ($("message")).value.trim();
  return text === "" ? {} : { message: text };
};

/** Every car at once: the requests leave together, nobody waits for another car's answer. */
function all(action, extra = {}) {
  return Promise.all([...cars.values()].map((entry) => act(entry, action, extra)));
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($("pin"));
  pin = input.value;
  input.value = "";
  await Promise.all([...cars.values()].map(login));
  const ok = [...cars.values()].filter((c) => c.token !== null).length;
  $("login-state").textContent = `logged in to ${ok} of ${cars.size} cars`;
  for (const id of ["stop-all", "pause-all", "resume-all"]) /** @type {HTMLButtonElement} */ ($(id)).disabled = ok === 0;
});
$("stop-all").addEventListener("click", () => all("stop", message()));
$("pause-all").addEventListener("click", () => all("pause", message()));
$("resume-all").addEventListener("click", () => all("resume"));

await refreshFleet();
setInterval(refreshFleet, 3000);
setInterval(() => {
  for (const entry of cars.values()) void refreshQueue(entry);
}, 1000);
