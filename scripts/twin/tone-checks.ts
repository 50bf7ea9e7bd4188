/**
 * @module The speaker on the twin: a 440 Hz tone asked for over HTTaP and over SCPI toggles the speaker pin, seen as
 * both levels among the host's reads of the latch while it plays (3 s: the reads take well under that).
 */
import { httpOf, shellJson } from "./guest.ts";
import { levelCounts, PINS, type TwinContext } from "./twin-context.ts";

const TONE = { freq: 440, ms: 3000 } as const;
/** Keeps the SCPI connection open past the tone: closing it ends the session. */
const SCPI_HOLD_S = 5;

export async function toneChecks(t: TwinContext): Promise<void> {
  const pin = PINS.speaker;
  await t.report.guard(t.name("tone over HTTaP"), async () => {
    const answer = httpOf(await t.guest.run(`http speaker ${shellJson(TONE)}`));
    const samples = await t.sample();
    const c = levelCounts(samples, pin);
    t.report.check(t.name(`POST /?speaker ${JSON.stringify(TONE)}: ${samples.length} reads show both levels on pin ${pin}`),
      answer.status === 200 && c.high > 0 && c.low > 0,
      `HTTP ${answer.status} ${answer.body.slice(0, 120)}; pin ${c.text}; last ${samples.at(-1)}`);
    await t.guest.run(`http speaker ${shellJson({ stop: true })}`);
  });

  await t.report.guard(t.name("tone over SCPI"), async () => {
    // the command, then the error queue: its answer says the tone command has been carried out
    const scpi = await t.guest.run(`scpi 'SOURce:TONE ${TONE.freq},${TONE.ms};:SYSTem:ERRor?' ${SCPI_HOLD_S}`);
    const samples = await t.sample();
    const c = levelCounts(samples, pin);
    const reply = scpi.lines.filter((l) => l.startsWith("SCPI ")).map((l) => l.slice(5)).join(" | ");
    await t.guest.run("scpi_wait");
    t.report.check(t.name(`SCPI SOURce:TONE ${TONE.freq},${TONE.ms}: ${samples.length} reads show both levels on pin ${pin}`),
      /^0,/.test(reply) && c.high > 0 && c.low > 0, `SYSTem:ERRor? "${reply}"; pin ${c.text}; last ${samples.at(-1)}`);
  });
}
