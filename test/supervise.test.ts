/**
 * @module `httap --supervise` (issue 9) from source on the simulator: `kill -9` of the child under load, while it drives the
 * motors → the parent drives the pins low (the sim file shows it), logs the cause, and a new child answers within
 * 2 s; SIGTERM to the parent stops the child and the parent, pins low.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { attachSimFile } from "../src/gpio/sim-file.ts";
import { BUN, freePort, startServer, type RunningServer } from "./support/server.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-supervise-"));
let parent: RunningServer | null = null;
afterAll(async () => {
  await parent?.stop();
  rmSync(dir, { recursive: true, force: true });
});


test("a child killed by SIGKILL mid-drive: pins low, the cause logged, a new child answering within 2 s; SIGTERM ends both", async () => {
  const port = freePort();
  const simFile = join(dir, "sim.bin");
  parent = await startServer({ HTTAP_TCPPORT: String(port), HTTAP_GPIO: "sim", HTTAP_SIM_FILE: simFile, HTTAP_DEADMAN_MS: "5000" }, [BUN, "src/main.ts", "--supervise"]);
  const map = attachSimFile(simFile);
  const level = (pin: number) => (Atomics.load(new Uint32Array(map.buffer), 0x34 / 4) >>> pin) & 1;
  try {
    const childPid = Number(/child (\d+) started/.exec(parent.output())![1]);
    await fetch(`http://127.0.0.1:${port}/?motors`, { method: "POST", body: '{"left":1,"right":1}' });
    const end = performance.now() + 3000;
    while (level(5) !== 1 && performance.now() < end) await Bun.sleep(5);
    expect([level(5), level(23)]).toEqual([1, 1]);

    // under load: four clients fetching pages and HTTaP all the while (bounded: they stop with the test)
    let loading = true;
    let answeredByNewChild = 0;
    let killed = false;
    const load = Array.from({ length: 4 }, async (_, i) => {
      for (let k = 0; loading && k < 5000; k++) {
        const afterKill = killed; // a request started after the kill can only be answered by the new child
        const ok = await fetch(`http://127.0.0.1:${port}/${i % 2 === 0 ? "" : "?ping"}`).then((r) => r.arrayBuffer().then(() => r.ok), () => false);
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
    while (!answered && performance.now() - killedAt < 5000) {
      if (level(5) === 0 && level(23) === 0) sawLowBetween = true;
      answered = await fetch(`http://127.0.0.1:${port}/?ping`).then((r) => r.status === 200, () => false);
      if (!answered) await Bun.sleep(50);
    }
    expect(answered).toBe(true);
    await Bun.sleep(200);
    loading = false;
    await Promise.all(load);
    expect(answeredByNewChild).toBeGreaterThan(0);
    expect(performance.now() - killedAt).toBeLessThan(2000 + 1000); // the 1 s back-off plus a start
    expect(sawLowBetween).toBe(true);
    expect(parent.output()).toMatch(new RegExp(`child ${childPid} killed by SIGKILL; safe state driven; restarting in 1 s`));
    expect(parent.output().match(/child \d+ started/g)!.length).toBe(2);

    await fetch(`http://127.0.0.1:${port}/?motors`, { method: "POST", body: '{"left":1,"right":1}' });
    const again = performance.now() + 3000;
    while (level(5) !== 1 && performance.now() < again) await Bun.sleep(5);
    expect(await parent.stop()).toBe(0);
    parent = null;
    expect([level(5), level(23)]).toEqual([0, 0]);
  } finally {
    map.close();
  }
}, 30_000);
