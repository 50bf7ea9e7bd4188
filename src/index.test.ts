import { expect, test } from "bun:test";
import { createServer, defineResource, readConfig } from "./index.ts";

test("library API: register, subscribe before start, serve, refuse late registration, stop ends the session", async () => {
  const server = createServer({ config: readConfig({ HTTAP_TCPPORT: "0", HTTAP_HOST: "127.0.0.1" }), log: () => {} });
  server.register(defineResource({ name: "LED", get: (c) => c.reply.json({ on: true }) }));
  const events: string[] = [];
  server.onSession("start", (s) => events.push(`start ${s.owner}`));
  const off = server.onSession("start", () => events.push("never"));
  off();
  server.onSession("end", (_s, reason) => events.push(`end ${reason}`));
  const { port } = await server.start();
  const look = await fetch(`http://127.0.0.1:${port}/?LED`); // anyone may look: no session
  expect(await look.json()).toEqual({ on: true });
  expect(look.headers.get("httap-session")).toBe("00000000");
  expect(events).toEqual([]);
  const claim = await fetch(`http://127.0.0.1:${port}/?claim`, { method: "POST", body: '{"name":"Lab"}' });
  expect(await claim.json()).toEqual({ Remain: 15, Timeout: 15 });
  const r = await fetch(`http://127.0.0.1:${port}/?LED`);
  expect(await r.json()).toEqual({ on: true });
  expect(r.headers.get("httap-session")).toMatch(/^[0-9a-z]{8}$/);
  expect(r.headers.get("httap-session")).toBe(claim.headers.get("httap-session"));
  expect(() => server.register(defineResource({ name: "LATE", get: (c) => c.reply.json(0) }))).toThrow(/frozen/);
  await server.stop();
  expect(events).toEqual(["start 127.0.0.1", "end server-stop"]);
});
