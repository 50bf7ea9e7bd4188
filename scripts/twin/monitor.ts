/**
 * @module The QEMU monitor, spoken as QMP over a Unix socket: JSON lines, one command at a time, each answer matched
 * by its id. Human monitor commands (`xp /16wx 0x3f200000`) go through QMP's `human-monitor-command`, so their text
 * arrives framed, without the echo and prompt of a raw HMP socket. Asynchronous events are ignored.
 */
import { createConnection, type Socket } from "node:net";

/**
 * Longest wait for QEMU to open its socket after start, and for one answer: wall time, so generous (a niced QEMU on a
 * loaded 2-core host may wait long for a CPU; the emulator clock is for what the guest does, this only catches a hang).
 */
const CONNECT_TIMEOUT_MS = 5 * 60_000;
const ANSWER_TIMEOUT_MS = 5 * 60_000;

interface Waiter {
  readonly id: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export class QemuMonitor {
  readonly #socket: Socket;
  #received = ""; // bytes after the last complete line
  #nextId = 1; // id of the next command
  #waiter: Waiter | null = null; // the one command in flight
  #queue: Promise<unknown> = Promise.resolve(); // commands run in order, one at a time
  #closed: Error | null = null; // why the socket is gone

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => this.#onData(chunk));
    socket.on("close", () => this.#fail(new Error("the QEMU monitor closed its socket")));
    socket.on("error", (error) => this.#fail(error));
  }

  /** Connects (retrying while QEMU starts) and leaves QMP's capabilities negotiation. */
  static async connect(path: string, isAlive: () => boolean): Promise<QemuMonitor> {
    const deadline = Date.now() + CONNECT_TIMEOUT_MS;
    for (;;) {
      const socket = await new Promise<Socket | Error>((resolve) => {
        const s = createConnection({ path });
        s.once("connect", () => resolve(s));
        s.once("error", (error) => resolve(error));
      });
      if (!(socket instanceof Error)) {
        const monitor = new QemuMonitor(socket);
        await monitor.#execute("qmp_capabilities");
        return monitor;
      }
      if (!isAlive()) throw new Error(`QEMU exited before its monitor socket ${path} opened`);
      if (Date.now() > deadline) throw new Error(`no QEMU monitor on ${path} after ${CONNECT_TIMEOUT_MS / 1000} s: ${socket.message}`);
      await Bun.sleep(100);
    }
  }

  /** A human monitor command's text output. */
  async human(commandLine: string): Promise<string> {
    return String(await this.#execute("human-monitor-command", { "command-line": commandLine }));
  }

  /** Ends QEMU (raspi3b does not exit when its guest halts). The socket closing is the answer. */
  quit(): void {
    if (this.#closed === null) this.#socket.write(`${JSON.stringify({ execute: "quit" })}\n`);
  }

  close(): void {
    this.#socket.destroy();
  }

  #execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const run = () =>
      new Promise<unknown>((resolve, reject) => {
        if (this.#closed !== null) return reject(this.#closed);
        const id = this.#nextId++;
        const late = new Error(`QEMU monitor: no answer to ${command} in ${ANSWER_TIMEOUT_MS / 1000} s`);
        const timer = setTimeout(() => this.#settle(id, late), ANSWER_TIMEOUT_MS);
        this.#waiter = { id, resolve, reject, timer };
        this.#socket.write(`${JSON.stringify({ execute: command, ...(args === undefined ? {} : { arguments: args }), id })}\n`);
      });
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #onData(chunk: string): void {
    this.#received += chunk;
    let end: number;
    while ((end = this.#received.indexOf("\n")) >= 0) {
      const line = this.#received.slice(0, end).trim();
      this.#received = this.#received.slice(end + 1);
      if (line === "") continue;
      let message: { id?: number; return?: unknown; error?: { desc?: string } };
      try {
        message = JSON.parse(line);
      } catch {
        continue; // not QMP: nothing to match it with
      }
      if (typeof message.id !== "number") continue; // the greeting, or an event
      this.#settle(message.id, message.error !== undefined ? new Error(`QEMU monitor: ${message.error.desc ?? line}`) : message.return);
    }
  }

  #settle(id: number, outcome: unknown): void {
    const w = this.#waiter;
    if (w === null || w.id !== id) return;
    this.#waiter = null;
    clearTimeout(w.timer);
    if (outcome instanceof Error) w.reject(outcome);
    else w.resolve(outcome);
  }

  #fail(error: Error): void {
    this.#closed ??= error;
    if (this.#waiter !== null) this.#settle(this.#waiter.id, error);
  }
}
