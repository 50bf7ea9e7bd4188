/**
 * @module A minimal HTTP/1.1 client connection for the stress harness's room and soak: one keep-alive socket to
 * 127.0.0.1, one request at a time, each answer read to its end by Content-Length (httap always sends one; 204
 * and 304 have no body). Whatever breaks (reset, a close mid-answer, no length, a timeout) rejects that request.
 */
import type { Socket } from "bun";

const CRLFCRLF = Buffer.from("\r\n\r\n");
/** A request not answered by then counts as hung: the connection is torn down and the request rejected. */
const ANSWER_TIMEOUT_MS = 10_000;

export interface Answer {
  readonly status: number;
  readonly head: string;
  readonly body: Buffer;
}

interface Pending {
  resolve(a: Answer): void;
  reject(e: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class ClientConnection {
  #socket: Socket<undefined> | null = null;
  #pending: Pending | null = null;
  #received: Buffer = Buffer.alloc(0);
  #isClosed = false;

  /** Connects; rejects when the server refuses the connection. */
  static async open(port: number): Promise<ClientConnection> {
    const c = new ClientConnection();
    c.#socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => void s.setNoDelay(true),
        data: (_s, chunk: Buffer) => c.#onData(chunk),
        close: () => c.#onClosed("the server closed the connection"),
        error: (_s, e) => c.#onClosed(e.message),
      },
    });
    return c;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** Sends one request (head lines after the request line, each ending CRLF; body optional) and reads its answer. */
  request(method: string, target: string, headers = "", body = ""): Promise<Answer> {
    if (this.#isClosed || this.#socket === null) return Promise.reject(new Error("connection closed"));
    if (this.#pending !== null) return Promise.reject(new Error("a request is already in flight"));
    const length = body === "" && method === "GET" ? "" : `Content-Length: ${Buffer.byteLength(body)}\r\n`;
    this.#socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}${length}\r\n${body}`);
    return new Promise<Answer>((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(new Error(`no answer to ${method} ${target} in ${ANSWER_TIMEOUT_MS} ms`)),
        ANSWER_TIMEOUT_MS,
      );
      this.#pending = { resolve, reject, timer };
    });
  }

  close(): void {
    this.#isClosed = true;
    this.#socket?.end();
  }

  #onData(chunk: Buffer): void {
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    const end = this.#received.indexOf(CRLFCRLF);
    if (end < 0 || this.#pending === null) return;
    const head = this.#received.subarray(0, end).toString("latin1");
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (m === null && status !== 204 && status !== 304)
      return this.#fail(new Error(`answer without Content-Length: ${head.split("\r\n")[0]}`));
    const total = end + 4 + (m === null ? 0 : Number(m[1]));
    if (this.#received.length < total) return;
    if (this.#received.length > total) return this.#fail(new Error("bytes after the answer: a second answer to one request"));
    const p = this.#pending;
    this.#pending = null;
    clearTimeout(p.timer);
    const body = this.#received.subarray(end + 4, total);
    this.#received = Buffer.alloc(0);
    p.resolve({ status, head, body });
  }

  #onClosed(why: string): void {
    this.#isClosed = true;
    if (this.#pending !== null) this.#fail(new Error(why));
  }

  #fail(error: Error): void {
    this.#isClosed = true;
    const p = this.#pending;
    this.#pending = null;
    this.#socket?.terminate();
    if (p !== null) {
      clearTimeout(p.timer);
      p.reject(error);
    }
  }
}
