/**
 * @module A server starting on the twin: it answers, every profile output is an output at level 0, and the serial
 * console's pins (14/15, ALT5) are still the UART's after `GET /?gpio` looked at every pin. And `HTTAP_GPIO=auto`
 * on this kernel (no /dev/gpiomem) starts with the character device and says why.
 */
import { FSEL_ALT5, type GpioSnapshot } from "./gpio-registers.ts";
import { httpOf, lineOf, type Guest } from "./guest.ts";
import type { Machine } from "./machine.ts";
import type { Report } from "./report.ts";
import { outputsLow, PINS, type TwinContext } from "./twin-context.ts";

/** A server start, in emulator time: seconds on an emulated Cortex-A53 (the guest's own wait is longer). */
export const SERVE_TIMEOUT_MS = 120_000;

/** Starts the server with this backend; false (and a FAIL line) when it did not come up. */
export async function serve(t: TwinContext, env = ""): Promise<boolean> {
  const started = await t.guest.run(`serve ${t.backend}${env === "" ? "" : ` ${env}`}`, SERVE_TIMEOUT_MS);
  const state = lineOf(started, "SERVE");
  if (state.startsWith("up")) return true;
  const log = started.lines
    .filter((l) => l.startsWith("LOG "))
    .map((l) => l.slice(4))
    .slice(-6)
    .join(" | ");
  t.report.fail(t.name("server start"), `HTTAP_GPIO=${t.backend} httap did not answer /?ping (${state}); log: ${log}`);
  return false;
}

export async function startChecks(t: TwinContext, atBoot: GpioSnapshot): Promise<void> {
  await t.report.guard(t.name("outputs at start"), async () => {
    const s = await t.machine.readGpio();
    t.report.check(
      t.name(`at start every profile output (${PINS.outputs.join(", ")}) is an output at 0`),
      outputsLow(s),
      `${s.pins(PINS.outputs)}; ${s}`,
    );
  });
  await t.report.guard(t.name("UART pins"), async () => {
    const answer = httpOf(await t.guest.run("http gpio"));
    const s = await t.machine.readGpio();
    const alt5 = (x: GpioSnapshot) => PINS.uart.every((p) => x.fsel(p) === FSEL_ALT5);
    t.report.check(
      t.name(`pins ${PINS.uart.join("/")} still ALT5 (the console) after GET /?gpio`),
      answer.status === 200 && alt5(s),
      `HTTP ${answer.status}; at boot ${atBoot.pins(PINS.uart)}, now ${s.pins(PINS.uart)}; ${s}`,
    );
  });
}

/** HTTAP_GPIO=auto: it starts, its start-up log names the character device as the choice, and the pins are its. */
export async function autoCheck(guest: Guest, machine: Machine, report: Report): Promise<void> {
  await report.guard("auto: start", async () => {
    const started = await guest.run("serve auto", SERVE_TIMEOUT_MS);
    const up = lineOf(started, "SERVE").startsWith("up");
    const choice = started.lines.find((l) => /^LOG gpio: /.test(l))?.slice(4) ?? "(no gpio: line in the log)";
    const s = await machine.readGpio();
    const stopped = await guest.run("stop TERM");
    const isChardev = /^gpio: [^;]*character device/i.test(choice);
    const name = "auto: HTTAP_GPIO=auto starts, chooses the GPIO character device and says so, outputs at 0";
    report.check(
      name,
      up && isChardev && outputsLow(s),
      `${up ? "answered" : "did not answer"}; log "${choice}"; ${s.pins(PINS.outputs)}; exit ${lineOf(stopped, "EXIT")}`,
    );
  });
}
