/**
 * @module What the room sees of the image (issue 19), all inside the guest: Avahi announcing the installer's service
 * file under the installer's hostname (`avahi-browse -rtp`, `avahi-resolve`, and NSS through libnss-mdns); the hotspot:
 * NetworkManager bringing up the installer's keyfile as an access point on the first mac80211_hwsim radio, a phone on
 * the second (its own network namespace) joining with the SSID and password decoded from the label's QR code,
 * leasing an address on the shared network and fetching the page from 10.42.0.1; a wrong password refused.
 */
import { lineOf, linesOf } from "../guest.ts";
import { afterSeconds, type SystemContext } from "./system-context.ts";
import { LEADER } from "./system-image.ts";

/** Hang guards in emulator time: the radios and the access point, a join, a lease and a fetch over the air. */
const AP_TIMEOUT_MS = 300_000;
const JOIN_TIMEOUT_MS = 180_000;

/** avahi-browse -p writes a space as \032 (a byte in decimal). */
export function unescapeAvahi(field: string): string {
  return field.replace(/\\(\d{3})/g, (_, d: string) => String.fromCharCode(Number(d)));
}

/** A single-quoted shell word. */
function quote(text: string): string {
  if (text.includes("'")) throw new Error(`cannot quote ${text}`);
  return `'${text}'`;
}

export async function mdnsCheck(c: SystemContext): Promise<void> {
  const host = `${LEADER.hostname}.local`;
  await c.report.guard("system: mDNS", async () => {
    const r = await c.guest.run(`mdns ${LEADER.hostname}`, 120_000);
    // =;IFACE;IPv4;NAME;TYPE;DOMAIN;HOST;ADDRESS;PORT;TXT
    const announced = linesOf(r, "BROWSE").map((l) => l.split(";").map(unescapeAvahi));
    const ours = announced.filter((f) => f[3] === `httap on ${LEADER.hostname}` && f[6] === host && f[8] === String(LEADER.port));
    const resolved = lineOf(r, "RESOLVE");
    const nss = lineOf(r, "NSS");
    const seen = announced.map((f) => `"${f[3]}" ${f[6]} ${f[7]}:${f[8]} on ${f[1]}`).join(", ") || "nothing";
    const ok = ours.length > 0 && resolved.startsWith(`${host} `) && nss.endsWith(` ${host}`);
    // on a failure, Avahi's own account (a rename says "Host name conflict" after the records it withdrew)
    const journal = ok ? "" : `; avahi-daemon journal: ${linesOf(r, "AVAHILOG").join(" | ") || "(nothing)"}`;
    c.report.check(
      `system: Avahi announces "httap on ${LEADER.hostname}" (_http._tcp, port ${LEADER.port}) and ${host} resolves`,
      ok,
      `avahi-browse: ${seen}; avahi-resolve: ${resolved || "(nothing)"}; getent hosts: ${nss || "(nothing)"}; ${lineOf(r, "HOSTNAME")}; ` +
        `avahi-daemon.conf: ${lineOf(r, "AVAHICONF") || "(nothing set)"}${journal}`,
    );
    // httap's room speaks mDNS itself (src/fleet/mdns-socket.ts): its socket shares UDP 5353 with Avahi's, and Avahi,
    // an independent implementation, reads its _httap._tcp records
    const room = linesOf(r, "ROOM").map((l) => l.split(";").map(unescapeAvahi));
    const car = room.find((f) => f[4] === "_httap._tcp" && f[8] === String(LEADER.port) && f[9]?.includes('"board=rc-car"'));
    const sockets = linesOf(r, "UDP5353");
    const fleetLog = linesOf(r, "FLEETLOG");
    const shared = sockets.some((l) => l.includes('"httap"')) && sockets.some((l) => l.includes('"avahi-daemon"'));
    c.report.check(
      "system: the room: httap holds UDP 5353 beside Avahi, and Avahi hears its _httap._tcp announcement",
      car !== undefined && shared && !fleetLog.some((l) => l.includes("mDNS is off")),
      `avahi-browse _httap._tcp: ${room.map((f) => `"${f[3]}" ${f[6]} ${f[7]}:${f[8]} ${f[9] ?? ""}`).join(", ") || "nothing"}; ` +
        `UDP 5353: ${sockets.join(" | ") || "(none)"}; httap's fleet log: ${fleetLog.join(" | ") || "(nothing)"}`,
    );
  });
}

export interface HotspotResult {
  /** The access point's SSID as the radio reports it, "" when it never came up. */
  readonly apSsid: string;
  /** The phone associated with the label's SSID and password. */
  readonly joined: boolean;
  /** A wrong password was refused. */
  readonly refused: boolean;
}

export async function hotspotChecks(c: SystemContext, qr: { ssid: string; password: string }): Promise<HotspotResult> {
  const result = { apSsid: "", joined: false, refused: false };
  await c.report.guard("system: hotspot", async () => {
    const ap = await c.guest.run("radios", AP_TIMEOUT_MS);
    const info = lineOf(ap, "APINFO");
    result.apSsid = /ssid (\S+)/.exec(info)?.[1] ?? "";
    const up = lineOf(ap, "AP");
    c.figures.push(`access point up ${afterSeconds(up)} s after modprobe`);
    const apOk = up.startsWith("httap-hotspot") && up.includes("10.42.0.1/24") && /type AP/.test(info);
    c.report.check(
      "system: hotspot: NetworkManager brings up the image's keyfile as an access point on the first hwsim radio",
      apOk,
      `${lineOf(ap, "RADIOS")}; wlan0: ${up || "(never connected)"}; ${info}`,
    );
    if (!apOk) return;

    const joined = await c.guest.run(`join ${quote(qr.ssid)} ${quote(qr.password)} good; lease`, JOIN_TIMEOUT_MS);
    const join = lineOf(joined, "JOIN");
    const lease = lineOf(joined, "LEASE");
    const page = lineOf(joined, "AIRPAGE").split(" ");
    result.joined = join.includes("state=COMPLETED");
    c.figures.push(`phone associated ${afterSeconds(join)} s, leased ${afterSeconds(lease)} s`);
    c.report.check(
      "system: hotspot: a phone in its own namespace joins with the label's SSID and password, leases an address, gets the page",
      result.joined && lease.startsWith("rc=0") && /10\.42\.0\.\d+\//.test(lease) && page[0] === "200" && page[2] === "10.42.0.1",
      `${join}; lease ${lease}; GET http://10.42.0.1:${LEADER.port}/ → ${page[0]} (${page[1]} bytes from ${page[2]})`,
    );

    const wrong = `${qr.password}-wrong`;
    const refused = await c.guest.run(`join ${quote(qr.ssid)} ${quote(wrong)} wrong`, JOIN_TIMEOUT_MS);
    const attempt = lineOf(refused, "JOIN");
    const log = linesOf(refused, "JOINLOG");
    result.refused = !attempt.includes("COMPLETED") && log.some((l) => /WRONG_KEY|Handshake failed/.test(l));
    c.report.check(
      "system: hotspot: a wrong password is refused",
      result.refused,
      `${attempt}; ${log.map((l) => l.replace(/^\S+: /, "")).join(" | ") || "(no wpa_supplicant event)"}`,
    );
  });
  return result;
}

/** The label's Wi-Fi QR code against what the access point accepted. */
export function qrCheck(c: SystemContext, qr: { text: string; ssid: string; password: string }, hotspot: HotspotResult): void {
  const expected = `WIFI:T:WPA;S:${LEADER.ssid};P:${LEADER.password};;`;
  c.report.check(
    "system: the label's Wi-Fi QR code holds exactly the SSID and password the guest's access point accepted",
    qr.text === expected && qr.ssid === hotspot.apSsid && hotspot.joined && hotspot.refused,
    `zbarimg: "${qr.text}"; access point SSID "${hotspot.apSsid || "(none)"}"; ` +
      `joined with its password: ${hotspot.joined ? "yes" : "no"}; another password refused: ${hotspot.refused ? "yes" : "no"}`,
  );
}
