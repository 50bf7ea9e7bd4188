/**
 * Lingering close (RFC 9112 §9.6): after its final answer the server sends FIN but keeps reading for a moment, so
 * input still arriving (the rest of a refused body) does not turn into a reset that destroys the answer before the
 * client reads it; and a connection waiting out that moment gives its slot to a newcomer. The server's clock is
 * injected: held still, it keeps a connection lingering however late this process looks at it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect, type Socket } from "node:net";
import { HttpServer } from "../src/http/http-server.ts";
import { dynamicReply } from "../src/http/reply.ts";
import type { CloseReason } from "../src/http/types.ts";
import { exchange, parseResponses } from "./support/raw-client.ts";
import { waitFor } from "./support/wait.ts";

const closes: CloseReason[] = [];
let server: HttpServer;
let port = 0;
let frozenAt: number | null = null; // while set, the server's clock stands still: no deadline (linger 2 s) passes

beforeAll(() => {
  server = new HttpServer({
    host: "127.0.0.1",
    port: 0,
    keepAliveS: 5,
    maxConnections: 1,
    maxBodyBytes: 1024,
    handler: () => dynamicReply(200, "", "ok"),
    onConnectionClose: (_id, _address, reason) => closes.push(reason),
    now: () => frozenAt ?? performance.now(),
  });
  port = server.start().port;
});

afterAll(async () => {
  await server?.stop();
});

/** A client that does not answer the server's FIN with its own (allowHalfOpen), as some real clients do not. */
function halfOpenClient(): Promise<{ socket: Socket; received: () => Buffer; errors: string[] }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const errors: string[] = [];
    const socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("error", (e) => errors.push(e.message));
    socket.once("connect", () => resolve({ socket, received: () => Buffer.concat(chunks), errors }));
    socket.once("error", reject);
  });
}

test("a 413 for a declared body too large is read intact while the client goes on sending that body", async () => {
  const client = await halfOpenClient();
  try {
    client.socket.write("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n\r\n");
    // Keep sending the body the server refused, as a real uploader does before it reads the answer.
    for (let i = 0; i < 20 && !client.socket.destroyed; i++) {
      client.socket.write(Buffer.alloc(16 * 1024, 0x61));
      await Bun.sleep(5);
    }
    expect(await waitFor(() => parseResponses(client.received()).length === 1)).toBe(true);
    const [answer] = parseResponses(client.received());
    expect(answer.status).toBe(413);
    expect(answer.body.toString()).toContain("larger than this server accepts");
    expect(client.errors).toEqual([]); // no ECONNRESET: the server read and dropped the rest instead of resetting
  } finally {
    client.socket.destroy();
  }
});

test("a connection lingering after its last answer gives its slot to a newcomer (HTTAP_MAXCONN reached)", async () => {
  await waitFor(() => server.connectionCount === 0);
  closes.length = 0;
  const client = await halfOpenClient();
  frozenAt = performance.now();
  try {
    // a request after the close (a pipelining client): the server lingers, dropping it, until the client's FIN
    // (with nothing more received it would close at once: nothing to linger for)
    client.socket.write("GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /dropped HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(await waitFor(() => client.received().toString("latin1").endsWith("\r\n\r\nok"))).toBe(true);
    await Bun.sleep(50);
    expect(closes).toEqual([]); // still lingering: the client has not closed its side
    expect(server.connectionCount).toBe(1);
    const newcomer = await exchange(port, "GET /b HTTP/1.1\r\nHost: a\r\n\r\n", { responses: 1 });
    expect(newcomer.responses[0]?.status).toBe(200);
    expect(closes).toContain("evicted");
  } finally {
    frozenAt = null;
    client.socket.destroy();
  }
});

test("a newcomer that evicts a lingering connection while another waits for a slot waits behind it: never over the limit", async () => {
  await waitFor(() => server.connectionCount === 0);
  closes.length = 0;
  const holder = await halfOpenClient();
  frozenAt = performance.now(); // no wait for a slot runs out, no idle connection becomes evictable
  const clients = [holder];
  try {
    holder.socket.write("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(await waitFor(() => parseResponses(holder.received()).length === 1)).toBe(true);
    const waiter = await halfOpenClient(); // the only slot is the holder's, answered just now: it waits
    clients.push(waiter);
    waiter.socket.write("GET /w HTTP/1.1\r\nHost: a\r\n\r\n");
    // the holder ends its keep-alive and lingers, so the next newcomer may evict it
    holder.socket.write("GET /a HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET /dropped HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(await waitFor(() => parseResponses(holder.received()).length === 2)).toBe(true);
    expect(parseResponses(waiter.received()).length).toBe(0);
    const newcomer = await halfOpenClient();
    clients.push(newcomer);
    newcomer.socket.write("GET /n HTTP/1.1\r\nHost: a\r\n\r\n");
    expect(await waitFor(() => parseResponses(waiter.received()).length === 1)).toBe(true); // the freed slot: first come
    expect(closes).toEqual(["evicted"]);
    await Bun.sleep(50);
    expect(server.connectionCount).toBe(1);
    expect(parseResponses(newcomer.received()).length).toBe(0); // waiting its turn, not holding a second slot
    waiter.socket.destroy();
    expect(await waitFor(() => parseResponses(newcomer.received()).length === 1)).toBe(true);
    expect(parseResponses(newcomer.received())[0].status).toBe(200);
  } finally {
    frozenAt = null;
    for (const c of clients) c.socket.destroy();
  }
}, 60_000);
