/**
 * @module Test support: a browser on loopback always connects from 127.0.0.1, so a second (third...) participant
 * goes through a small TCP relay on 127.0.0.1 whose connections reach the server from another loopback address.
 * The relay's own port is another origin too: each participant keeps its own storage (its display name). A test that
 * only needs another host's request (Ana's phone) sends it with `fromAna`.
 */
import { connect } from "node:net";
import type { TCPSocketListener } from "bun";

export interface Relay {
  readonly port: number;
  stop(): void;
}

/** A relay on 127.0.0.1 whose connections reach 127.0.0.1:`port` from `localAddress` (127.0.0.2, 127.0.0.3...). */
export function relayFrom(localAddress: string, port: number): Relay {
  const listener: TCPSocketListener<{ up: ReturnType<typeof connect> | null; early: Buffer[] }> = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { up: null, early: [] };
        const up = connect({ host: "127.0.0.1", port, localAddress }, () => {
          for (const b of s.data.early) up.write(b);
          s.data.early = [];
        });
        up.on("data", (b) => s.write(b));
        up.on("close", () => s.end());
        up.on("error", () => s.end());
        s.data.up = up;
      },
      data(s, b) {
        if (s.data.up?.writable && s.data.early.length === 0 && !s.data.up.connecting) s.data.up.write(Buffer.from(b));
        else s.data.early.push(Buffer.from(b));
      },
      close(s) {
        s.data.up?.destroy();
      },
    },
  });
  return { port: listener.port, stop: () => listener.stop(true) };
}

/** One HTTP request from 127.0.0.2, another host than the browser's 127.0.0.1 (Ana's phone). */
export function fromAna(port: number, method: string, target: string, body = ""): Promise<string> {
  return new Promise((done, fail) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" }, () => {
      const length = Buffer.byteLength(body);
      socket.write(`${method} ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n`);
      socket.write(`Connection: close\r\n\r\n${body}`);
    });
    let text = "";
    socket.on("data", (b) => (text += b.toString()));
    socket.on("end", () => done(text));
    socket.on("error", fail);
  });
}
