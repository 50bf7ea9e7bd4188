/**
 * The mDNS socket on loopback, on a port of its own (never 5353: the machine's Avahi may hold it). Datagrams are sent
 * to it directly; the multicast path between devices is the room test's (three appliances in network namespaces).
 */
import { afterAll, expect, test } from "bun:test";
import { type DecodedPacket, decode, encode } from "dns-packet";
import { waitFor } from "../../test/support/wait.ts";
import { FleetMdns, type FleetSocket } from "./fleet-mdns.ts";
import { ownRecords } from "./fleet-records.ts";
import { MdnsSocket } from "./mdns-socket.ts";

const closers: (() => unknown)[] = [];
afterAll(async () => {
  for (const close of closers) await close();
});

/** A UDP port free right now. */
async function freeUdpPort(): Promise<number> {
  const probe = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0 });
  const { port } = probe;
  probe.close();
  return port;
}

async function sender() {
  // a datagram sent before the socket under test has bound draws ICMP "port unreachable", which Bun reports to the
  // sender as an error (ECONNREFUSED): expected while announcing until heard, so it is not the test's failure
  const socket = await Bun.udpSocket({ hostname: "127.0.0.1", port: 0, socket: { error: () => {} } });
  closers.push(() => socket.close());
  return socket;
}

const peerFacts = {
  id: "car-42",
  name: "Car 42",
  board: "rc-car",
  version: "1.0.0",
  port: 60000,
  driver: "Ada",
  owned: true,
  waiting: 1,
  paused: false,
};

test("a datagram that is not DNS is dropped; a DNS message is handed over decoded, with its sender's address", async () => {
  const port = await freeUdpPort();
  const heard: { packet: DecodedPacket; from: string }[] = [];
  const mdns = await MdnsSocket.open({ port, onPacket: (packet, from) => heard.push({ packet, from }) });
  closers.push(() => mdns.close());
  const out = await sender();
  out.send(new Uint8Array([0xff, 0x00, 0x13]), port, "127.0.0.1");
  out.send(encode({ type: "query", questions: [{ name: "_httap._tcp.local", type: "PTR" }] }), port, "127.0.0.1");
  expect(await waitFor(() => heard.length > 0)).toBe(true);
  await Bun.sleep(50);
  expect(heard.length).toBe(1);
  expect(heard[0].from).toBe("127.0.0.1");
  expect(heard[0].packet.type).toBe("query");
  expect(heard[0].packet.questions?.[0]).toMatchObject({ name: "_httap._tcp.local", type: "PTR" });
});

test("two sockets bind one port, as httap does beside the system's Avahi on 5353", async () => {
  const port = await freeUdpPort();
  const first = await MdnsSocket.open({ port, onPacket: () => {} });
  closers.push(() => first.close());
  const second = await MdnsSocket.open({ port, onPacket: () => {} });
  closers.push(() => second.close());
});

test("the room hears a peer's announcement and its goodbye (TTL 0)", async () => {
  const port = await freeUdpPort();
  const ownFacts = { ...peerFacts, id: "car-01", name: "Car 1", driver: null, owned: false, waiting: 0 };
  const fleet = new FleetMdns({ facts: () => ownFacts, hostName: "car-01", now: () => performance.now(), log: () => {}, port });
  closers.push(() => fleet.stop());
  fleet.start();
  const out = await sender();
  const announce = (ttlS: number) =>
    out.send(encode({ type: "response", answers: ownRecords(peerFacts, "car-42", ttlS) }), port, "127.0.0.1");
  // the socket opens asynchronously: announce until heard (bounded by waitFor)
  expect(
    await waitFor(() => {
      announce(15);
      return fleet.peers.live(performance.now()).length === 1;
    }),
  ).toBe(true);
  const [peer] = fleet.peers.live(performance.now());
  expect(peer.facts).toEqual(peerFacts);
  expect(peer.addresses).toContain("127.0.0.1");
  announce(0);
  expect(await waitFor(() => fleet.peers.live(performance.now()).length === 0)).toBe(true);
});

test("our own records' echo is dropped unread; any other message, even the same records with another TTL, is not", async () => {
  const port = await freeUdpPort();
  const heard: DecodedPacket[] = [];
  const mdns = await MdnsSocket.open({ port, onPacket: (packet) => heard.push(packet) });
  closers.push(() => mdns.close());
  const records = (ttlS: number) => mdns.encode({ type: "response", answers: ownRecords(peerFacts, "car-42", ttlS) });
  const own = records(15);
  mdns.sendOwnRecords(own);
  const out = await sender();
  out.send(own, port, "127.0.0.1"); // what multicast loopback hands back
  out.send(records(14), port, "127.0.0.1");
  out.send(encode({ type: "query", questions: [{ name: "done.local", type: "A" }] }), port, "127.0.0.1"); // in order, last
  expect(await waitFor(() => heard.some((p) => p.type === "query"))).toBe(true);
  expect(heard.map((p) => (p.type === "query" ? "query" : (p.answers?.[0] as { ttl?: number }).ttl))).toEqual([14, "query"]);
});

/** A socket that keeps what the room sends, for FleetMdns without the network. */
function keepingSocket(sent: Uint8Array[]): FleetSocket {
  return {
    send: () => {},
    encode: (packet) => encode(packet),
    sendOwnRecords: (bytes) => void sent.push(bytes),
    joinGroup: () => {},
    close: () => {},
  };
}

test("the room's records are encoded again when what it says changes, and only then", async () => {
  const sent: Uint8Array[] = [];
  let facts = { ...peerFacts, driver: null as string | null, owned: false };
  const fleet = new FleetMdns({
    facts: () => facts,
    hostName: "car-42",
    now: () => performance.now(),
    log: () => {},
    openSocket: async () => keepingSocket(sent),
  });
  closers.push(() => fleet.stop());
  const txt = (bytes: Uint8Array) => {
    const record = decode(Buffer.from(bytes)).answers?.find((a) => a.type === "TXT");
    return (record?.data as Buffer[]).map((b) => b.toString());
  };
  fleet.start();
  expect(await waitFor(() => sent.length === 1)).toBe(true);
  fleet.changed(); // asked again (a query), nothing changed: the same bytes again (so are any periodic ones meanwhile)
  expect(await waitFor(() => sent.length >= 2)).toBe(true);
  expect(sent.every((bytes) => bytes === sent[0])).toBe(true);
  expect(txt(sent[0])).toContain("drv=");
  facts = { ...facts, driver: "Ada", owned: true };
  fleet.changed();
  expect(await waitFor(() => txt(sent[sent.length - 1]).includes("drv=Ada"))).toBe(true);
  expect(txt(sent[sent.length - 1])).toContain("own=1");
  await fleet.stop(); // the goodbye: TTL 0, encoded anew
  expect(decode(Buffer.from(sent[sent.length - 1])).answers?.map((a) => (a as { ttl?: number }).ttl)).toEqual([0, 0, 0]);
});
