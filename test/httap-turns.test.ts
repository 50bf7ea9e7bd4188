/**
 * @module Fair turns over TCP (issue 8) from three client addresses (127.0.0.1/2/3; a client binds its local
 * address, loopback only): the line keeps arrival order and tells each its place, `GET /?queue` shows the owner and
 * the line's length, a quitter leaves, and with HTTAP_TURN_S the owner's session ends when its turn is over.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { request as httpRequest } from "node:http";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS } from "./support/wait.ts";

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

/** One GET from `from` (a loopback address) to the server; status, Retry-After and the JSON body. */
function get(
  port: number,
  from: string,
  target: string,
): Promise<{ status: number; retryAfter: string | null; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: target, localAddress: from, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: (res.headers["retry-after"] as string | undefined) ?? null,
          json: JSON.parse(body),
        }),
      );
    });
    req.on("error", reject);
    req.end();
  });
}

async function serve(env: Record<string, string> = {}) {
  const s = await startServer({ HTTAP_GPIO: "none", ...env });
  servers.push(s);
  return (from: string, target = "/?ping") => get(s.port, from, target);
}

describe("fair turns over TCP", () => {
  test("order is kept: places 1 and 2, /?queue for anyone, the first in line takes the freed device", async () => {
    const ask = await serve();
    expect((await ask("127.0.0.1")).status).toBe(200);
    const b = await ask("127.0.0.2");
    expect(b).toMatchObject({ status: 503, json: { error: "busy", owner: "127.0.0.1", place: 1 } });
    expect(b.retryAfter).toBe(String(b.json.Remain));
    const c = await ask("127.0.0.3");
    expect(c).toMatchObject({ status: 503, json: { owner: "127.0.0.1", place: 2 } });
    expect(Number(c.json.Remain)).toBeGreaterThan(Number(b.json.Remain)); // a turn more to wait
    expect((await ask("127.0.0.3", "/?queue")).json).toEqual({ owner: "127.0.0.1", turnLeftS: expect.any(Number), waiting: 2, place: 2 });
    await ask("127.0.0.1", "/?invalid"); // the owner leaves
    expect(await ask("127.0.0.3")).toMatchObject({ status: 503, json: { owner: "127.0.0.2", place: 2 } }); // kept for B
    expect((await ask("127.0.0.2")).status).toBe(200);
    expect((await ask("127.0.0.3")).json).toMatchObject({ owner: "127.0.0.2", place: 1 });
  });

  test("a waiting host that stops asking for twice its Retry-After leaves the line", async () => {
    const ask = await serve({ HTTAP_KEEPALIVE: "3" });
    expect((await ask("127.0.0.1")).status).toBe(200);
    expect((await ask("127.0.0.2")).json).toMatchObject({ place: 1 }); // told ~3 s: gone after ~6 s of silence
    expect((await ask("127.0.0.3")).json).toMatchObject({ place: 2 });
    for (let i = 0; i < 8; i++) {
      // the owner and C keep asking for 8 s, B is silent
      await Bun.sleep(1000);
      await ask("127.0.0.1");
      await ask("127.0.0.3");
    }
    expect((await ask("127.0.0.3")).json).toMatchObject({ place: 1 });
    expect((await ask("127.0.0.3", "/?queue")).json).toMatchObject({ waiting: 1, place: 1 });
  }, 20_000);

  test(
    "HTTAP_TURN_S: while someone waits the turn ends after that long, and the next in line gets the device",
    async () => {
      const ask = await serve({ HTTAP_TURN_S: "10" });
      expect((await ask("127.0.0.1")).status).toBe(200);
      const t0 = performance.now();
      const b = await ask("127.0.0.2");
      expect(b.json).toMatchObject({ place: 1 });
      expect(Number(b.json.Remain)).toBeLessThanOrEqual(10);
      let owner = "";
      while (performance.now() - t0 < 10_000 + WAIT_MS) {
        // both keep asking; the owner's turn runs out at 10 s
        if ((await ask("127.0.0.1")).status === 200) owner = "127.0.0.1";
        else if ((await ask("127.0.0.2")).status === 200) {
          owner = "127.0.0.2";
          break;
        }
        await Bun.sleep(250);
      }
      expect(owner).toBe("127.0.0.2");
      expect(performance.now() - t0).toBeGreaterThan(8_000); // not before the turn ran out (never an upper bound)
      expect((await ask("127.0.0.1")).json).toMatchObject({ error: "busy", owner: "127.0.0.2", place: 1 });
    },
    20_000 + WAIT_MS,
  );

  test("a bad HTTAP_TURN_S stops the start", async () => {
    await expect(startServer({ HTTAP_TURN_S: "5" })).rejects.toThrow(
      /HTTAP_TURN_S="5" is not allowed: it must be 0 \(no limit\) or 10 to 3600/,
    );
  });
});
