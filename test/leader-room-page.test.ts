/**
 * @module The leader's page (assets/leader-room.js, issue 21) on a fake DOM and fake cars, no browser: STOP ALL
 * is a simple request (text/plain, the token in the body: no preflight), reaches a car whose token a restart
 * revoked (logs in again and sends the stop again), a car that had no token yet, and says per card whether it
 * landed (a clear failure otherwise); a car gone from /?fleet loses its card.
 */
import { afterAll, expect, test } from "bun:test";

interface El {
  id: string;
  dataset: Record<string, string>;
  style: Record<string, string>;
  children: El[];
  textContent: string;
  value: string;
  disabled: boolean;
  removed: boolean;
  listeners: Record<string, (e: unknown) => unknown>;
  addEventListener(type: string, fn: (e: unknown) => unknown): void;
  append(...c: El[]): void;
  replaceChildren(...c: El[]): void;
  remove(): void;
}
function el(id = ""): El {
  const e: El = {
    id,
    dataset: {},
    style: {},
    children: [],
    textContent: "",
    value: "",
    disabled: false,
    removed: false,
    listeners: {},
    addEventListener: (type, fn) => void (e.listeners[type] = fn),
    append: (...c) => void e.children.push(...c),
    replaceChildren: (...c) => void (e.children = c),
    remove: () => void (e.removed = true),
  };
  return e;
}
const byId = new Map<string, El>();
const g = globalThis as Record<string, unknown>;
const saved = { document: g.document, location: g.location, fetch: g.fetch, setInterval: g.setInterval };
afterAll(() => Object.assign(globalThis, saved));

const PIN = "4711";
let devices = ["a", "b", "c"];
const sent: { car: string; target: string; headers: Headers; body: string }[] = [];
const tokens: Record<string, string | null> = { a: null, b: null, c: null };
const reachable: Record<string, boolean> = { a: true, b: true, c: false };
let serial = 0;

g.document = {
  getElementById: (id: string) => byId.get(id) ?? byId.set(id, el(id)).get(id),
  createElement: () => el(),
};
g.location = { origin: "http://198.18.0.1:60000" };
const intervals: (() => Promise<void> | void)[] = [];
g.setInterval = (fn: () => Promise<void> | void) => intervals.push(fn);
g.fetch = async (url: string, init: RequestInit = {}) => {
  if (url === "/?fleet") {
    const car = (id: string, i: number) => ({ id, name: `car ${id}`, self: i === 0, addresses: [`198.18.0.${i + 1}`], port: 60000 });
    return Response.json({ devices: devices.map(car) });
  }
  const car = "abc"[Number(/198\.18\.0\.(\d+)/.exec(url)?.[1]) - 1];
  const target = url.slice(url.indexOf("/?") + 2);
  const body = String(init.body ?? "");
  sent.push({ car, target, headers: new Headers(init.headers), body });
  if (!reachable[car]) throw new TypeError("Failed to fetch");
  if (target === "queue") return Response.json({ owned: true, owner: "Ana", waiting: 0 });
  const v = JSON.parse(body);
  if (target === "leader/login") {
    if (v.pin !== PIN) return Response.json({ error: "wrong-pin", message: "wrong PIN" }, { status: 401 });
    tokens[car] = `${car}${String(++serial).padStart(31, "0")}`;
    return Response.json({ token: tokens[car] });
  }
  if (v.token !== tokens[car] || tokens[car] === null) return Response.json({ message: "token unknown" }, { status: 401 });
  return Response.json({ paused: { message: "the car was stopped" } });
};

const text = (e: El): string => [e.textContent, ...e.children.map(text)].join(" ");
const result = (car: string) => {
  const card = byId.get("cards")?.children.find((c) => c.dataset.car === car);
  return card?.children.find((c) => "result" in c.dataset);
};

test("STOP ALL: simple requests, re-sent after a re-login, landed or failed per card; a car that left loses its card", async () => {
  // @ts-ignore: a browser script, typed by its JSDoc only (no declaration file)
  await import("../assets/leader-room.js");
  expect(byId.get("cards")?.children.length).toBe(3);
  (g.document as { getElementById: (id: string) => El }).getElementById("pin").value = PIN;
  await byId.get("login")!.listeners.submit({ preventDefault: () => {} }); // a and b log in; c does not answer
  expect([tokens.a !== null, tokens.b !== null, tokens.c]).toEqual([true, true, null]);
  tokens.b = null; // b restarted: the token the page holds is unknown there now
  reachable.c = true; // c is back, never logged in
  sent.length = 0;
  await byId.get("stop-all")!.listeners.click({});
  const stops = sent.filter((s) => s.target === "leader");
  for (const s of stops) {
    expect(s.headers.get("authorization")).toBeNull(); // no preflight: no Authorization, no JSON content type
    expect(s.headers.get("content-type")).toBeNull();
    expect(JSON.parse(s.body)).toMatchObject({ action: "stop" });
  }
  expect(stops.map((s) => s.car).sort()).toEqual(["a", "b", "b", "c"]); // b's stop went again after its new login
  for (const car of ["a", "b", "c"]) expect(result(car)?.dataset.result).toBe("ok");
  expect(byId.get("login-state")?.textContent).toBe("stop: done on all 3 cars");

  reachable.b = false; // b's Wi-Fi drops: its card says the stop did not land
  await byId.get("stop-all")!.listeners.click({});
  expect(result("b")?.dataset.result).toBe("failed");
  expect(text(result("b")!)).toContain("stop FAILED");
  expect(byId.get("login-state")?.textContent).toContain("FAILED on 1 of 3");

  devices = ["a", "b"]; // c said goodbye
  const cCard = byId.get("cards")?.children.find((c) => c.dataset.car === "c");
  await intervals[0](); // the page reads /?fleet again
  expect(cCard?.removed).toBe(true);
  await byId.get("stop-all")!.listeners.click({});
  expect(byId.get("login-state")?.textContent).toContain("of 2 cars");
});
