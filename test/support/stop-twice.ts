/**
 * @module A stop asked twice (issue 22's stress harness did, and so does an impatient Ctrl-C): SIGTERM, then another once the
 * stop is under way. A client that asks for large pages and reads nothing holds the stop for its grace time, so that
 * the second signal comes while it stops; on a machine too slow for that, it comes after the stop and the process has
 * exited cleanly already.
 */
import type { Subprocess } from "bun";
import type { RunningServer } from "./server.ts";
import { waitFor } from "./wait.ts";

/** Whether a new connection to `port` is taken (false once the listener is closed). */
async function isListening(port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    socket.end();
    return true;
  } catch {
    return false;
  }
}

/** The bytes the server has sent, from its `/?stats`. */
async function bytesOut(port: number): Promise<number> {
  const stats = (await (await fetch(`http://127.0.0.1:${port}/?stats`)).json()) as { bytes: { out: number } };
  return stats.bytes.out;
}

/**
 * Stops `server` with two SIGTERMs, the second during the stop; its exit code and the signal that ended it, if any.
 * `beforeStop` runs just before the first (a drive, so that the outputs are high when the stop begins).
 */
export async function stopTwice(
  server: RunningServer,
  largePage: string,
  beforeStop: () => Promise<boolean> = async () => true,
): Promise<{ code: number; signal: Subprocess["signalCode"] }> {
  const busy = await Bun.connect({ hostname: "127.0.0.1", port: server.port, socket: { data() {} } });
  busy.pause();
  const before = await bytesOut(server.port);
  busy.write(`GET ${largePage} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(20));
  // some of it out: the rest (20 pages can fit in no socket's buffers) waits in the server's queue
  if (!(await waitFor(async () => (await bytesOut(server.port)) > before + 128 * 1024))) throw new Error(`${largePage} was not sent`);
  if (!(await beforeStop())) throw new Error("what was to come before the stop did not");
  server.proc.kill("SIGTERM");
  if (!(await waitFor(async () => !(await isListening(server.port))))) throw new Error("the first SIGTERM did not stop the listener");
  server.proc.kill("SIGTERM");
  const code = await server.proc.exited;
  busy.end();
  // its last line may still be in the pipe when its exit is seen
  if (code !== 0) await waitFor(() => server.output().includes("again while stopping"));
  return { code, signal: server.proc.signalCode };
}
