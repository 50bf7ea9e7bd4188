/**
 * @module The speaker on the twin: a 440 Hz tone asked for over HTTaP and over SCPI toggles the speaker pin, seen as
 * both levels among the host's reads of the latch while it plays. The tone lasts 3 s on the guest's clock, which runs
 * on while a starved QEMU does not: reads cut short by the tone's end without both levels are not evidence, and the
 * tone is asked for again (a few times at most).
 */
import { httpOf, shellJson, type CommandResult } from "./guest.ts";
import { levelCounts, PINS, type Sampling, type TwinContext } from "./twin-context.ts";

export const TONE = { freq: 440, ms: 3000 } as const;
/** Keeps the SCPI connection open past the tone: closing it ends the session. */
const SCPI_HOLD_S = 5;
/** The reads must fit in the tone (wall time from its answer), with room for the way of the answer. */
const READS_WITHIN_MS = TONE.ms - 500;
const ATTEMPTS = 3;
/** Further rounds of reads while the tone plays and the pin has not yet shown both levels. */
const MORE_READS = 4;

const bothLevels = (s: Sampling) => {
  const c = levelCounts(s.samples, PINS.speaker);
  return c.high > 0 && c.low > 0;
};

export interface TonePlayed {
  readonly started: CommandResult;
  readonly sampling: Sampling;
  readonly counts: ReturnType<typeof levelCounts>;
  readonly attempts: number;
}

/** Runs `start` (a guest command that starts the tone) and reads the speaker pin while it plays; again when starved. */
export async function playAndSample(
  t: TwinContext,
  start: () => Promise<CommandResult>,
  after?: () => Promise<unknown>,
): Promise<TonePlayed> {
  for (let attempts = 1; ; attempts++) {
    const started = await start();
    const begun = performance.now();
    let sampling = await t.sample(undefined, READS_WITHIN_MS);
    // a tone whose first edges come late (an engine just restarted on a loaded host) is read on while it plays
    for (let more = 0; more < MORE_READS && !sampling.cutShort && !bothLevels(sampling); more++) {
      const next = await t.sample(undefined, READS_WITHIN_MS - (performance.now() - begun));
      sampling = { samples: [...sampling.samples, ...next.samples], cutShort: next.cutShort, span: `${sampling.span} + ${next.span}` };
    }
    const counts = levelCounts(sampling.samples, PINS.speaker);
    await after?.();
    const isSeen = counts.high > 0 && counts.low > 0;
    if (isSeen || !sampling.cutShort || attempts === ATTEMPTS) return { started, sampling, counts, attempts };
  }
}

/** "pin 12: 20 high / 20 low in 1 s (2 attempts)" */
export function describeTone(p: TonePlayed): string {
  const cut = p.sampling.cutShort ? ", cut short by the tone's end" : "";
  return `pin ${p.counts.text} in ${p.sampling.span}${cut}${p.attempts > 1 ? ` (${p.attempts} attempts: QEMU starved)` : ""}`;
}

export async function toneChecks(t: TwinContext): Promise<void> {
  const pin = PINS.speaker;
  await t.report.guard(t.name("tone over HTTaP"), async () => {
    const played = await playAndSample(t, () => t.guest.run(`http speaker ${shellJson(TONE)}`));
    const answer = httpOf(played.started);
    const { high, low } = played.counts;
    t.report.check(
      t.name(`POST /?speaker ${JSON.stringify(TONE)}: ${played.sampling.samples.length} reads show both levels on pin ${pin}`),
      answer.status === 200 && high > 0 && low > 0,
      `HTTP ${answer.status} ${answer.body.slice(0, 120)}; ${describeTone(played)}; last ${played.sampling.samples.at(-1)}`,
    );
    await t.guest.run(`http speaker ${shellJson({ stop: true })}`);
  });

  await t.report.guard(t.name("tone over SCPI"), async () => {
    // the command, then the error queue: its answer says the tone command has been carried out
    const command = `scpi 'SOURce:TONE ${TONE.freq},${TONE.ms};:SYSTem:ERRor?' ${SCPI_HOLD_S}`;
    const played = await playAndSample(
      t,
      () => t.guest.run(command),
      () => t.guest.run("scpi_wait"),
    );
    const reply = played.started.lines
      .filter((l) => l.startsWith("SCPI "))
      .map((l) => l.slice(5))
      .join(" | ");
    const { high, low } = played.counts;
    t.report.check(
      t.name(`SCPI SOURce:TONE ${TONE.freq},${TONE.ms}: ${played.sampling.samples.length} reads show both levels on pin ${pin}`),
      /^0,/.test(reply) && high > 0 && low > 0,
      `SYSTem:ERRor? "${reply}"; ${describeTone(played)}; last ${played.sampling.samples.at(-1)}`,
    );
  });
}
