/**
 * @module Test support: raw HTTP/1.1 over TCP to loopback. Sends literal bytes (optionally in timed pieces) and
 * collects what comes back until the server closes, enough responses arrived, or a bounded wait runs out. A wait for
 * something that must come (a count of responses, the close) is generous (WAIT_MS): it ends when that happens.
 */
import { connect, type Socket } from "node:net";
import { WAIT_MS, waitFor } from "./wait.ts";

export interface ParsedResponse {
  status: number;
  headers: Map<string, string>; // lowercase names; repeated fields joined with ", "
  body: Buffer;
  raw: string; // the head as text
}

export interface Exchange {
  responses: ParsedResponse[];
  bytes: Buffer;
  closed: boolean; // the server closed (FIN or reset) before we gave up
  ms: number;
}

export interface ExchangeOptions {
  host?: string; // loopback only
  localAddress?: string;
  /** Stop once this many complete responses arrived (or the server closed); waits up to `maxMs` for them. */
  responses?: number;
  /**
   * Give up after this long with no new bytes (ms): the window in which nothing more is expected. Default: `maxMs`
   * when a count of `responses` is awaited, else 1500 ms (pass WAIT_MS to wait for a close that must come).
   */
  idleMs?: number;
  /** Hard cap (ms), default WAIT_MS. */
  maxMs?: number;
  /** Per response index: true when the request was HEAD (no body follows). */
  headMethods?: boolean[];
  /** Extra pieces sent after `delayMs` each, after the first bytes. */
  pieces?: { data: string | Buffer; delayMs: number }[];
}

function assertLoopback(host: string): void {
  if (!(host === "::1" || host === "localhost" || /^127\./.test(host))) throw new Error(`not loopback: ${host}`);
}

/** Splits a byte stream into complete responses (Content-Length framing, which is all this server sends). */
export function parseResponses(buf: Buffer, headMethods: boolean[] = []): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let p = 0;
  while (p < buf.length) {
    const end = buf.indexOf("\r\n\r\n", p, "latin1");
    if (end < 0) break;
    const raw = buf.subarray(p, end).toString("latin1");
    const lines = raw.split("\r\n");
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0])?.[1] ?? NaN);
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const i = l.indexOf(":");
      const k = l.slice(0, i).toLowerCase();
      const v = l.slice(i + 1).trim();
      headers.set(k, headers.has(k) ? `${headers.get(k)}, ${v}` : v);
    }
    const noBody = headMethods[out.length] === true || status === 204 || status === 304 || (status >= 100 && status < 200);
    const length = noBody ? 0 : Number(headers.get("content-length") ?? 0);
    if (end + 4 + length > buf.length) break;
    out.push({ status, headers, body: buf.subarray(end + 4, end + 4 + length), raw });
    p = end + 4 + length;
  }
  return out;
}

export function exchange(port: number, data: string | Buffer, o: ExchangeOptions = {}): Promise<Exchange> {
  const host = o.host ?? "127.0.0.1";
  assertLoopback(host);
  return new Promise((resolve) => {
    const t0 = performance.now();
    const chunks: Buffer[] = [];
    let closed = false;
    let done = false;
    const timers: ReturnType<typeof setTimeout>[] = [];
    let idle: ReturnType<typeof setTimeout> | undefined;
    const socket: Socket = connect({ host, port, localAddress: o.localAddress });
    socket.setNoDelay(true);
    const finish = () => {
      if (done) return;
      done = true;
      for (const t of timers) clearTimeout(t);
      clearTimeout(idle);
      socket.destroy();
      const bytes = Buffer.concat(chunks);
      resolve({ responses: parseResponses(bytes, o.headMethods), bytes, closed, ms: Math.round(performance.now() - t0) });
    };
    const maxMs = o.maxMs ?? WAIT_MS;
    const idleMs = o.idleMs ?? (o.responses !== undefined ? maxMs : 1500);
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(finish, idleMs);
    };
    timers.push(setTimeout(finish, maxMs));
    socket.on("connect", () => {
      socket.write(data);
      let at = 0;
      for (const piece of o.pieces ?? []) {
        at += piece.delayMs;
        timers.push(
          setTimeout(() => {
            if (!socket.destroyed) socket.write(piece.data);
          }, at),
        );
      }
      armIdle();
    });
    socket.on("data", (d) => {
      chunks.push(d as Buffer);
      armIdle();
      if (o.responses !== undefined && parseResponses(Buffer.concat(chunks), o.headMethods).length >= o.responses) finish();
    });
    socket.on("end", () => {
      closed = true;
      finish();
    });
    socket.on("close", () => {
      closed = true;
      finish();
    });
    socket.on("error", () => {
      closed = true;
      finish();
    });
  });
}

/** One request, one response (or none): the common case. */
export async function request(port: number, data: string | Buffer, o: ExchangeOptions = {}): Promise<ParsedResponse | undefined> {
  return (await exchange(port, data, { responses: 1, ...o })).responses[0];
}

/** Opens a socket and resolves once connected; the caller writes and ends it. */
export function openSocket(port: number, host = "127.0.0.1"): Promise<Socket> {
  assertLoopback(host);
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.setNoDelay(true);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** One socket kept open across requests, collecting what arrives; every wait is bounded. */
export class Peer {
  bytes = Buffer.alloc(0);
  isClosed = false;
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (d: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, d]);
    });
    socket.on("end", () => {
      this.isClosed = true;
    });
    socket.on("close", () => {
      this.isClosed = true;
    });
    socket.on("error", () => {
      this.isClosed = true;
    });
  }

  static async open(port: number, host = "127.0.0.1"): Promise<Peer> {
    return new Peer(await openSocket(port, host));
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Sends one request and waits for its answer; throws when none comes within `maxMs`. */
  async ask(text: string, maxMs = WAIT_MS): Promise<void> {
    const before = this.responses().length;
    this.send(text);
    if (!(await this.until(() => this.responses().length > before, maxMs)))
      throw new Error(`no answer to ${JSON.stringify(text.slice(0, 40))}`);
  }

  responses(headMethods: boolean[] = []): ParsedResponse[] {
    return parseResponses(this.bytes, headMethods);
  }

  /** Polls until `done()` or `maxMs` passes; returns whether it came true. */
  until(done: () => boolean, maxMs = WAIT_MS): Promise<boolean> {
    return waitFor(done, maxMs);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
