/**
 * @module The hardened unit as the running system made it (issue 19), seen from inside its sandbox: the agent joins
 * the service's cgroup (where its device rules live) and mount namespace (ProtectSystem=, StateDirectory=) and takes
 * its user and groups. A dynamic user in group gpio; no capability beyond the unit's two; /usr and /etc read-only to
 * it, /var/lib/httap writable; /dev/gpiochip0 opens read-write and no other device but systemd's standard few opens.
 */
import { lineOf, linesOf } from "../guest.ts";
import { PINS } from "../twin-context.ts";
import { boardAtRest, type SystemContext } from "./system-context.ts";

/** systemd's range for DynamicUser= ids (docs: UIDS-GIDS, "dynamic service users"). */
const DYNAMIC_UIDS = { first: 61184, last: 65519 };
/** The unit's AmbientCapabilities= and CapabilityBoundingSet=: CAP_NET_BIND_SERVICE (10) and CAP_SYS_NICE (23). */
const UNIT_CAPS = (1n << 10n) | (1n << 23n);
/** What DevicePolicy=closed always allows (systemd.resource-control), and the unit's DeviceAllow= GPIO devices. */
const STANDARD_DEVICES = new Set(["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx"]);
const GPIO_DEVICE = /^\/dev\/(gpiochip\d+|gpiomem\d*)$/;

/** "Uid: 61234 61234 61234 61234 Gid: …" → the fields by name. */
function procFields(line: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let key = "";
  for (const word of line.split(/\s+/)) {
    if (word.endsWith(":")) {
      key = word.slice(0, -1);
      out.set(key, []);
    } else if (key !== "") out.get(key)?.push(word);
  }
  return out;
}

export async function sandboxChecks(c: SystemContext, stateFile: string, token: string): Promise<void> {
  const { report, guest } = c;
  await report.guard("system: the unit's user", async () => {
    const r = await guest.run("identity");
    const proc = lineOf(r, "PROC");
    const fields = procFields(proc);
    const uid = Number(fields.get("Uid")?.[0] ?? -1);
    const groups = fields.get("Groups") ?? [];
    const gpioGid = lineOf(r, "GPIOGROUP").split(":")[2] ?? "?";
    const user = /^user=(\S+)/.exec(proc)?.[1] ?? "?";
    const devices = linesOf(r, "GPIODEV").join(" | ");
    report.check(
      "system: httap runs as a dynamic user in group gpio, /dev/gpiochip* belong to gpio",
      uid >= DYNAMIC_UIDS.first && uid <= DYNAMIC_UIDS.last && groups.includes(gpioGid) && /root gpio/.test(devices),
      `user ${user} uid ${uid} (dynamic range ${DYNAMIC_UIDS.first}-${DYNAMIC_UIDS.last}), groups ${groups.join(",")} ` +
        `(gpio is ${gpioGid}); ${devices}`,
    );
    const caps = ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"].map((k) => [k, BigInt(`0x${fields.get(k)?.[0] ?? "ffff"}`)] as const);
    const noNewPrivs = fields.get("NoNewPrivs")?.[0];
    report.check(
      "system: no capability beyond the unit's CAP_NET_BIND_SERVICE and CAP_SYS_NICE, no new privileges",
      caps.every(([k, v]) => (k === "CapInh" ? (v & ~UNIT_CAPS) === 0n : v === UNIT_CAPS)) && noNewPrivs === "1",
      `${caps.map(([k, v]) => `${k}=${v.toString(16)}`).join(" ")} (unit: ${UNIT_CAPS.toString(16)}), NoNewPrivs=${noNewPrivs}`,
    );
  });
  await report.guard("system: read-only system", async () => {
    const r = await guest.run(`writes ${stateFile} ${token}`);
    const writes = linesOf(r, "WRITE").map((l) => {
      const [path, ...said] = l.split(" ");
      return { path, said: said.join(" ") };
    });
    const state = writes.find((w) => w.path.startsWith("/var/lib/httap/"));
    const system = writes.filter((w) => w !== state);
    report.check(
      "system: /usr and /etc are read-only to the unit (a write fails), /var/lib/httap is writable",
      system.length === 3 && system.every((w) => /read-only file system/i.test(w.said)) && state?.said === "ok",
      writes.map((w) => `${w.path}: ${w.said}`).join("; "),
    );
  });
  await report.guard("system: devices", async () => {
    const r = await guest.run("devices", 120_000);
    const opened = lineOf(r, "DEVICES-UNIT").split(/\s+/).filter(Boolean);
    const asUser = lineOf(r, "DEVICES-USER").split(/\s+/).filter(Boolean);
    const others = opened.filter((d) => !STANDARD_DEVICES.has(d) && !GPIO_DEVICE.test(d));
    const rw = lineOf(r, "GPIO-RW");
    const policyOnly = asUser.filter((d) => !opened.includes(d));
    report.check(
      "system: /dev/gpiochip0 opens read-write in the unit, and no device but systemd's standard ones and the GPIO's",
      rw === "opened" && opened.includes("/dev/gpiochip0") && others.length === 0,
      `gpiochip0 read-write: ${rw || "(no answer)"}; opened in the unit: ${opened.join(" ")}; ` +
        `of ${lineOf(r, "DEVICES-ALL")} devices; refused in the unit but open to the same user outside it: ` +
        `${policyOnly.join(" ") || "none"}${others.length > 0 ? `; NOT ALLOWED: ${others.join(" ")}` : ""}`,
    );
  });
}

/** The service as it came up at boot: the pins it owns, set up through the GPIO character device, and the PWM. */
export async function gpioAtBootCheck(c: SystemContext): Promise<void> {
  await c.report.guard("system: GPIO at start", async () => {
    const r = await c.guest.run("journal 40; pwm_files");
    const journal = linesOf(r, "JOURNAL");
    const choice = journal.find((l) => /^gpio: /.test(l)) ?? "(no gpio: line in the journal)";
    const s = await c.machine.readGpio();
    c.report.check(
      "system: the service took the GPIO character device: every motor and LED output at 0, the speaker not driven",
      /character device/i.test(choice) && boardAtRest(s),
      `journal "${choice}"; ${s.pins(PINS.outputs)}; ${s}`,
    );
    // issue 19: without the image's udev rule only root may export the speaker's PWM (first boot: EACCES)
    const files = linesOf(r, "PWMFILE");
    const unusable = journal.find((l) => /hardware PWM unusable/.test(l));
    c.report.check(
      "system: the unit may use the speaker's hardware PWM (group gpio, writable: the image's udev rule)",
      unusable === undefined && files.length === 4 && files.every((f) => / gpio .{5}w/.test(f)),
      `${files.join("; ")}${unusable === undefined ? "" : `; journal: ${unusable}`}`,
    );
  });
}
