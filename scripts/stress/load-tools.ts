/**
 * @module Load for the stress harness: Debian's `wrk` (keep-alive goodput) and `ab` (a new connection per request)
 * run as subprocesses against 127.0.0.1 with a bounded run time, their output reduced to numbers; and a holder of
 * idle keep-alive connections for the memory row.
 */

const GRACE_S = 20; // a tool still running this long past its own duration is killed (counts as a failure)
/** wrk counts a request unanswered this long as a socket error (its default, 2 s, is a busy machine's hiccup). */
const WRK_TIMEOUT_S = 10;
/** How long holdIdle waits for every connection's answer: a busy machine is slow, not wrong. */
const HOLD_IDLE_WAIT_MS = 30_000;

export interface WrkResult {
  goodput: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
}
export interface ChurnResult {
  rps: number;
  complete: number;
  failed: number;
}

/** Runs a tool to its end (killed after `timeoutS`) without blocking this process: the servers' stdout keeps draining. */
async function run(cmd: string[], timeoutS: number): Promise<{ code: number | null; out: string }> {
  const p = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", timeout: timeoutS * 1000 });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: `${stdout}\n${stderr}` };
}

const num = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);

/** `wrk -t2 -cN -dS`: 2xx answers per second (wrk counts non-2xx separately), socket errors summed. */
export async function wrk(port: number, target: string, connections: number, seconds: number): Promise<WrkResult> {
  const { out } = await run(
    ["wrk", "-t2", `-c${connections}`, `-d${seconds}s`, `--timeout`, `${WRK_TIMEOUT_S}s`, `http://127.0.0.1:${port}${target}`],
    seconds + GRACE_S,
  );
  const requests = num(out, /(\d+) requests in/);
  const non2xx = num(out, /Non-2xx or 3xx responses: (\d+)/);
  const m = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = m ? m.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const durationS = num(out, /requests in ([\d.]+)s/) || seconds;
  if (requests === 0) console.log(`stress: wrk printed no result:\n${out}`);
  return { goodput: (requests - non2xx) / durationS, requests, non2xx, socketErrors };
}

/** `ab -n N -c C`: HTTP/1.0 without keep-alive, so every request is a new connection. A reset aborts ab: failed. */
export async function churn(port: number, target: string, requests: number, concurrency: number): Promise<ChurnResult> {
  const { code, out } = await run(
    ["ab", "-q", "-r", "-n", String(requests), "-c", String(concurrency), `http://127.0.0.1:${port}${target}`],
    60,
  );
  const complete = num(out, /Complete requests:\s+(\d+)/);
  const failed =
    code === 0 ? num(out, /Failed requests:\s+(\d+)/) + num(out, /Non-2xx responses:\s+(\d+)/) : requests - complete || requests;
  return { rps: num(out, /Requests per second:\s+([\d.]+)/), complete, failed };
}

/** Opens `n` connections, asks one request on each, and keeps them open (idle keep-alive) until `close()`. */
export async function holdIdle(port: number, n: number): Promise<{ opened: number; close(): void }> {
  let answered = 0;
  const sockets = await Promise.all(
    Array.from({ length: n }, () =>
      Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          open(s) {
            s.write("GET / HTTP/1.1\r\nHost: stress\r\n\r\n");
          },
          data(_s, chunk) {
            if (chunk.subarray(0, 12).toString() === "HTTP/1.1 200") answered++;
          },
        },
      }).catch(() => null),
    ),
  );
  const deadline = performance.now() + HOLD_IDLE_WAIT_MS;
  while (answered < n && performance.now() < deadline) await Bun.sleep(20);
  return {
    opened: answered,
    close: () => {
      for (const s of sockets) s?.terminate();
    },
  };
}
