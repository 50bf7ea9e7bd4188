/**
 * @module What the installer writes (issue 9), as pure functions of the options and of the files already in the
 * image, so that running it twice gives the same image: the settings file, the Avahi service, NetworkManager
 * keyfiles (client and hotspot), the hostname and hosts lines, the block of config.txt, the Wi-Fi country on the
 * kernel command line and in NetworkManager's state. The systemd unit itself is `deploy/httap.service`.
 */
import { readFileSync } from "node:fs";
import type { BoardProfile } from "../../src/devices/board-profile.ts";

const BEGIN_MARK = "# --- httap (npm run image): begin ---";
const END_MARK = "# --- httap: end ---";

/** /etc/default/httap: one `NAME=value` a line, read by the unit's EnvironmentFile=. */
export function settingsFile(settings: Readonly<Record<string, string>>): string {
  const lines = Object.entries(settings).map(([k, v]) => `${k}=${/^[\w./:,*-]*$/.test(v) ? v : JSON.stringify(v)}`);
  return (
    "# httap settings (httap --help lists them all); written by npm run image / scripts/install.sh\n" +
    `${lines.join("\n")}${lines.length > 0 ? "\n" : ""}`
  );
}

/** /etc/avahi/services/httap.service: `deploy/avahi-httap.service` (shared with scripts/install.sh) on this port. */
export function avahiService(port: number): string {
  const template = readFileSync(new URL("../../deploy/avahi-httap.service", import.meta.url), "utf8");
  return template.replace("<port>60000</port>", `<port>${port}</port>`);
}

/**
 * avahi-daemon.conf with `use-ipv6=no` in [server] and `publish-aaaa-on-ipv4=no` in [publish] (each replaced, or added
 * under its section): Avahi publishes the device's IPv4 addresses alone. Avahi 0.8 hears its own multicast
 * (IP_MULTICAST_LOOP) and checks a response against the records it holds at that moment, not whether it sent it: when
 * the IPv6 link-local address gives way to a router's prefix on link-up, it withdraws its fe80:: AAAA record and, in
 * the same millisecond (system twin), reports a host-name conflict and renames the device NAME-2, NAME-3 … (avahi/avahi
 * issues 117, 193): `NAME.local` on the label stops resolving. `use-ipv6=no` alone still published the AAAA records
 * over IPv4 (the twin saw car-07-2 after it); without them an IPv6 change touches none of Avahi's records. Phones
 * resolve the label's name by its A record.
 */
export function avahiConfIpv4Only(text: string): string {
  const lines = text.replace(/\n+$/, "").split("\n");
  setIniKey(lines, "server", "use-ipv6", "no");
  setIniKey(lines, "publish", "publish-aaaa-on-ipv4", "no");
  return `${lines.join("\n")}\n`;
}

/** `key=value` right under `[section]` (added at the top when missing); any other line for the key, commented or not, goes. */
function setIniKey(lines: string[], section: string, key: string, value: string): void {
  const old = new RegExp(`^\\s*#?\\s*${key}\\s*=`);
  for (let i = lines.length - 1; i >= 0; i--) if (old.test(lines[i])) lines.splice(i, 1);
  const at = lines.findIndex((l) => l.trim() === `[${section}]`);
  if (at < 0) lines.unshift(`[${section}]`, `${key}=${value}`);
  else lines.splice(at + 1, 0, `${key}=${value}`);
}

/** A stable UUID from a name, so a second run writes the same keyfile. */
function nameUuid(name: string): string {
  const h = new Bun.CryptoHasher("sha256").update(`httap:${name}`).digest("hex");
  return (
    `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-` +
    `${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`
  );
}

/** GKeyFile escaping for a value (NetworkManager's keyfile format). */
function keyfileValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/^ /, "\\s");
}

export interface WifiNetwork {
  readonly ssid: string;
  readonly password: string;
}

/** The venue's network: tried first (priority 10) whenever it is in range. */
export function clientKeyfile(net: WifiNetwork): string {
  return `[connection]
id=httap-wifi
uuid=${nameUuid(`wifi:${net.ssid}`)}
type=wifi
autoconnect=true
autoconnect-priority=10

[wifi]
mode=infrastructure
ssid=${keyfileValue(net.ssid)}

[wifi-security]
key-mgmt=wpa-psk
psk=${keyfileValue(net.password)}

[ipv4]
method=auto

[ipv6]
addr-gen-mode=default
method=auto
`;
}

/** The Pi as its own access point (WPA2), sharing 10.42.0.1/24 by DHCP: no router needed. Priority 0, below the client. */
export function hotspotKeyfile(net: WifiNetwork): string {
  return `[connection]
id=httap-hotspot
uuid=${nameUuid(`hotspot:${net.ssid}`)}
type=wifi
autoconnect=true
autoconnect-priority=0

[wifi]
band=bg
mode=ap
ssid=${keyfileValue(net.ssid)}

[wifi-security]
group=ccmp
key-mgmt=wpa-psk
pairwise=ccmp
proto=rsn
psk=${keyfileValue(net.password)}

[ipv4]
address1=${HOTSPOT_ADDRESS}/24
method=shared

[ipv6]
method=ignore
`;
}

/** NetworkManager's default for a shared connection, written out so the label can print it. */
export const HOTSPOT_ADDRESS = "10.42.0.1";

/** /etc/hosts with the `127.0.1.1` line naming `hostname` (replaced, or added at the end). */
export function editHosts(text: string, hostname: string): string {
  const line = `127.0.1.1\t${hostname}`;
  const lines = text.replace(/\n+$/, "").split("\n");
  const at = lines.findIndex((l) => /^127\.0\.1\.1\s/.test(l));
  const kept = lines.filter((l) => !/^127\.0\.1\.1\s/.test(l));
  if (at >= 0) kept.splice(at, 0, line);
  else kept.push(line);
  return `${kept.join("\n")}\n`;
}

/**
 * The `dtoverlay` line that routes the speaker pin to the PWM block, or null when the pin has no PWM function
 * (then the engine makes the tone). GPIO 12/13 are PWM0/PWM1 as ALT0 (func 4), GPIO 18/19 as ALT5 (func 2):
 * BCM2711 peripherals, 5.3 "Alternative Function Assignments"; the overlay is the firmware's `pwm` (README of
 * raspberrypi/firmware's overlays: "pin", "func").
 */
export function pwmOverlay(profile: BoardProfile): string | null {
  if (profile.speakerPwm === null) return null;
  const func: Record<number, number> = { 12: 4, 13: 4, 18: 2, 19: 2 };
  const f = func[profile.speaker];
  return f === undefined ? null : `dtoverlay=pwm,pin=${profile.speaker},func=${f}`;
}

/** config.txt with our block (between the marks) replaced, or added at the end: each line appears once however often this runs. */
export function editConfigTxt(text: string, block: readonly string[]): string {
  const body = `${BEGIN_MARK}\n${block.join("\n")}\n${END_MARK}\n`;
  const begin = text.indexOf(BEGIN_MARK);
  const end = text.indexOf(END_MARK);
  if (begin >= 0 && end > begin) return text.slice(0, begin) + body + text.slice(end + END_MARK.length).replace(/^\n/, "");
  return `${text.replace(/\n*$/, "\n")}\n${body}`;
}

/** Our config.txt lines: the PWM overlay for all models, and the 4 KiB-page kernel on a Pi 5 (Bun cannot run on its 16 KiB one). */
export function configBlock(profile: BoardProfile): string[] {
  const overlay = pwmOverlay(profile);
  return [
    "[all]",
    ...(overlay === null ? [] : [`# the speaker (GPIO ${profile.speaker}) through the hardware PWM`, overlay]),
    "[pi5]",
    "# Bun needs 4 KiB memory pages; the Pi 5's default kernel_2712.img uses 16 KiB",
    "kernel=kernel8.img",
    "[all]",
  ];
}

/** cmdline.txt (one line) with `cfg80211.ieee80211_regdom=XX`, as raspi-config's do_wifi_country writes it. */
export function editCmdline(text: string, country: string): string {
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "" && !w.startsWith("cfg80211.ieee80211_regdom="));
  return `${[...words, `cfg80211.ieee80211_regdom=${country}`].join(" ")}\n`;
}

/** NetworkManager.state with Wi-Fi enabled (pi-gen writes WirelessEnabled=false when no country was set). */
export function enableWirelessState(text: string | null): string {
  const lines = (text ?? "[main]\n")
    .replace(/\n+$/, "")
    .split("\n")
    .filter((l) => !/^WirelessEnabled=/.test(l));
  const main = lines.findIndex((l) => l.trim() === "[main]");
  if (main < 0) lines.unshift("[main]", "WirelessEnabled=true");
  else lines.splice(main + 1, 0, "WirelessEnabled=true");
  return `${lines.join("\n")}\n`;
}

/**
 * The rfkill state files systemd-rfkill restores at boot for the on-board Wi-Fi (pi-gen's stage2 net-tweaks writes
 * 1 for these until a country is set): Pi 3 / Zero 2 W, Pi 4 / 400, Pi 5.
 */
export const WLAN_RFKILL_FILES = ["platform-3f300000.mmcnr:wlan", "platform-fe300000.mmcnr:wlan", "platform-1001100000.mmc:wlan"];

/** The Wi-Fi join string phone cameras read (the ZXing "WIFI:" format: \ ; , : " escaped with a backslash). */
export function wifiQrText(net: WifiNetwork): string {
  const esc = (s: string) => s.replace(/([\\;,:"])/g, "\\$1");
  return `WIFI:T:WPA;S:${esc(net.ssid)};P:${esc(net.password)};;`;
}
