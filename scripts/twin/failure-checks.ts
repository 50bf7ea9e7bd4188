/**
 * @module The engine's failure path on the twin (bcm): with /dev/mem taken away after the server mapped the GPIO block
 * through it, the engine Worker (which maps the block again when the first tone or drive starts it) cannot start;
 * that first tone must be refused with 503 and a reason, never answered as played; with /dev/mem back, a later
 * command works again. Runs before any tone or drive. Not for chardev: its Worker opens no device of its own (it
 * drives the lines the main thread requested), so no file can be taken away from it alone.
 */
import { httpOf, lineOf, shellJson } from "./guest.ts";
import { describeTone, playAndSample, TONE } from "./tone-checks.ts";
import { PINS, type TwinContext } from "./twin-context.ts";

/** The server tries a new engine at most once a second after a failure (src/devices/hardware.ts). */
const RETRY_AFTER_S = 1.2;
/** Attempts at the command after the device is back, a second apart. */
const RETRIES = 10;

export async function failureChecks(t: TwinContext): Promise<void> {
  const device = "/dev/mem";
  await t.report.guard(t.name("engine failure"), async () => {
    const hidden = await t.guest.run(`hide ${device}`);
    if (lineOf(hidden, "HIDDEN") === "") {
      t.report.fail(t.name("engine failure"), `could not remove ${device} in the guest (status ${hidden.status})`);
      return;
    }
    const refused = httpOf(await t.guest.run(`raw_post speaker ${shellJson(TONE)}`), "RAW");
    let code: unknown = null;
    let reason: unknown = null;
    try {
      ({ error: code, message: reason } = JSON.parse(refused.body) as Record<string, unknown>);
    } catch {
      // not JSON: no code, no reason
    }
    const restored = lineOf(await t.guest.run(`unhide ${device}`), "RESTORED");
    t.report.check(
      t.name(`engine cannot start (${device} removed): POST /?speaker answers 503 engine-unavailable with a reason`),
      refused.status === 503 && code === "engine-unavailable" && typeof reason === "string" && reason !== "",
      `HTTP ${refused.status} ${refused.body.slice(0, 300)}; ${device} back: ${restored || "NOT restored"}`,
    );

    // a new engine is tried at most once a second: ask until the tone is accepted, reading the pin while it plays
    await t.guest.run(`usleep ${RETRY_AFTER_S * 1e6}`);
    let played = await playAndSample(t, () => t.guest.run(`http speaker ${shellJson(TONE)}`));
    let tries = 1;
    for (; tries < RETRIES && httpOf(played.started).status !== 200; tries++) {
      await t.guest.run("sleep 1");
      played = await playAndSample(t, () => t.guest.run(`http speaker ${shellJson(TONE)}`));
    }
    const again = httpOf(played.started);
    await t.guest.run(`http speaker ${shellJson({ stop: true })}`);
    t.report.check(
      t.name(`${device} back: the next POST /?speaker plays (pin ${PINS.speaker} toggles)`),
      again.status === 200 && played.counts.high > 0 && played.counts.low > 0,
      `HTTP ${again.status} (after ${tries} ${tries === 1 ? "try" : "tries"}) ${again.body.slice(0, 160)}; ${describeTone(played)}`,
    );
  });
}
