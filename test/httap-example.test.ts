/**
 * Black-box: the example program `src/examples/register-file.ts` (REG with R0..R7, 256-byte MEM with HYX), started
 * as its own process and driven with raw HTTP (issue 3, user-provided routines).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, startServer } from "./support/server.ts";
import type { RunningServer } from "./support/server.ts";
import { request } from "./support/raw-client.ts";
import { stopTwice } from "./support/stop-twice.ts";

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ HTTAP_GPIO: "none" }, [BUN, "src/examples/register-file.ts"]); // only the example's resources
});
afterAll(async () => {
  expect(await server.stop()).toBe(0); // SIGTERM: clean stop
});

const ask = async (method: string, target: string, body?: string, headers = "") => {
  const head =
    `${method} ${target} HTTP/1.1\r\nHost: test\r\n${headers}` +
    `${body === undefined ? "" : `Content-Length: ${Buffer.byteLength(body)}\r\n`}\r\n`;
  const r = await request(server.port, head + (body ?? ""), { headMethods: [method === "HEAD"] });
  if (r === undefined) throw new Error(`no answer to ${method} ${target}`);
  const text = r.body.toString();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, text, json };
};

describe("example: register file and memory", () => {
  test("root object and list name REG and MEM; /?device tells what the device is", async () => {
    const root = (await ask("GET", "/?")).json as { ID: string };
    expect(root).toMatchObject({ Services: "Files HYX Loopback Stats Device Leader Fleet", Signals: ["MEM", "REG"] });
    const device = await ask("GET", "/?device");
    expect(device.json).toEqual({ id: root.ID, board: "none", apps: [], urls: expect.any(Array), version: expect.any(String) });
    expect(device.headers.get("httap-session")).toBe("00000000");
    expect((await ask("GET", "/?list")).json).toEqual({
      resources: [
        {
          name: "MEM",
          kind: "memory",
          readable: true,
          writable: true,
          units: "byte",
          range: [0, 255],
          hyx: true,
          description: "256 bytes of RAM",
        },
        {
          name: "REG",
          kind: "registers",
          readable: true,
          writable: true,
          members: ["R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7"],
          description: "eight 32-bit registers",
        },
      ],
    });
    // what changed is kept per session: a viewer has none until it claims the device (issue 18)
    expect((await ask("GET", "/?changes")).json).toMatchObject({ error: "not-owner" });
    expect((await ask("POST", "/?claim", "{}")).status).toBe(200);
    expect((await ask("GET", "/?changes")).json).toEqual({ changes: ["MEM", "REG"] });
  });

  test("REG: read all, read members, write whole and one member, refuse bad values", async () => {
    expect((await ask("GET", "/?REG")).json).toEqual({ R0: 0, R1: 0, R2: 0, R3: 0, R4: 0, R5: 0, R6: 0, R7: 0 });
    expect((await ask("POST", "/?REG", '{"R1":5,"R7":4294967295}')).json).toEqual({ R1: 5, R7: 4294967295 });
    expect((await ask("POST", "/?REG/R2", "7")).json).toEqual({ R2: 7 });
    expect((await ask("POST", "/?REG/R3,R4", "[8,9]")).json).toEqual({ R3: 8, R4: 9 });
    expect((await ask("GET", "/?REG/R1,R2,R7")).json).toEqual({ R1: 5, R2: 7, R7: 4294967295 });
    expect((await ask("GET", "/?changes")).json).toEqual({ changes: ["REG"] });
    const bad = await ask("POST", "/?REG", '{"R1":-1,"R2":3}');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: "bad-value", resource: "REG" });
    expect((await ask("GET", "/?REG/R2")).json).toEqual({ R2: 7 }); // a refused write changes nothing
    expect((await ask("GET", "/?REG/R8")).status).toBe(404);
    expect((await ask("POST", "/?REG", '{"R1":')).json).toMatchObject({ error: "bad-json", column: 7 });
    expect((await ask("HEAD", "/?REG")).status).toBe(200);
  });

  test("MEM: ranges in hex, JSON or HYX, writes, out-of-range", async () => {
    expect((await ask("POST", "/?MEM/10", "[1,2,171,255]")).json).toEqual({ start: 16, data: [1, 2, 171, 255] });
    expect((await ask("GET", "/?MEM/10-13")).json).toEqual({ start: 16, data: [1, 2, 171, 255] });
    const hyx = await ask("GET", "/?MEM/10-1F?hyx");
    expect(hyx.headers.get("content-type")).toBe("text/x-hyx; charset=us-ascii");
    expect(hyx.text).toBe(";;hyx1\n; MEM 10-1F\n:10\n01 02 AB FF 00 00 00 00 00 00 00 00 00 00 00 00\n");
    expect(Number(hyx.headers.get("content-length"))).toBe(hyx.text.length);
    const byAccept = await ask("GET", "/?MEM", undefined, "Accept: text/x-hyx\r\n");
    const lines = byAccept.text.split("\n");
    expect(lines.slice(0, 3)).toEqual([";;hyx1", "; MEM 0-FF", ":0"]);
    expect(lines.length).toBe(3 + 16 + 1);
    expect((await ask("POST", "/?MEM/20-21", "[1]")).status).toBe(400);
    expect((await ask("POST", "/?MEM/FE", "[1,2,3]")).status).toBe(416);
    expect((await ask("GET", "/?MEM/F0-100")).status).toBe(416);
    expect((await ask("GET", "/?MEM/zz")).json).toMatchObject({ error: "bad-address" });
    expect((await ask("GET", "/?changes")).json).toEqual({ changes: ["MEM"] });
  });
});

test("a second SIGTERM while the example stops cuts the stop short through the safe state; its simulator file is removed", async () => {
  const xdg = mkdtempSync(join(tmpdir(), "httap-example-"));
  let simulated: RunningServer | null = null;
  try {
    simulated = await startServer({ HTTAP_GPIO: "sim", XDG_RUNTIME_DIR: xdg }, [BUN, "src/examples/register-file.ts"]);
    expect(readdirSync(xdg)).toHaveLength(1); // its default simulator file
    const { code, signal } = await stopTwice(simulated, "/vendor/blockly.js");
    expect(signal).toBeNull(); // never the default action: the stop was over (0) or cut short (143)
    expect([0, 143]).toContain(code);
    if (code === 143) expect(simulated.output()).toContain("SIGTERM again while stopping");
    expect(readdirSync(xdg)).toEqual([]);
  } finally {
    if (simulated !== null && simulated.proc.exitCode === null) simulated.proc.kill("SIGKILL"); // a failed check above
    rmSync(xdg, { recursive: true, force: true });
  }
});
