/**
 * @module mDNS's transport (RFC 6762): one UDP socket on port 5353 in the group 224.0.0.251, on Bun's own UDP
 * socket, with dns-packet's wire format. Not node:dgram (which `multicast-dns` opens): for one socket that module kept
 * ~3 MiB more resident on a device (issue 22, compiled x64, cold, a `Bun.listen` server plus an mDNS query: 29.6 MiB
 * through multicast-dns and node:dgram, 26.6 through this, 22.4 with none). The port is shared with the system's
 * Avahi: SO_REUSEADDR, as node:dgram's `reuseAddr` asks Bun for it.
 */
import type { DecodedPacket, Packet } from "dns-packet";
import { nodeOs } from "../os/node-builtins.ts";

/** The header's AA bit (RFC 1035 §4.1.1): every answer of ours is authoritative. */
export const AUTHORITATIVE_ANSWER = 1 << 10;

/**
 * dns-packet, loaded by the first socket that opens rather than at start: a device without the room (HTTAP_FLEET=0,
 * a loopback host) never evaluates it, and one with the room does so after its first answers (issue 22: evaluating it
 * took 27 ms of a start-up under qemu-user, more than any of our own modules).
 */
type Wire = typeof import("dns-packet");

export const MDNS_GROUP = "224.0.0.251";
export const MDNS_PORT = 5353;
/** Link-local multicast may cross no router; 255 is what RFC 6762 §11 asks receivers to check for. */
const MDNS_TTL = 255;
/**
 * Bun.udpSocket's listen flags, not in its typings: the values Bun 1.4's node:dgram passes for `reuseAddr`
 * (LISTEN_REUSE_ADDR) and always (LISTEN_DISALLOW_REUSE_PORT_FAILURE). The fleet test binds two of these sockets to
 * one port, so a runtime that changed them fails there.
 */
const LISTEN_REUSE_ADDR = 16;
const LISTEN_DISALLOW_REUSE_PORT_FAILURE = 32;

export interface MdnsSocketOptions {
  /** Another port than 5353 (tests). */
  readonly port?: number;
  /** A well-formed mDNS message and the IPv4 address it came from (malformed ones are dropped). */
  readonly onPacket: (packet: DecodedPacket, from: string) => void;
}

type UdpSocket = Bun.udp.Socket<"buffer">;

export class MdnsSocket {
  readonly #socket: UdpSocket;
  readonly #wire: Wire;
  readonly #port: number;
  /** The interface addresses whose group membership is held. */
  readonly #joined = new Set<string>();
  /** The last records `sendOwnRecords` sent, whose echo is dropped. */
  #ownRecords: Uint8Array | null = null;

  private constructor(socket: UdpSocket, wire: Wire, port: number) {
    this.#socket = socket;
    this.#wire = wire;
    this.#port = port;
  }

  /** Binds the port (rejects with the reason, e.g. EACCES, when it cannot) and joins the group on every interface. */
  static async open(o: MdnsSocketOptions): Promise<MdnsSocket> {
    const port = o.port ?? MDNS_PORT;
    const wire: Wire = await import("dns-packet");
    let mdns: MdnsSocket | null = null; // the handler's view of the socket made below
    const options: Bun.udp.SocketOptions<"buffer"> & { readonly flags: number } = {
      hostname: "0.0.0.0",
      port,
      binaryType: "buffer",
      flags: LISTEN_REUSE_ADDR | LISTEN_DISALLOW_REUSE_PORT_FAILURE,
      socket: {
        data: (_socket, data, _port, address) => {
          if (mdns !== null && mdns.#isOwnEcho(data)) return;
          let packet: DecodedPacket;
          try {
            packet = wire.decode(data);
          } catch {
            return; // not DNS: whatever else shares the group is not ours to judge
          }
          o.onPacket(packet, address);
        },
      },
    };
    const socket = await Bun.udpSocket(options);
    socket.setMulticastTTL(MDNS_TTL);
    socket.setMulticastLoopback(true); // another httap (or Avahi) on this machine hears us
    mdns = new MdnsSocket(socket, wire, port);
    mdns.joinGroup();
    return mdns;
  }

  /**
   * Joins the group on each interface not joined yet: call it again now and then, since interfaces come and go (the
   * hotspot comes up after the service starts). One address per interface: the kernel joins by interface.
   */
  joinGroup(): void {
    const present = new Set(ipv4PerInterface(true));
    for (const address of this.#joined) if (!present.has(address)) this.#joined.delete(address); // gone: rejoin if back
    for (const address of present) {
      if (this.#joined.has(address)) continue;
      try {
        if (this.#socket.addMembership(MDNS_GROUP, address)) this.#joined.add(address);
      } catch {} // an interface without multicast: tried again next time
    }
  }

  /** `packet` in mDNS's wire format, for `sendOwnRecords`. */
  encode(packet: Packet): Uint8Array {
    return this.#wire.encode(packet);
  }

  /** Sends `packet` to the group out of every external IPv4 interface in turn (a Pi on its hotspot has no default route). */
  send(packet: Packet): void {
    this.#sendBytes(this.#wire.encode(packet));
  }

  /**
   * Sends this device's own records, encoded once by the caller (`encode`) and sent again every few seconds while they
   * stay the same. Their echo (multicast loopback, so that another httap or Avahi on this machine hears us) comes back
   * to this socket and is dropped unread: decoding it every few seconds, with nothing in it for us, was the JavaScript
   * an idle device ran (issue 22: JSC's optimizing compiler took it up within a minute, ~3 MiB of resident code).
   */
  sendOwnRecords(bytes: Uint8Array): void {
    this.#ownRecords = bytes;
    this.#sendBytes(bytes);
  }

  /** Whether a datagram is our own records, byte for byte (no peer's records name our instance). */
  #isOwnEcho(data: Buffer): boolean {
    const own = this.#ownRecords;
    return own !== null && data.length === own.length && data.equals(own);
  }

  #sendBytes(bytes: Uint8Array): void {
    for (const address of ipv4PerInterface(false)) {
      try {
        this.#socket.setMulticastInterface(address);
        this.#socket.send(bytes, this.#port, MDNS_GROUP);
      } catch {} // an interface going away: the others still hear us
    }
  }

  close(): void {
    for (const address of this.#joined) {
      try {
        this.#socket.dropMembership(MDNS_GROUP, address);
      } catch {}
    }
    this.#joined.clear();
    this.#socket.close();
  }
}

/** The first IPv4 address of each interface; loopback's too when `withLoopback`. */
function ipv4PerInterface(withLoopback: boolean): string[] {
  const out: string[] = [];
  for (const list of Object.values(nodeOs().networkInterfaces())) {
    const first = (list ?? []).find((a) => a.family === "IPv4" && (withLoopback || !a.internal));
    if (first !== undefined) out.push(first.address);
  }
  return out;
}
