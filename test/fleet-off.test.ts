/**
 * @module HTTAP_FLEET=0 (issue 21): the server opens no UDP socket at all (its descriptors against /proc's UDP
 * tables) and `/?fleet` lists only this device, discovery off.
 */
import { afterAll, expect, test } from "bun:test";
import { startServer, type RunningServer } from "./support/server.ts";
import { udpPorts } from "./support/udp-sockets.ts";

let server: RunningServer | null = null;
afterAll(async () => {
  await server?.stop();
});

test("HTTAP_FLEET=0: no UDP socket, /?fleet lists only this device", async () => {
  server = await startServer({ HTTAP_FLEET: "0", HTTAP_GPIO: "none" }); // on every address: only the setting keeps it off
  const fleet = (await (await fetch(`http://127.0.0.1:${server.port}/?fleet`)).json()) as { discovery: boolean; devices: unknown[] };
  expect(fleet.discovery).toBe(false);
  expect(fleet.devices).toHaveLength(1);
  expect(fleet.devices[0]).toMatchObject({ self: true, port: server.port, board: "none", paused: false, owned: false });
  expect(udpPorts(server.proc.pid)).toEqual([]);
});
