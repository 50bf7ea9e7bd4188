/**
 * @module A minimal SCPI client for the stress harness (non-reader probes, the soak): one socket to 127.0.0.1, queries
 * ending in LF, reply lines read back in order. A reply not there within PROBE_TIMEOUT_MS, or a close, rejects. And
 * the soak's SCPI clients: one in lock-step through a few queries (the error queue included), one connection per query.
 */
import type { Socket } from "bun";

/** A reply not there by then counts as unanswered: a busy machine is slow, not wrong. */
const PROBE_TIMEOUT_MS = 10_000;

/** A line-oriented SCPI client: one query at a time, or a batch pipelined. */
export class ScpiLines {
  #socket: Socket<undefined> | null = null;
  #text = "";
  #unsent: Buffer = Buffer.alloc(0); // what the socket has not taken yet (written on drain)
  #isClosed = false;

  static async open(port: number): Promise<ScpiLines> {
    const c = new ScpiLines();
    c.#socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => void s.setNoDelay(true),
        data: (_s, chunk: Buffer) => void (c.#text += chunk.toString("latin1")),
        drain: () => c.#flush(),
        close: () => void (c.#isClosed = true),
        error: () => void (c.#isClosed = true),
      },
    });
    return c;
  }

  async ask(query: string): Promise<string> {
    return (await this.askMany(query, 1))[0];
  }

  /** `n` copies of `query` in one write (pipelined), and their `n` reply lines. */
  async askMany(query: string, n: number): Promise<string[]> {
    this.#unsent = Buffer.concat([this.#unsent, Buffer.from(`${query}\n`.repeat(n))]);
    this.#flush();
    const end = performance.now() + PROBE_TIMEOUT_MS;
    const lines: string[] = [];
    while (lines.length < n) {
      const i = this.#text.indexOf("\n");
      if (i >= 0) {
        lines.push(this.#text.slice(0, i));
        this.#text = this.#text.slice(i + 1);
        continue;
      }
      if (this.#isClosed || performance.now() >= end)
        throw new Error(this.#isClosed ? "closed" : `no answer within ${PROBE_TIMEOUT_MS} ms`);
      await Bun.sleep(2);
    }
    return lines;
  }

  #flush(): void {
    if (this.#unsent.length === 0 || this.#socket === null) return;
    const n = this.#socket.write(this.#unsent);
    this.#unsent = this.#unsent.subarray(Math.max(n, 0));
  }

  close(): void {
    this.#socket?.end();
  }
}

/** The soak's SCPI steps: query, expected reply. Only host-wide commands (RES? holds the session as HTTaP does). */
const SOAK_STEPS: readonly [string, RegExp][] = [
  ["*IDN?", /^httap,/],
  ["FOO:BAR;:SYST:ERR?", /^-113,"Undefined header; FOO:BAR"$/],
  ["SYST:ERR?", /^0,"No error"$/],
  ["*STB?", /^\d+$/],
  ['RES? "REG/R1"', /\S/],
];

/** Pause between the soak churner's connections: lab software connects once, so a paced churn finds leaks enough. */
const CHURN_PAUSE_MS = 20;

/**
 * For the soak, while `running()`: a keep-alive client asking SOAK_STEPS in turn, and a churner asking `*IDN?` on a
 * new connection every CHURN_PAUSE_MS (closing it leaves no session to end). Each answer counts; a wrong one or none
 * is noted.
 */
export function scpiSoakClients(port: number, running: () => boolean, note: (e: string) => void, count: () => void): Promise<void>[] {
  const ask = async (c: ScpiLines, [query, expected]: readonly [string, RegExp]) => {
    const reply = await c.ask(query);
    count();
    if (!expected.test(reply)) note(`SCPI ${query} answered ${reply}`);
  };
  const keepAlive = async () => {
    let c: ScpiLines | null = null;
    try {
      c = await ScpiLines.open(port);
      for (let i = 0; running(); i++) await ask(c, SOAK_STEPS[i % SOAK_STEPS.length]);
    } catch (error) {
      note(`SCPI keep-alive client: ${(error as Error).message}`);
    } finally {
      c?.close();
    }
  };
  const churner = async () => {
    while (running()) {
      let c: ScpiLines | null = null;
      try {
        c = await ScpiLines.open(port);
        await ask(c, SOAK_STEPS[0]);
      } catch (error) {
        note(`SCPI churner: ${(error as Error).message}`);
      } finally {
        c?.close();
      }
      await Bun.sleep(CHURN_PAUSE_MS);
    }
  };
  return [keepAlive(), churner()];
}
