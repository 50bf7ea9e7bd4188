/**
 * @module SCPI row for the benchmark (issue 10): `*IDN?` lock-step round trips per second over raw TCP, beside
 * `GET /?ping` lock-step on the same server in the same run (generator on the server's CPU, as for lock-step rows).
 */
import { load } from "./load-generator.ts";
import { LOAD_MS } from "./load-phases.ts";
import { pinLoadGenerator, SERVER_CPU, type Server } from "./servers.ts";

const WARMUP_MS = 500;

/** `*IDN?` answered line by line for `ms`: round trips per second, and failures (no answer, a closed socket). */
async function idnLockStep(port: number, ms: number): Promise<{ rps: number; errors: number }> {
  let count = 0;
  let errors = 0;
  let pending = "";
  const started = performance.now();
  const endAt = started + ms;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        s.setNoDelay(true);
        s.write("*IDN?\n");
      },
      data(s, chunk) {
        pending += chunk.toString("latin1");
        while (pending.includes("\n")) {
          const line = pending.slice(0, pending.indexOf("\n"));
          pending = pending.slice(line.length + 1);
          if (!line.startsWith("httap,")) errors++;
          count++;
          if (performance.now() < endAt) s.write("*IDN?\n");
          else {
            s.end();
            finish();
          }
        }
      },
      close() {
        finish();
      },
      error() {
        errors++;
        finish();
      },
    },
  });
  await Promise.race([done, Bun.sleep(ms + 5000)]);
  socket.terminate();
  return { rps: (count * 1000) / (performance.now() - started), errors };
}

export async function scpiPhase(server: Server, scpiPort: number): Promise<{ idnRps: number; pingRps: number; errors: number }> {
  pinLoadGenerator(SERVER_CPU);
  await idnLockStep(scpiPort, WARMUP_MS);
  const idn = await idnLockStep(scpiPort, LOAD_MS);
  await load(server.port, "/?ping", 1, WARMUP_MS, false);
  const ping = await load(server.port, "/?ping", 1, LOAD_MS, false);
  console.log(
    `bench: SCPI *IDN? lock-step: ${idn.rps.toFixed(0)}/s, ${idn.errors} errors; ` +
      `/?ping on the same server ${((ping.requests * 1000) / ping.elapsedMs).toFixed(0)}/s`,
  );
  return { idnRps: idn.rps, pingRps: (ping.requests * 1000) / ping.elapsedMs, errors: idn.errors + ping.errors };
}
