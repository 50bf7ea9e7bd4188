/**
 * @module Configuration: read once from `HTTAP_*` variables and command-line flags into a frozen, typed object,
 * validated loudly (STYLE rule 17). An empty variable counts as unset (DESIGN). Flags win over variables.
 * Modules get their slice of `Config`, never `process.env`.
 */
import { hashLeaderPin, isLeaderPinHash, LEADER_PIN_PATTERN } from "./leader/leader-pin.ts";
import { ProfileError, loadProfile, type BoardProfile } from "./devices/board-profile.ts";
import { GPIO_CHOICES, type GpioChoice } from "./gpio/open-backend.ts";
import {
  KEEPALIVE_DEFAULT_S,
  KEEPALIVE_MAX_S,
  KEEPALIVE_MIN_S,
  MAX_BODY_BYTES_DEFAULT,
  MAX_CONNECTIONS_CEILING,
  MAX_CONNECTIONS_DEFAULT,
} from "./http/limits.ts";

export interface Config {
  /** TCP port; 0 asks the system for a free one (tests). */
  readonly port: number;
  /** Listen address; "::" is dual-stack (IPv4 arrives as ::ffff:a.b.c.d). */
  readonly host: string;
  /** Idle keep-alive timeout in seconds, also the HTTaP session timeout. */
  readonly keepAliveS: number;
  readonly maxConnections: number;
  readonly maxBodyBytes: number;
  /** `null`: serve the embedded assets; a path: serve that directory instead. */
  readonly staticPath: string | null;
  /** What "/" maps to. */
  readonly rootPage: string;
  /** `false` disables the file server (pages then come from elsewhere: CORS opens up). */
  readonly files: boolean;
  /** `false` disables `/?loopback`. */
  readonly loopback: boolean;
  /** `null`: default CORS policy; "*" or a list of allowed origins. */
  readonly cors: null | "*" | readonly string[];
  /** One access-log line per request on stdout. */
  readonly verbose: boolean;
  /** Drop privileges to these after opening the port (group first, then user); `null`: stay. */
  readonly user: string | null;
  readonly group: string | null;
  /** The sandbox's root with `user`: an empty directory; `null`: a fresh one, removed as it is entered. */
  readonly chroot: string | null;
  /** Where state lives (saved programs, PIN hash, peer cache), an absolute path; `null`: state features are off. */
  readonly stateDir: string | null;
  /** Which GPIO backend: auto (from the device tree; off a Pi the simulator), bcm, rp1, chardev, sim, none. */
  readonly gpio: GpioChoice;
  /** The simulator's file (HTTAP_SIM_FILE); null: a fresh one under $XDG_RUNTIME_DIR, /dev/shm or /tmp, removed at exit. */
  readonly simFile: string | null;
  /** The board profile in force, checked at start. */
  readonly board: BoardProfile;
  /** Motors coast when no drive command came for this long. */
  readonly deadmanMs: number;
  readonly motorPwmHz: number;
  /** Root of the sysfs PWM tree (tests point it at a temporary folder). */
  readonly pwmSysfs: string;
  /** The engine takes SCHED_FIFO and locks its code in memory when permitted. */
  readonly realtime: boolean;
  /** SCPI over raw TCP (issue 10); 0: off (and no `/?scpi`). */
  readonly scpiPort: number;
  /** A turn's length while others wait (issue 8); 0: no limit. Default 120 (issue 18). */
  readonly turnS: number;
  /** How long a waiter whose page is hidden keeps its place (issue 18). */
  readonly awayS: number;
  /** The room (issue 21): announce and browse `_httap._tcp` over mDNS; false: no UDP socket at all. */
  readonly fleet: boolean;
  /** The leader PIN's salted hash (issue 21; never the PIN); null: no PIN, every leader action refused. */
  readonly leaderPinHash: string | null;
}

/** A bad setting: main prints the message and exits with status 2. */
export class ConfigError extends Error {}

interface Option {
  readonly env: string;
  readonly flag: string;
  /** Placeholder shown in --help; absent for boolean switches written as `--flag`. */
  readonly arg?: string;
  readonly help: string;
}

/** Every option, in the order `--help` lists them. */
export const OPTIONS = {
  port: { env: "HTTAP_TCPPORT", flag: "--port", arg: "N", help: "TCP port to listen on, 1..65535 (0: any free port). Default 60000." },
  host: { env: "HTTAP_HOST", flag: "--host", arg: "ADDR", help: 'Address to listen on. Default "::" (every IPv6 and IPv4 address).' },
  keepAlive: {
    env: "HTTAP_KEEPALIVE",
    flag: "--keepalive",
    arg: "S",
    help: `Idle keep-alive and HTTaP session timeout in seconds, ${KEEPALIVE_MIN_S}..${KEEPALIVE_MAX_S}. Default ${KEEPALIVE_DEFAULT_S}.`,
  },
  maxConnections: {
    env: "HTTAP_MAXCONN",
    flag: "--max-conn",
    arg: "N",
    help:
      `Simultaneous connections, 1..${MAX_CONNECTIONS_CEILING}; when full, only one idle for 1 s or more is closed for a newcomer, ` +
      `else the newcomer waits up to 1 s for a slot, then gets 503. Default ${MAX_CONNECTIONS_DEFAULT}.`,
  },
  maxBody: {
    env: "HTTAP_MAXBODY",
    flag: "--max-body",
    arg: "BYTES",
    help: `Largest request body, 1..16777216 bytes. Default ${MAX_BODY_BYTES_DEFAULT}.`,
  },
  staticPath: {
    env: "HTTAP_STATICPATH",
    flag: "--static-path",
    arg: "DIR",
    help: "Serve this directory instead of the embedded pages (read into memory at start).",
  },
  rootPage: { env: "HTTAP_ROOTPAGE", flag: "--root-page", arg: "FILE", help: 'File answered for "/". Default index.html.' },
  files: { env: "HTTAP_FILES", flag: "--files", arg: "0|1", help: "0 disables the file server (only HTTaP answers). Default 1." },
  loopback: { env: "HTTAP_LOOPBACK", flag: "--loopback", arg: "0|1", help: "0 disables POST /?loopback. Default 1." },
  cors: {
    env: "HTTAP_CORS",
    flag: "--cors",
    arg: "ORIGINS",
    help:
      '"*" or a comma list of origins allowed to call HTTaP from other pages. ' +
      'Default: none while files are served, "*" without the file server.',
  },
  verbose: { env: "HTTAP_VERBOSE", flag: "--verbose", arg: "0|1", help: "1 prints one access-log line per request. Default 0." },
  user: {
    env: "HTTAP_USER",
    flag: "--user",
    arg: "NAME",
    help:
      "Sandbox (started as root): once the port, GPIO, PWM and engine are open, chroot into an empty directory " +
      "and drop to this user (no supplementary groups).",
  },
  group: { env: "HTTAP_GROUP", flag: "--group", arg: "NAME", help: "With --user: the group to drop to. Default the user's own." },
  chroot: {
    env: "HTTAP_CHROOT",
    flag: "--chroot",
    arg: "DIR",
    help: "With --user: the empty directory the sandbox chroots into. Default a fresh one, removed as it is entered.",
  },
  stateDir: {
    env: "HTTAP_STATE_DIR",
    flag: "--state-dir",
    arg: "DIR",
    help:
      "Directory for state kept across restarts (saved programs), made if missing; with --user it is the sandbox's root. " +
      "Default none: state features are off.",
  },
  gpio: {
    env: "HTTAP_GPIO",
    flag: "--gpio",
    arg: "KIND",
    help: "GPIO backend: auto (from the device tree; off a Pi the simulator), bcm, rp1, chardev, sim or none. Default auto.",
  },
  simFile: {
    env: "HTTAP_SIM_FILE",
    flag: "--sim-file",
    arg: "PATH",
    help: "The simulator's file, for other programs to watch. Default: a new one in $XDG_RUNTIME_DIR, /dev/shm or /tmp, removed at exit.",
  },
  board: {
    env: "HTTAP_BOARD",
    flag: "--board",
    arg: "NAME|FILE",
    help: "Board profile: rc-car, simon, or a JSON file of pins. Default rc-car.",
  },
  deadman: {
    env: "HTTAP_DEADMAN_MS",
    flag: "--deadman-ms",
    arg: "MS",
    help: "Motors coast when no drive command came for this long, 100..5000 ms. Default 500.",
  },
  motorPwm: { env: "HTTAP_MOTOR_PWM_HZ", flag: "--motor-pwm-hz", arg: "HZ", help: "Motor PWM frequency, 50..2000 Hz. Default 250." },
  turn: {
    env: "HTTAP_TURN_S",
    flag: "--turn-s",
    arg: "S",
    help:
      "While someone waits in line, a session ends after this many seconds and the next in line gets the device, 10..3600; " +
      "0: no limit. Default 120.",
  },
  away: {
    env: "HTTAP_AWAY_S",
    flag: "--away-s",
    arg: "S",
    help: "How long a waiting page that is hidden (a phone's screen locked) keeps its place in line, 10..3600 s. Default 60.",
  },
  scpiPort: {
    env: "HTTAP_SCPIPORT",
    flag: "--scpi-port",
    arg: "N",
    help: "SCPI port for lab software (PyVISA, lxi) on the same address as HTTP, 1..65535; 0 turns SCPI off (with /?scpi). Default 5025.",
  },
  realtime: {
    env: "HTTAP_REALTIME",
    flag: "--realtime",
    arg: "0|1",
    help:
      "1: the real-time engine takes SCHED_FIFO priority and locks its code in memory when permitted " +
      "(root, CAP_SYS_NICE, CAP_IPC_LOCK); 0: never. Default 1.",
  },
  fleet: {
    env: "HTTAP_FLEET",
    flag: "--fleet",
    arg: "0|1",
    help: "1: announce this device as _httap._tcp over mDNS and list its peers (/?fleet); 0: no UDP socket at all. Default 1.",
  },
  leaderPin: {
    env: "HTTAP_LEADER_PIN",
    flag: "--leader-pin",
    arg: "PIN",
    help:
      "The workshop leader's PIN, 4-12 digits (or its hash from npm run image -- --leader-pin); kept only as a salted hash. " +
      "Unset: every leader action is refused.",
  },
  pwmSysfs: {
    env: "HTTAP_PWM_SYSFS",
    flag: "--pwm-sysfs",
    arg: "DIR",
    help: "Root of the hardware PWM tree in sysfs. Default /sys/class/pwm.",
  },
} as const satisfies Record<string, Option>;

type OptionName = keyof typeof OPTIONS;

/** Raw text of every option that was given: flag beats variable; empty counts as unset. */
function collect(env: Record<string, string | undefined>, argv: readonly string[]): Map<OptionName, { text: string; source: string }> {
  const given = new Map<OptionName, { text: string; source: string }>();
  for (const [name, o] of Object.entries(OPTIONS) as [OptionName, Option][]) {
    const v = env[o.env];
    if (v !== undefined && v !== "") given.set(name, { text: v, source: o.env });
  }
  const byFlag = new Map<string, OptionName>(Object.entries(OPTIONS).map(([n, o]) => [o.flag, n as OptionName]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const name = byFlag.get(flag);
    if (name === undefined) throw new ConfigError(`unknown option "${a}" (see --help)`);
    const text = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (text === undefined) throw new ConfigError(`option ${flag} needs a value (see --help)`);
    if (text !== "") given.set(name, { text, source: flag });
  }
  return given;
}

function integer(name: OptionName, raw: { text: string; source: string } | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = /^\d{1,9}$/.test(raw.text) ? Number(raw.text) : NaN;
  if (!(n >= min && n <= max))
    throw new ConfigError(`${raw.source}="${raw.text}" is not allowed: it must be a whole number from ${min} to ${max}`);
  return n;
}

function flag(raw: { text: string; source: string } | undefined, fallback: boolean): boolean {
  if (raw === undefined) return fallback;
  if (raw.text === "1") return true;
  if (raw.text === "0") return false;
  throw new ConfigError(`${raw.source}="${raw.text}" is not allowed: it must be 0 or 1`);
}

function corsList(raw: { text: string; source: string } | undefined): Config["cors"] {
  if (raw === undefined) return null;
  if (raw.text.trim() === "*") return "*";
  const origins = raw.text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const o of origins) {
    if (!/^https?:\/\/[A-Za-z0-9.\-\[\]:]+$/.test(o))
      throw new ConfigError(`${raw.source}: "${o}" is not an origin like http://host:port (or use "*")`);
  }
  if (origins.length === 0) throw new ConfigError(`${raw.source} must be "*" or a comma list of origins`);
  return Object.freeze(origins);
}

/** Reads and validates the whole configuration; throws ConfigError with a sentence naming the setting. */
export function readConfig(env: Record<string, string | undefined>, argv: readonly string[] = []): Config {
  const g = collect(env, argv);
  const rootPage = g.get("rootPage")?.text ?? "index.html";
  if (!/^[0-9A-Za-z_.\-/]{1,255}$/.test(rootPage) || rootPage.includes("..")) {
    throw new ConfigError(`${g.get("rootPage")!.source}="${rootPage}" is not a valid file name (letters, digits, "-_./", no "..")`);
  }
  const files = flag(g.get("files"), true);
  return Object.freeze({
    port: integer("port", g.get("port"), 60000, 0, 65535),
    host: g.get("host")?.text ?? "::",
    keepAliveS: integer("keepAlive", g.get("keepAlive"), KEEPALIVE_DEFAULT_S, KEEPALIVE_MIN_S, KEEPALIVE_MAX_S),
    maxConnections: integer("maxConnections", g.get("maxConnections"), MAX_CONNECTIONS_DEFAULT, 1, MAX_CONNECTIONS_CEILING),
    maxBodyBytes: integer("maxBody", g.get("maxBody"), MAX_BODY_BYTES_DEFAULT, 1, 16 * 1024 * 1024),
    staticPath: g.get("staticPath")?.text ?? null,
    rootPage: rootPage.replace(/^\/+/, ""),
    files,
    loopback: flag(g.get("loopback"), true),
    cors: corsList(g.get("cors")),
    verbose: flag(g.get("verbose"), false),
    user: g.get("user")?.text ?? null,
    group: g.get("group")?.text ?? null,
    chroot: sandboxRoot(g),
    stateDir: stateDirectory(g),
    gpio: gpioChoice(g.get("gpio")),
    simFile: g.get("simFile")?.text ?? null,
    board: boardProfile(g.get("board")),
    deadmanMs: integer("deadman", g.get("deadman"), 500, 100, 5000),
    motorPwmHz: integer("motorPwm", g.get("motorPwm"), 250, 50, 2000),
    pwmSysfs: g.get("pwmSysfs")?.text ?? "/sys/class/pwm",
    realtime: flag(g.get("realtime"), true),
    scpiPort: integer("scpiPort", g.get("scpiPort"), 5025, 0, 65535),
    turnS: turnSeconds(g.get("turn")),
    awayS: integer("away", g.get("away"), 60, 10, 3600),
    fleet: flag(g.get("fleet"), true),
    leaderPinHash: leaderPin(g.get("leaderPin")),
  });
}

function sandboxRoot(g: Map<OptionName, { text: string; source: string }>): string | null {
  const raw = g.get("chroot");
  if (raw === undefined) return null;
  if (!g.has("user")) throw new ConfigError(`${raw.source}="${raw.text}" needs HTTAP_USER (--user): only the sandbox chroots`);
  if (!raw.text.startsWith("/")) throw new ConfigError(`${raw.source}="${raw.text}" must be an absolute path`);
  return raw.text;
}

function stateDirectory(g: Map<OptionName, { text: string; source: string }>): string | null {
  const raw = g.get("stateDir");
  if (raw === undefined) return null;
  if (!raw.text.startsWith("/") || raw.text.split("/").includes(".."))
    throw new ConfigError(`${raw.source}="${raw.text}" must be an absolute path without ".."`);
  const dir = raw.text.replace(/\/+$/, "");
  if (dir === "")
    throw new ConfigError(
      `${raw.source}="${raw.text}" is the file system's root: state needs a directory of its own, such as /var/lib/httap`,
    );
  const chroot = g.get("chroot");
  if (chroot !== undefined)
    throw new ConfigError(
      `${raw.source} and ${chroot.source} both name the sandbox's root (with a state directory the sandbox chroots into it): set only one`,
    );
  return dir;
}

/** A turn while others wait (issue 18): long enough to drive a lap, short enough that a room of 20 gets turns. */
const TURN_DEFAULT_S = 120;

/** The PIN or its hash, kept as a hash; a refusal never repeats the value (it may be a PIN with a typo). */
function leaderPin(raw: { text: string; source: string } | undefined): string | null {
  if (raw === undefined) return null;
  if (isLeaderPinHash(raw.text)) return raw.text;
  if (!LEADER_PIN_PATTERN.test(raw.text))
    throw new ConfigError(`${raw.source} must be 4 to 12 digits (the value given is not repeated here)`);
  return hashLeaderPin(raw.text);
}

function turnSeconds(raw: { text: string; source: string } | undefined): number {
  const s = integer("turn", raw, TURN_DEFAULT_S, 0, 3600);
  if (s !== 0 && s < 10)
    throw new ConfigError(`${raw!.source}="${raw!.text}" is not allowed: it must be 0 (no limit) or 10 to 3600 seconds`);
  return s;
}

function gpioChoice(raw: { text: string; source: string } | undefined): GpioChoice {
  if (raw === undefined) return "auto";
  if (!(GPIO_CHOICES as readonly string[]).includes(raw.text))
    throw new ConfigError(`${raw.source}="${raw.text}" is not allowed: it must be one of ${GPIO_CHOICES.join(", ")}`);
  return raw.text as GpioChoice;
}

function boardProfile(raw: { text: string; source: string } | undefined): BoardProfile {
  try {
    return loadProfile(raw?.text ?? "rc-car");
  } catch (error) {
    if (error instanceof ProfileError) throw new ConfigError(error.message);
    throw error;
  }
}

/** The text of `httap --help`, generated from OPTIONS so it cannot drift from what is parsed. */
export function helpText(version: string): string {
  const lines = [
    `httap ${version}: appliance firmware for the Raspberry Pi (HTTP/1.1 + HTTaP, one thread).`,
    "",
    "Usage: httap [options]",
    "",
    "Every option may also be set by its environment variable (an empty variable counts as unset; a flag wins).",
    "",
  ];
  for (const o of Object.values(OPTIONS) as Option[]) {
    lines.push(`  ${`${o.flag}${o.arg ? ` ${o.arg}` : ""}`.padEnd(22)} ${o.env.padEnd(17)} ${o.help}`);
  }
  lines.push(
    "  --safe-state                             " +
      "Drive the board's outputs to their safe level (motors coast, speaker and LEDs off) and exit.",
  );
  lines.push(
    "  --supervise                              " +
      "Run the server as a child and restart it after a crash (back-off 1 to 30 s), the safe state between runs.",
  );
  lines.push("  --help                                   Print this text and exit.");
  lines.push("  --version                                Print the version and exit.");
  lines.push("", "Open http://<this-device>:<port>/ in a browser. Exit status: 0 clean stop, 1 cannot listen, 2 bad configuration.");
  return lines.join("\n");
}
