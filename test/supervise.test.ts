/**
 * @module `httap --supervise` (issue 9) as it ships: the compiled binary, copied out and run with the checkout hidden
 * (test/support/shipped-binary.ts), on the simulator. `kill -9` of the child under load, while it drives the motors
 * → the parent drives the pins low (the sim file shows it), logs the cause, and after its 1 s back-off a new child
 * answers (never sooner); SIGTERM to the parent stops the child and the parent, pins low. Every wait is up to WAIT_MS.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD_TIMEOUT_MS, buildBinaries } from "./support/build.ts";
import { freePort, startServer, type RunningServer } from "./support/server.ts";
import { shipBinary, type ShippedBinary } from "./support/shipped-binary.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-supervise-"));
let parent: RunningServer | null = null;
let x64: ShippedBinary;
beforeAll(() => {
  buildBinaries(["x64"]);
  x64 = shipBinary("x64", dir);
}, BUILD_TIMEOUT_MS + 5_000);
afterAll(async () => {
  await parent?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test(
  "a child killed by SIGKILL mid-drive: pins low, the cause logged, a new child answering after the back-off; SIGTERM ends both",
  async () => {
    const port = freePort();
    const simFile = join(dir, "sim.bin");
    const env = { HTTAP_TCPPORT: String(port), HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile, HTTAP_DEADMAN_MS: "5000" };
    parent = await startServer(env, x64.command("--supervise"), { cwd: x64.dir });
    // GPLEV0 read through the file, not a mapping: each new child rewrites the file from empty (O_TRUNC), and a mapped
    // read while it is short would kill this process with SIGBUS. -1 while the file is being rewritten.
    const fd = openSync(simFile, "r");
    const word = Buffer.alloc(4);
    const level = (pin: number) => (readSync(fd, word, 0, 4, 0x34) === 4 ? (word.readUInt32LE(0) >>> pin) & 1 : -1);
    try {
      const childPid = Number(/child (\d+) started/.exec(parent.output())![1]);
      await fetch(`http://127.0.0.1:${port}/?motors`, { method: "POST", body: '{"left":1,"right":1}' });
      await waitFor(() => level(5) === 1 && level(23) === 1);
      expect([level(5), level(23)]).toEqual([1, 1]);

      // under load: four clients fetching pages and HTTaP all the while (bounded: they stop with the test)
      let loading = true;
      let answeredByNewChild = 0;
      let killed = false;
      const load = Array.from({ length: 4 }, async (_, i) => {
        for (let k = 0; loading && k < 5000; k++) {
          const afterKill = killed; // a request started after the kill can only be answered by the new child
          const ok = await fetch(`http://127.0.0.1:${port}/${i % 2 === 0 ? "" : "?ping"}`).then(
            (r) => r.arrayBuffer().then(() => r.ok),
            () => false,
          );
          if (ok && afterKill) answeredByNewChild++;
          if (!ok) await Bun.sleep(20);
        }
      });
      await Bun.sleep(200);
      process.kill(childPid, "SIGKILL");
      killed = true;
      const killedAt = performance.now();
      let answered = false;
      let sawLowBetween = false;
      let answeredAt = 0;
      while (!answered && performance.now() - killedAt < WAIT_MS) {
        if (level(5) === 0 && level(23) === 0) sawLowBetween = true;
        answered = await fetch(`http://127.0.0.1:${port}/?ping`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (answered) answeredAt = performance.now();
        else await Bun.sleep(50);
      }
      expect(answered).toBe(true);
      await Bun.sleep(200);
      loading = false;
      await Promise.all(load);
      expect(answeredByNewChild).toBeGreaterThan(0);
      expect(answeredAt - killedAt).toBeGreaterThanOrEqual(1000 - 50); // not before the 1 s back-off (how late: no test's business)
      expect(sawLowBetween).toBe(true);
      expect(parent.output()).toMatch(new RegExp(`child ${childPid} killed by SIGKILL; safe state driven; restarting in 1 s`));
      expect(parent.output().match(/child \d+ started/g)!.length).toBe(2);

      await fetch(`http://127.0.0.1:${port}/?motors`, { method: "POST", body: '{"left":1,"right":1}' });
      expect(await waitFor(() => level(5) === 1)).toBe(true);
      expect(await parent.stop()).toBe(0);
      parent = null;
      expect([level(5), level(23)]).toEqual([0, 0]);
    } finally {
      closeSync(fd);
    }
  },
  30_000 + 4 * WAIT_MS,
);
