/**
 * @module Programs kept on the device (issue 20): `/?programs` against the real server with a state directory of
 * its own (never the user's home). Save, restart the server, list and load: the same program. A bad name, a 65 KiB
 * program and the 201st program are refused with a 4xx and a sentence, and nothing is written. A write cut short
 * between its temporary file and the rename (a crash, a power cut) leaves the old program intact, both through the
 * store with a failing rename and across a restart that finds the temporary file left behind.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProgramStore } from "../src/programs/program-store.ts";
import { DISK_FILES, StateStore } from "../src/state/state-store.ts";
import { startServer, type RunningServer } from "./support/server.ts";
import { waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "httap-programs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Bodies up to 128 KiB reach the word, so its own 64 KiB limit answers (the HTTP layer's 413 is another test's). */
const start = (stateDir: string) => startServer({ HTTAP_GPIO: "none", HTTAP_STATE_DIR: stateDir, HTTAP_MAXBODY: "131072" });

async function call(server: RunningServer, method: string, target: string, body?: unknown) {
  const r = await fetch(`http://127.0.0.1:${server.port}${target}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

const program = (name: string, code = "car.forward(1);\nspeaker.tone(440, 300);\n") => ({
  name,
  mode: "blocks",
  code,
  blocks: { blocks: { languageVersion: 0, blocks: [{ type: "car_move", fields: { HOW: "forward" } }] } },
});

describe("/?programs", () => {
  test("save, restart, list and load: the same program; saving takes nobody's turn", async () => {
    const state = join(dir, "kept");
    let server = await start(state);
    try {
      const saved = await call(server, "POST", "/?programs", program("square-1"));
      expect(saved).toMatchObject({ status: 200, body: { saved: "square-1" } });
      const queue = (await (await fetch(`http://127.0.0.1:${server.port}/?queue`)).json()) as { owned: boolean };
      expect(queue.owned).toBe(false); // saving opened no session
    } finally {
      await server.stop();
    }
    expect(readdirSync(state)).toEqual(["program-square-1.json"]); // landed before exit, no temporary file left
    server = await start(state);
    try {
      const list = await call(server, "GET", "/?programs");
      expect(list.body.programs).toEqual([{ name: "square-1", bytes: expect.any(Number) }]);
      expect(list.body.starters).toEqual(["square-dance", "siren", "reaction-game", "simon-first-round"]);
      const loaded = await call(server, "GET", "/?programs?name=square-1");
      expect(loaded).toEqual({ status: 200, body: program("square-1") });
      const starter = await call(server, "GET", "/?programs?name=siren");
      expect(starter.body).toMatchObject({ name: "siren", mode: "js" });
      expect(await call(server, "POST", "/?programs", { delete: "square-1" })).toMatchObject({ status: 200 });
      expect((await call(server, "GET", "/?programs?name=square-1")).status).toBe(404);
    } finally {
      await server.stop();
    }
    expect(readdirSync(state)).toEqual([]);
  }, 60_000);

  test("a bad name, a 65 KiB program, a starter's name and the 201st program: 4xx with a sentence, nothing written", async () => {
    const state = join(dir, "limits");
    const server = await start(state);
    try {
      const refused = async (body: unknown, status: number, error: string, words: RegExp) => {
        const before = readdirSync(state).sort();
        const r = await call(server, "POST", "/?programs", body);
        expect(r.status).toBe(status);
        expect(r.body.error).toBe(error);
        expect(String(r.body.message)).toMatch(words);
        expect(String(r.body.message).split(" ").length).toBeGreaterThan(5); // a sentence, not a code
        await Bun.sleep(50); // a write, had one been queued, would land now
        expect(readdirSync(state).sort()).toEqual(before);
      };
      await refused(program("Bad Name"), 400, "bad-name", /is not a program name: 1 to 40 of a-z 0-9/);
      await refused(program("../etc"), 400, "bad-name", /not a program name/);
      await refused(program("x".repeat(41)), 400, "bad-name", /not a program name/);
      await refused(program("big", "x".repeat(65 * 1024)), 413, "program-too-large", /a program may hold 65536/);
      await refused(program("siren"), 403, "read-only", /starter program/);
      await refused({ name: "no-mode", code: "" }, 400, "bad-program", /mode must be/);
      for (let i = 0; i < 200; i++) expect((await call(server, "POST", "/?programs", program(`p${i}`, "car.stop();"))).status).toBe(200);
      const list = await call(server, "GET", "/?programs");
      expect((list.body.programs as unknown[]).length).toBe(200);
      // every accepted save has landed: 200 files and no temporary one
      expect(await waitFor(() => readdirSync(state).length === 200 && readdirSync(state).every((f) => !f.startsWith(".")))).toBe(true);
      await refused(program("p200"), 409, "too-many-programs", /keeps 200 programs already: delete one/);
      // replacing one of the 200 is still fine
      expect((await call(server, "POST", "/?programs", program("p7", "car.forward(2);"))).status).toBe(200);
    } finally {
      await server.stop();
    }
    expect(readdirSync(state).length).toBe(200);
    expect(JSON.parse(readFileSync(join(state, "program-p7.json"), "utf8")).code).toBe("car.forward(2);");
  }, 60_000);

  test("the HTTP layer's own limit: a 65 KiB body with the default HTTAP_MAXBODY is 413 with its reason", async () => {
    const state = join(dir, "body");
    const server = await startServer({ HTTAP_GPIO: "none", HTTAP_STATE_DIR: state });
    try {
      const r = await fetch(`http://127.0.0.1:${server.port}/?programs`, {
        method: "POST",
        body: JSON.stringify(program("big", "x".repeat(65 * 1024))),
      });
      expect(r.status).toBe(413);
      expect(await r.text()).toMatch(/larger than this server accepts/);
    } finally {
      await server.stop();
    }
    expect(readdirSync(state)).toEqual([]);
  }, 30_000);

  test("without a state directory the word is not offered: 404, and Services does not name it", async () => {
    const server = await startServer({ HTTAP_GPIO: "none" });
    try {
      expect((await call(server, "GET", "/?programs")).status).toBe(404);
      expect((await call(server, "POST", "/?programs", program("nowhere"))).status).toBe(404);
      expect((await call(server, "GET", "/?")).body.Services).not.toContain("Programs");
    } finally {
      await server.stop();
    }
  }, 30_000);

  test("a crash between the temporary file and the rename leaves the old program intact", async () => {
    const state = join(dir, "crash");
    const server = await start(state);
    await call(server, "POST", "/?programs", program("dance", "car.forward(1);"));
    await server.stop();
    // the store with a rename that never happens (the process dies there): the new bytes sit in the temporary file
    const failing = { ...DISK_FILES, rename: () => Promise.reject(new Error("power cut")) };
    const logged: string[] = [];
    const programs = new ProgramStore(
      () => store,
      (line) => logged.push(line),
    );
    const store = new StateStore(state, failing);
    expect(programs.save({ name: "dance", mode: "js", code: "car.backward(1);", blocks: null }).ok).toBe(true);
    await store.flush();
    expect(logged.join("\n")).toMatch(/power cut/);
    expect(JSON.parse(readFileSync(join(state, "program-dance.json"), "utf8")).code).toBe("car.forward(1);");
    expect(
      new ProgramStore(
        () => new StateStore(state),
        () => {},
      ).load("dance"),
    ).toMatchObject({ ok: true, value: { code: "car.forward(1);" } });
    // a temporary file a real crash left behind (half written): the next start drops it and serves the old program
    writeFileSync(join(state, ".program-dance.json.tmp"), '{"name":"dance","mode":"js","code":"car.bac');
    const again = await start(state);
    try {
      expect(again.output()).toMatch(/1 cut-short write\(s\) dropped/);
      expect((await call(again, "GET", "/?programs?name=dance")).body.code).toBe("car.forward(1);");
    } finally {
      await again.stop();
    }
    expect(readdirSync(state)).toEqual(["program-dance.json"]);
  }, 60_000);
});
