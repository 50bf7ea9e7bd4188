/**
 * @module The installer's command line (issue 9), checked whole before anything is read or written: every bad value
 * is one sentence. The HTTAP_* settings for /etc/default/httap go through the firmware's own readConfig, so the
 * image can never carry a setting the firmware would refuse at boot.
 */
import { existsSync, readFileSync } from "node:fs";
import { BUILT_IN_PROFILES, loadProfile, ProfileError, type BoardProfile } from "../../src/devices/board-profile.ts";
import { ConfigError, OPTIONS, readConfig } from "../../src/config.ts";
import type { WifiNetwork } from "./deploy-files.ts";
import { hashLeaderPin, isLeaderPinHash, LEADER_PIN_PATTERN } from "../../src/leader/leader-pin.ts";

export class UsageError extends Error {}

export interface ImageOptions {
  readonly image: string;
  readonly hostname: string | null;
  readonly wifi: WifiNetwork | null;
  readonly hotspot: WifiNetwork | null;
  readonly country: string | null;
  readonly board: BoardProfile;
  /** The profile's JSON when --board named a file: copied to /etc/httap/board.json. */
  readonly boardFile: string | null;
  /** HTTAP_* for /etc/default/httap. */
  readonly settings: Readonly<Record<string, string>>;
  readonly port: number;
  readonly label: string | null;
  readonly binary: string;
}

export const USAGE = `Usage: npm run image -- IMAGE [options]
Writes httap into a Raspberry Pi OS image (Bookworm or Trixie, 64-bit; .img or .img.xz), without root.

  --hostname NAME        the device's name: NAME.local on the network (letters, digits, -; 1-63)
  --wifi SSID:PASS       join this network (WPA2; the SSID may not contain ":")
  --hotspot SSID:PASS    or be an access point of its own (WPA2, 8-63 characters); with --wifi, the client
                         wins when its network is in range at boot
  --country XX           Wi-Fi country (ISO 3166, e.g. DE, FR, GB, US): Raspberry Pi OS keeps Wi-Fi off without one
  --board NAME|FILE      board profile: ${Object.keys(BUILT_IN_PROFILES).join(", ")}, or a JSON file (default rc-car)
  --port N               web port (default 60000)
  --leader-pin PIN       the workshop leader's PIN (4-12 digits): only its salted hash goes into /etc/default/httap (0600)
  --set HTTAP_NAME=VALUE any other setting of httap --help (repeatable)
  --label FILE.svg       a printable label: name, URL and QR codes (with --hotspot, one to join the Wi-Fi)
  --binary FILE          the arm64 executable (default dist/httap-linux-arm64, made by npm run build)`;

const HOSTNAME = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const SETTING_NAMES = new Set<string>(Object.values(OPTIONS).map((o) => o.env));

function network(flag: string, value: string): WifiNetwork {
  const colon = value.indexOf(":");
  if (colon <= 0) throw new UsageError(`${flag} "${value}": give SSID:PASSWORD`);
  const ssid = value.slice(0, colon);
  const password = value.slice(colon + 1);
  if (Buffer.byteLength(ssid) > 32) throw new UsageError(`${flag}: the SSID "${ssid}" is longer than Wi-Fi allows (32 bytes)`);
  if (!/^[\x20-\x7e]+$/.test(ssid) || ssid !== ssid.trim())
    throw new UsageError(`${flag}: the SSID "${ssid}" must be printable ASCII without spaces at either end`);
  if (!/^([\x20-\x7e]{8,63}|[0-9a-fA-F]{64})$/.test(password))
    throw new UsageError(`${flag}: the WPA2 password must be 8 to 63 printable ASCII characters (it has ${password.length})`);
  return { ssid, password };
}

/** ISO 3166 alpha-2 codes from tzdata's iso3166.tab when present; else any two letters. */
function country(value: string): string {
  const code = value.toUpperCase();
  if (!/^[A-Z]{2}$/.test(code)) throw new UsageError(`--country "${value}": give the two-letter ISO 3166 code (DE, FR, GB, US …)`);
  const table = "/usr/share/zoneinfo/iso3166.tab";
  if (
    existsSync(table) &&
    !readFileSync(table, "utf8")
      .split("\n")
      .some((l) => l.startsWith(`${code}\t`))
  ) {
    throw new UsageError(`--country "${value}" is not an ISO 3166 country code (see ${table})`);
  }
  return code;
}

/** Parses and checks argv (after `npm run image --`). Throws UsageError with one sentence. */
export function parseImageOptions(argv: readonly string[], defaults: { binary: string }): ImageOptions {
  let image: string | null = null;
  const given = new Map<string, string>();
  const sets: string[] = [];
  const flags = new Set([
    "--hostname",
    "--wifi",
    "--hotspot",
    "--country",
    "--board",
    "--port",
    "--set",
    "--label",
    "--binary",
    "--leader-pin",
  ]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) {
      if (image !== null) throw new UsageError(`one image at a time: "${image}" and "${a}"`);
      image = a;
      continue;
    }
    const eq = a.indexOf("=");
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!flags.has(flag)) throw new UsageError(`unknown option "${a}"\n${USAGE}`);
    const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (value === undefined || value === "") throw new UsageError(`${flag} needs a value`);
    if (flag === "--set") sets.push(value);
    else if (given.has(flag)) throw new UsageError(`${flag} is given twice`);
    else given.set(flag, value);
  }
  if (image === null) throw new UsageError(`no image named\n${USAGE}`);

  const hostname = given.get("--hostname") ?? null;
  if (hostname !== null && !HOSTNAME.test(hostname))
    throw new UsageError(`--hostname "${hostname}": 1 to 63 letters, digits and "-", not starting or ending with "-"`);
  const wifi = given.has("--wifi") ? network("--wifi", given.get("--wifi")!) : null;
  const hotspot = given.has("--hotspot") ? network("--hotspot", given.get("--hotspot")!) : null;
  const countryCode = given.has("--country") ? country(given.get("--country")!) : null;

  const settings: Record<string, string> = {};
  for (const s of sets) {
    const m = /^(HTTAP_[A-Z_]+)=(.*)$/.exec(s);
    if (m === null || !SETTING_NAMES.has(m[1])) throw new UsageError(`--set "${s}": give HTTAP_NAME=VALUE with a setting of httap --help`);
    settings[m[1]] = m[2];
  }
  if (given.has("--port")) settings.HTTAP_TCPPORT = given.get("--port")!;
  // issue 21: the image holds the PIN's salted hash, never the PIN (a PIN given with --set is hashed the same way)
  const pin = given.get("--leader-pin") ?? settings.HTTAP_LEADER_PIN;
  if (pin !== undefined && !isLeaderPinHash(pin)) {
    if (!LEADER_PIN_PATTERN.test(pin)) throw new UsageError("--leader-pin must be 4 to 12 digits");
    settings.HTTAP_LEADER_PIN = hashLeaderPin(pin);
  } else if (pin !== undefined) settings.HTTAP_LEADER_PIN = pin;
  const boardArg = given.get("--board") ?? settings.HTTAP_BOARD ?? "rc-car";
  let board: BoardProfile;
  try {
    board = loadProfile(boardArg);
  } catch (error) {
    if (error instanceof ProfileError) throw new UsageError(`--board: ${error.message}`);
    throw error;
  }
  const boardFile = Object.hasOwn(BUILT_IN_PROFILES, boardArg) ? null : boardArg;
  settings.HTTAP_BOARD = boardFile === null ? boardArg : "/etc/httap/board.json";
  if (settings.HTTAP_GPIO === "sim") throw new UsageError("--set HTTAP_GPIO=sim: an image is for a real Pi (leave HTTAP_GPIO at auto)");
  let port: number;
  try {
    // the settings as the firmware will read them at boot (the board file as it is here)
    const config = readConfig({ ...settings, HTTAP_BOARD: boardFile ?? boardArg });
    port = config.port;
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(`the settings would stop httap at boot: ${error.message}`);
    throw error;
  }
  if (port === 0) throw new UsageError("HTTAP_TCPPORT=0 picks a random port at each boot: nobody could find the device; give a port");
  const label = given.get("--label") ?? null;
  if (label !== null && !label.endsWith(".svg")) throw new UsageError(`--label "${label}": the label is an SVG file (name it .svg)`);
  return {
    image,
    hostname,
    wifi,
    hotspot,
    country: countryCode,
    board,
    boardFile,
    settings,
    port,
    label,
    binary: given.get("--binary") ?? defaults.binary,
  };
}
