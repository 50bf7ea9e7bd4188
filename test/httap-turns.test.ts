/**
 * @module Fair turns over TCP (issues 8, 18) from many client addresses (127.0.0.x; a client binds its local
 * address, loopback only): looking takes no place, `POST /?claim` opens the session or joins the line, the line
 * keeps arrival order and tells each its place, `GET /?queue` shows the owner by name and the line, a waiter that
 * stops asking leaves, and with HTTAP_TURN_S the owner's turn ends once someone waits that long.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { request as httpRequest } from "node:http";
import { startServer, type RunningServer } from "./support/server.ts";
import { WAIT_MS, waitFor } from "./support/wait.ts";

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

interface Answer {
  status: number;
  retryAfter: string | null;
  session: string | null;
  json: Record<string, unknown>;
}

/** One request from `from` (a loopback address) to the server; status, Retry-After, HTTaP-Session and the JSON body. */
function send(port: number, from: string, method: string, target: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) };
    const req = httpRequest(
      { host: "127.0.0.1", port, method, path: target, headers, localAddress: from, agent: false, timeout: 5000 },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: (res.headers["retry-after"] as string | undefined) ?? null,
            session: (res.headers["httap-session"] as string | undefined) ?? null,
            json: JSON.parse(text),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function serve(env: Record<string, string> = {}) {
  const s = await startServer({ HTTAP_GPIO: "none", ...env });
  servers.push(s);
  return {
    /** A read: GET `target` (default `/?ping`). */
    look: (from: string, target = "/?ping") => send(s.port, from, "GET", target),
    /** Asks for the device, giving `name` when there is one. */
    claim: (from: string, name?: string) => send(s.port, from, "POST", "/?claim", name === undefined ? "{}" : JSON.stringify({ name })),
    post: (from: string, target: string, body: string) => send(s.port, from, "POST", target, body),
  };
}

/** 127.0.0.10 … 127.0.0.29: twenty hosts that come once. */
const TWENTY = Array.from({ length: 20 }, (_, i) => `127.0.0.${10 + i}`);
const BYSTANDER = "127.0.0.9"; // reads /?queue only: never owns, never waits

describe("fair turns over TCP", () => {
  test("order is kept: places 1 and 2, /?queue for anyone, the first in line takes the freed device", async () => {
    const { look, claim } = await serve();
    expect((await claim("127.0.0.1", "Ana")).status).toBe(200);
    const b = await claim("127.0.0.2", "Bo");
    expect(b).toMatchObject({ status: 503, json: { error: "busy", owner: "Ana", owned: true, reserved: false, place: 1, waiting: 1 } });
    expect(b.retryAfter).toBe(String(b.json.Remain));
    const c = await claim("127.0.0.3");
    expect(c).toMatchObject({ status: 503, json: { owner: "Ana", place: 2, waiting: 2 } });
    // /?ping, /?queue and the busy replies agree on who owns
    expect(Number((await look("127.0.0.1")).json.Remain)).toBeGreaterThan(0); // only the owner has something to keep alive
    expect((await look("127.0.0.2")).json.Remain).toBe(0);
    expect((await look(BYSTANDER, "/?queue")).json).toEqual({
      owned: true,
      owner: "Ana",
      ownerApp: null,
      reserved: false,
      turnLeftS: expect.any(Number), // the default 120 s turn runs: someone waits
      you: false,
      turnS: 120,
      waiting: 2,
      place: 0,
      line: ["Bo", null],
      yourLastEnd: null,
    });
    expect((await look("127.0.0.1", "/?queue")).json.yourLastEnd).toBeNull();
    expect((await look("127.0.0.3", "/?queue")).json).toMatchObject({ you: false, place: 2 });
    expect((await look("127.0.0.1", "/?queue")).json).toMatchObject({ you: true, place: 0 });

    await look("127.0.0.1", "/?invalid"); // the owner leaves
    expect((await look("127.0.0.1", "/?queue")).json.yourLastEnd).toBe("invalid"); // its page can tell why
    const kept = await claim("127.0.0.3"); // held for B, the first in line: nobody else for a moment
    expect(kept).toMatchObject({ status: 503, json: { owned: false, owner: null, reserved: true, place: 2 } });
    expect((await look(BYSTANDER, "/?queue")).json).toMatchObject({ owned: false, reserved: true, waiting: 2 });
    const bOwns = await claim("127.0.0.2");
    expect(bOwns.status).toBe(200);
    expect(bOwns.session).toMatch(/^[0-9a-z]{8}$/);
    expect((await claim("127.0.0.3")).json).toMatchObject({ owner: "Bo", place: 1, waiting: 1 }); // the name it waited under
    expect((await look(BYSTANDER, "/?queue")).json).toMatchObject({ owned: true, owner: "Bo", line: [null] });
  });

  test("twenty hosts that only look take no place: the next driver's claim gets the device at once", async () => {
    const { look, claim } = await serve();
    expect((await claim("127.0.0.1", "Ana")).status).toBe(200);
    for (const host of TWENTY) {
      const seen = await look(host);
      expect(seen).toMatchObject({ status: 200, session: "00000000", json: { Remain: 0 } });
    }
    expect((await look(BYSTANDER, "/?queue")).json).toMatchObject({ owner: "Ana", waiting: 0, line: [] });
    await look("127.0.0.1", "/?invalid");
    const driver = await claim("127.0.0.2", "Bo"); // nobody holds the freed device: no reservation for a looker
    expect(driver.status).toBe(200);
    expect((await look(BYSTANDER, "/?queue")).json).toMatchObject({ owned: true, owner: "Bo", reserved: false, waiting: 0 });
  });

  test(
    "twenty hosts that claimed once and left are gone from the line within the keep-alive time",
    async () => {
      const { look, claim } = await serve({ HTTAP_KEEPALIVE: "3" });
      expect((await claim("127.0.0.1", "Ana")).status).toBe(200);
      for (const [i, host] of TWENTY.entries()) expect((await claim(host)).json).toMatchObject({ place: i + 1 });
      expect((await look(BYSTANDER, "/?queue")).json).toMatchObject({ waiting: 20 });
      // the owner keeps its session alive; the twenty are silent
      const gone = await waitFor(
        async () => {
          expect((await look("127.0.0.1")).json.Remain).toBeGreaterThan(0);
          return (await look(BYSTANDER, "/?queue")).json.waiting === 0;
        },
        WAIT_MS,
        500,
      );
      expect(gone).toBe(true);
      await look("127.0.0.1", "/?invalid");
      expect((await claim("127.0.0.2")).status).toBe(200); // no reservation left for any of them
    },
    WAIT_MS + 10_000,
  );

  test(
    "a waiting host that stops asking leaves the line; one that said it stepped away keeps its place",
    async () => {
      const { look, claim, post } = await serve({ HTTAP_KEEPALIVE: "3", HTTAP_AWAY_S: "600" });
      expect((await claim("127.0.0.1")).status).toBe(200);
      expect((await claim("127.0.0.2", "Bo")).json).toMatchObject({ place: 1 });
      expect((await claim("127.0.0.3", "Cy")).json).toMatchObject({ place: 2 });
      expect((await claim("127.0.0.4", "Di")).json).toMatchObject({ place: 3 });
      expect((await post("127.0.0.4", "/?queue", '{"away":true}')).json).toMatchObject({ place: 3 }); // Di's page is hidden
      // the owner and Cy keep asking, Bo and Di are silent: Bo leaves, Di keeps its place while away
      const left = await waitFor(
        async () => {
          await look("127.0.0.1");
          return (await claim("127.0.0.3")).json.place === 1;
        },
        WAIT_MS,
        1_000, // Cy's Retry-After
      );
      expect(left).toBe(true);
      expect((await look(BYSTANDER, "/?queue")).json).toMatchObject({ waiting: 2, line: ["Cy", "Di"] });
      expect((await look("127.0.0.4", "/?queue")).json).toMatchObject({ place: 2 });
      expect((await claim("127.0.0.2")).json).toMatchObject({ place: 3 }); // Bo asks again: at the back
    },
    WAIT_MS + 10_000,
  );

  test(
    "HTTAP_TURN_S: the turn runs from when someone waits, then the next in line gets the device",
    async () => {
      const { look, claim } = await serve({ HTTAP_TURN_S: "10" });
      expect((await claim("127.0.0.1", "Ana")).status).toBe(200);
      await Bun.sleep(1_000); // a turn counts from the moment someone waits, not from the session's start
      const t0 = performance.now();
      const b = await claim("127.0.0.2", "Bo");
      expect(b.json).toMatchObject({ owner: "Ana", place: 1, turnLeftS: 10 });
      const q = (await look(BYSTANDER, "/?queue")).json;
      expect(q).toMatchObject({ owner: "Ana", turnS: 10, waiting: 1, line: ["Bo"] });
      expect(Number(q.turnLeftS)).toBeGreaterThan(0);
      expect(Number(q.turnLeftS)).toBeLessThanOrEqual(10);
      let bOwns = false;
      const handedOver = await waitFor(
        async () => {
          // both keep asking; the owner's turn runs out 10 s after Bo started waiting
          const a = await look("127.0.0.1");
          if (Number(a.json.Remain) > 0) {
            const busy = await claim("127.0.0.2", "Bo");
            bOwns = busy.status === 200;
            if (!bOwns) expect(busy.json).toMatchObject({ owner: "Ana", place: 1 }); // or the turn ran out in between
            return bOwns;
          }
          bOwns = (await claim("127.0.0.2", "Bo")).status === 200; // Ana's session ended: Bo's claim takes the device
          return bOwns;
        },
        10_000 + WAIT_MS,
        250,
      );
      expect(handedOver).toBe(true);
      expect(performance.now() - t0).toBeGreaterThan(9_000); // not before the turn ran out (never an upper bound)
      expect((await look("127.0.0.1")).json.Remain).toBe(0); // Ana's turn is over: she only looks now
      const a = await claim("127.0.0.1", "Ana");
      expect(a).toMatchObject({ status: 503, json: { error: "busy", owner: "Bo", place: 1, turnLeftS: 10 } });
      expect((await look(BYSTANDER, "/?queue")).json).toMatchObject({ owner: "Bo", line: ["Ana"] });
    },
    20_000 + WAIT_MS,
  );

  test("a bad HTTAP_TURN_S stops the start", async () => {
    await expect(startServer({ HTTAP_TURN_S: "5" })).rejects.toThrow(
      /HTTAP_TURN_S="5" is not allowed: it must be 0 \(no limit\) or 10 to 3600/,
    );
  });
});
