/** The peer list (issue 21) on a fake clock: a TTL is capped, a full list makes room for a newcomer. */
import { expect, test } from "bun:test";
import { FLEET_PEER_TTL_MAX_S, FLEET_PEERS_MAX } from "./fleet-limits.ts";
import type { PeerAnnouncement } from "./fleet-records.ts";
import { PeerList } from "./peer-list.ts";

function car(n: number, ttlS = 15): PeerAnnouncement {
  const id = `car-${String(n).padStart(3, "0")}`;
  const facts = { id, name: id, board: "sim", version: "1", port: 60000, driver: null, owned: false, waiting: 0, paused: false };
  return { instance: `${id}._httap._tcp.local`, ttlS, facts };
}

test("a record's TTL is believed for at most 120 s", () => {
  const peers = new PeerList();
  peers.heard(car(1, 86_400), "198.18.0.2", 0);
  expect(FLEET_PEER_TTL_MAX_S).toBe(120);
  expect(peers.live(119_999).length).toBe(1);
  expect(peers.live(120_000).length).toBe(0);
});

test("a full list drops the peer heard least recently for a newcomer", () => {
  const peers = new PeerList();
  for (let i = 0; i < FLEET_PEERS_MAX; i++) peers.heard(car(i, 120), "198.18.0.2", i === 5 ? 0 : 1_000);
  peers.heard(car(999), "198.18.0.9", 2_000);
  const ids = peers.live(2_000).map((p) => p.facts.id);
  expect(ids.length).toBe(FLEET_PEERS_MAX);
  expect(ids).toContain("car-999");
  expect(ids).not.toContain("car-005");
});
