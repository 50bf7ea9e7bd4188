/**
 * @module The leader over TCP (issue 21), from several loopback hosts: without a PIN every leader action is 403
 * saying how to set one; with one, the token is required (401 without, 401 forged), 5 wrong PINs lock the host out
 * (the right PIN then gets 429 with Retry-After, another host is not punished), pause makes device commands 423
 * with the leader's message while the owner keeps its session, resume gives the car back; SCPI cannot reach the
 * leader; the PIN is in no reply and no log line.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { request as httpRequest } from "node:http";
import { startServer, type RunningServer } from "./support/server.ts";

const PIN = "7350";
const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

function send(
  port: number,
  from: string,
  method: string,
  target: string,
  body?: string,
  extra: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sized = body === undefined ? {} : { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)) };
    const headers = { ...sized, ...extra };
    const req = httpRequest(
      { host: "127.0.0.1", port, method, path: target, headers, localAddress: from, agent: false, timeout: 5000 },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parse(text) }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function parse(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text);
  } catch {
    return {}; // SCPI's text answers
  }
}

async function serve(env: Record<string, string>) {
  const s = await startServer({ HTTAP_HOST: "127.0.0.1", ...env });
  servers.push(s);
  const replies: string[] = [];
  const call = async (from: string, method: string, target: string, body?: string, headers: Record<string, string> = {}) => {
    const a = await send(s.port, from, method, target, body, headers);
    replies.push(JSON.stringify(a.headers) + a.text);
    return a;
  };
  return { s, call, replies };
}

describe("the leader's PIN and token over TCP", () => {
  test("without a PIN, every leader action is 403 and says how to set one", async () => {
    const { call } = await serve({});
    expect((await call("127.0.0.1", "GET", "/?leader")).json).toMatchObject({ configured: false, leader: false });
    for (const [target, body] of [
      ["/?leader/login", '{"pin":"1234"}'],
      ["/?leader", '{"action":"stop"}'],
    ]) {
      const a = await call("127.0.0.1", "POST", target, body);
      expect(a.status).toBe(403);
      expect(a.json).toMatchObject({ error: "no-leader-pin" });
      expect(String(a.json.message)).toContain("HTTAP_LEADER_PIN");
      expect(String(a.json.message)).toContain("--leader-pin");
    }
  });

  test("token required; 5 wrong PINs lock the right one out; pause is 423 for drivers; no PIN anywhere", async () => {
    const { s, call, replies } = await serve({ HTTAP_LEADER_PIN: PIN, HTTAP_GPIO: "sim" });
    const act = (body: string, headers: Record<string, string> = {}) => call("127.0.0.5", "POST", "/?leader", body, headers);
    expect((await act('{"action":"pause"}')).status).toBe(401);
    expect((await act('{"action":"pause"}', { Authorization: `Bearer ${"ab".repeat(16)}` })).status).toBe(401);
    expect((await act('{"action":"pause"}', { Cookie: `httap_leader=${"cd".repeat(16)}` })).status).toBe(401);

    // the first step of the back-off, over TCP: five wrong PINs, then even the right one is refused
    for (let i = 0; i < 5; i++) {
      const wrong = await call("127.0.0.7", "POST", "/?leader/login", JSON.stringify({ pin: `000${i}` }));
      expect(wrong).toMatchObject({ status: 401, json: { error: "wrong-pin" } });
    }
    const locked = await call("127.0.0.7", "POST", "/?leader/login", JSON.stringify({ pin: PIN }));
    expect(locked.status).toBe(429);
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(50);
    expect(Number(locked.headers["retry-after"])).toBeLessThanOrEqual(60);

    // another host logs in: the token as a JSON field and an HttpOnly, SameSite=Strict cookie
    const login = await call("127.0.0.5", "POST", "/?leader/login", JSON.stringify({ pin: PIN }));
    expect(login.status).toBe(200);
    const token = String(login.json.token);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const cookie = String(login.headers["set-cookie"]);
    expect(cookie).toContain(`httap_leader=${token}`);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect((await call("127.0.0.5", "GET", "/?leader", undefined, { Cookie: `httap_leader=${token}` })).json.leader).toBe(true);

    // a driver drives; the leader pauses: commands and claims 423 with the message, the owner keeps its session
    const drive = () => call("127.0.0.2", "POST", "/?motors", '{"left":0.4,"right":0.4}');
    expect((await call("127.0.0.2", "POST", "/?claim", '{"name":"Ana"}')).status).toBe(200);
    expect((await drive()).status).toBe(200);
    const bearer = { Authorization: `Bearer ${token}` };
    expect((await act('{"action":"pause","message":"Eyes on me"}', bearer)).json).toMatchObject({ paused: { message: "Eyes on me" } });
    const refused = await drive();
    expect(refused).toMatchObject({ status: 423, json: { error: "paused", message: "paused by the leader: Eyes on me" } });
    expect((await call("127.0.0.3", "POST", "/?claim", "{}")).status).toBe(423);
    const q = await call("127.0.0.3", "GET", "/?queue");
    expect(q.json).toMatchObject({ owned: true, owner: "Ana", paused: { message: "Eyes on me" } });
    expect((await call("127.0.0.2", "GET", "/?motors")).json).toMatchObject({ left: 0, right: 0 });
    expect((await act('{"action":"resume"}', bearer)).json.paused).toBeNull();
    expect((await drive()).status).toBe(200); // the same driver, its session kept

    // the leader's other actions
    expect((await act('{"action":"turn","turnS":30}', bearer)).json.turnS).toBe(30);
    expect((await act('{"action":"turn","turnS":5}', bearer)).status).toBe(400);
    expect((await act('{"action":"name","name":"Table 3"}', bearer)).json.name).toBe("Table 3");
    expect((await call("127.0.0.3", "GET", "/?fleet")).json.devices).toMatchObject([{ self: true, name: "Table 3", driver: "Ana" }]);
    expect((await act('{"action":"end-turn"}', bearer)).status).toBe(200);
    expect((await call("127.0.0.3", "GET", "/?queue")).json.owned).toBe(false);

    // STOP ALL's simple request: text/plain, the token in the body, no Authorization (no CORS preflight to wait for)
    const plain = { "Content-Type": "text/plain;charset=UTF-8" };
    expect((await act(JSON.stringify({ action: "stop", token: "ef".repeat(16) }), plain)).status).toBe(401);
    const stopped = await act(JSON.stringify({ action: "stop", token }), plain);
    expect(stopped).toMatchObject({ status: 200, json: { paused: { message: "the car was stopped" } } });
    expect((await act(JSON.stringify({ action: "resume", token }), plain)).json.paused).toBeNull();

    for (const r of replies) expect(r).not.toContain(PIN);
    expect(s.output()).not.toContain(PIN);
    expect(s.output()).toContain("leader: wrong PIN from 127.0.0.7");
  });

  test("SCPI cannot reach the leader's word", async () => {
    const { call } = await serve({ HTTAP_LEADER_PIN: PIN, HTTAP_SCPIPORT: String(40000 + (process.pid % 20000)) });
    const a = await call("127.0.0.1", "POST", "/?scpi", 'RES? "leader"\nSYST:ERR?\n', { "Content-Type": "text/plain" });
    expect(a.text).not.toContain("configured");
    expect(a.text).toMatch(/-\d+,/);
  });
});
