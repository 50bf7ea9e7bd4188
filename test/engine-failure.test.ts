/**
 * @module An engine that cannot start is never answered as success (issue 16). The server runs on the simulator
 * with a file of its own; the file is removed before the first tone, so the engine Worker, which attaches to the
 * same file, cannot start. Then `/?speaker`, `/?motors` and SCPI `SOUR:TONE` are refused with the reason, `/?rt` and
 * `/?stats` say "failed", the log says it once, and the status LED still shows the session. With the file back,
 * the next command starts a new engine. Network: 127.0.0.1 only; every wait bounded.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-engine-failure-"));
const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** One SCPI exchange: sends `lines`, reads until `answers` lines came back (bounded). */
async function scpi(port: number, lines: string, answers: number): Promise<string[]> {
  let text = "";
  const done = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, chunk) {
        text += chunk.toString();
        if (text.split("\n").length > answers) done.resolve();
      },
      close() {
        done.resolve();
      },
    },
  });
  socket.write(lines);
  await Promise.race([done.promise, Bun.sleep(15_000)]);
  socket.end();
  return text.split("\n").filter((l) => l !== "");
}

describe("an engine that cannot start", () => {
  const title = "is refused with the reason (HTTP 503, SCPI -240), reported by /?rt and /?stats, logged once; the next command retries";
  test(title, async () => {
    const simFile = join(dir, "sim.bin");
    const scpiPort = freePort();
    const server = await startServer({
      HTTAP_GPIO: "sim",
      HTTAP_SIM_FILE: simFile,
      HTTAP_SCPIPORT: String(scpiPort),
      HTTAP_KEEPALIVE: "60",
    });
    servers.push(server);
    const url = (t: string) => `http://127.0.0.1:${server.port}/?${t}`;
    const post = async (t: string, body: unknown) => {
      const r = await fetch(url(t), { method: "POST", body: JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as Record<string, unknown> };
    };
    const get = async (t: string) => (await (await fetch(url(t))).json()) as Record<string, unknown>;

    expect((await post("leds", { status: 1 })).status).toBe(200); // the session is open, the status LED lit
    const saved = join(dir, "sim.saved");
    copyFileSync(simFile, saved);
    rmSync(simFile); // the main thread keeps its mapping; a new engine Worker cannot attach

    const tone = await post("speaker", { freq: 440, ms: 500 });
    expect(tone.status).toBe(503);
    expect(tone.json.error).toBe("engine-unavailable");
    expect(String(tone.json.message)).toContain(simFile.split("/").pop()!);
    const drive = await post("motors", { left: 1, right: 1 });
    expect(drive.status).toBe(503);
    expect(drive.json.error).toBe("engine-unavailable");
    expect((await get("motors")).left).toBe(0); // nothing was taken as driving

    const rt = await get("rt");
    expect(rt.engine).toBe("failed");
    expect(String(rt.engineFailure)).not.toBe("null");
    const stats = await get("stats");
    expect((stats.engine as { state: string }).state).toBe("failed");
    // the engine's failure is not the session's end: the status LED still shows someone drives
    expect(((await get("leds")) as { status: number }).status).toBe(1);

    // SCPI from another connection of the same host (the session's owner): -240 with the reason
    const answers = await scpi(scpiPort, "SOUR:TONE 440,200\nSYST:ERR?\n", 1);
    expect(answers[0]).toMatch(/^-240,"Hardware error;.*engine/);

    await waitFor(() => server.output().includes("real-time engine failed")); // the log comes through a pipe
    const failures = server
      .output()
      .split("\n")
      .filter((l) => l.includes("real-time engine failed"));
    expect(failures.length).toBe(1); // once, however many commands were refused

    // the file back: after the retry pause, a command starts a new engine
    copyFileSync(saved, simFile);
    expect(await waitFor(async () => (await post("speaker", { freq: 440, ms: 200 })).status === 200, WAIT_MS, 50)).toBe(true);
    expect(await waitFor(async () => (await get("rt")).engine === "running", WAIT_MS, 50)).toBe(true);
    await waitFor(() => server.output().includes("real-time engine: running again"));
    expect(server.output()).toContain("real-time engine: running again");
  }, 60_000);
});
