/** The room's CORS (issue 21): only a live peer's origin, only on the room's words, gets CORS lines of its own. */
import { expect, test } from "bun:test";
import { dynamicReply } from "../http/reply.ts";
import type { HttpRequest, Reply } from "../http/types.ts";
import { fleetCors } from "./fleet-cors.ts";

const PEER = "http://car-02.local:60000";

function request(method: string, query: string, headers: Record<string, string>): HttpRequest {
  return {
    method,
    isHead: false,
    target: `/?${query}`,
    path: "/",
    query,
    version: 11,
    body: new Uint8Array(0),
    remoteAddress: "198.18.0.2",
    connectionId: 1,
    header: (name) => headers[name],
  };
}

/** fleetCors over a handler that notes the Origin it was shown and answers 200. */
function room() {
  const seen: (string | undefined)[] = [];
  const inner = (r: HttpRequest): Reply => {
    seen.push(r.header("origin"));
    return dynamicReply(200, "Content-Type: application/json\r\n", "{}");
  };
  return { handle: fleetCors(inner, (origin) => origin === PEER), seen };
}

test("without an Origin, and for any word but the room's, the request passes as it came", () => {
  const { handle, seen } = room();
  const plain = handle(request("GET", "fleet", { host: "car-01.local:60000" }));
  expect(plain.kind === "dynamic" && plain.headers).toBe("Content-Type: application/json\r\n");
  const ping = handle(request("GET", "ping", { host: "car-01.local:60000", origin: PEER }));
  expect(ping.kind === "dynamic" && ping.headers).toBe("Content-Type: application/json\r\n");
  expect(seen).toEqual([undefined, PEER]);
});

test("a live peer's origin on /?fleet, /?queue, /?leader: its CORS lines, HTTaP shown no Origin; a stranger's: nothing", () => {
  const { handle, seen } = room();
  for (const word of ["fleet", "queue/x", "leader?pin"]) {
    const r = handle(request("GET", word, { host: "car-01.local:60000", origin: PEER }));
    expect(r.kind === "dynamic" && r.headers).toContain(`Access-Control-Allow-Origin: ${PEER}\r\n`);
  }
  const stranger = handle(request("GET", "fleet", { host: "car-01.local:60000", origin: "http://evil.example" }));
  expect(stranger.kind === "dynamic" && stranger.headers).not.toContain("Access-Control-Allow-Origin");
  expect(seen).toEqual([undefined, undefined, undefined, "http://evil.example"]);
  const preflight = handle(request("OPTIONS", "leader", { host: "car-01.local:60000", origin: PEER }));
  expect(preflight.status).toBe(204);
  expect(preflight.kind === "dynamic" && preflight.headers).toContain("Access-Control-Allow-Methods: GET, HEAD, POST, OPTIONS\r\n");
});

test("the same origin is not a peer's: the request passes as it came", () => {
  const { handle, seen } = room();
  handle(request("GET", "fleet", { host: "car-02.local:60000", origin: PEER }));
  expect(seen).toEqual([PEER]);
});
