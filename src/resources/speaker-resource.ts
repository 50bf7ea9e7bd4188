/** @module `/?speaker` (issue 7): one tone, a list of notes, or stop; GET tells what plays and how. */
import type { Note } from "../engine/channels.ts";
import type { Board } from "../devices/board.ts";
import { MAX_HZ, MAX_NOTE_MS, MAX_NOTES, MAX_TOTAL_MS, MIN_HZ } from "../devices/speaker.ts";
import { defineResource, type Resource } from "../httap/resource.ts";
import { bad, numberIn, ok, onlyKeys, withDevice, type Checked } from "./body-checks.ts";
import { isJsonObject } from "../httap/json-body.ts";

/** The notes a body asks for ([] for stop), or why it is refused. */
export function speakerCommand(body: unknown): Checked<readonly Note[]> {
  if (!isJsonObject(body)) return bad('the body must be an object: {"freq":440,"ms":200}, {"notes":[[440,200],[0,50]]} or {"stop":true}');
  const unknown = onlyKeys(body, ["freq", "ms", "notes", "stop"]);
  if (unknown !== null) return bad(unknown);
  if (body.stop !== undefined)
    return body.stop === true && Object.keys(body).length === 1 ? ok([]) : bad('stop must be true, and alone: {"stop":true}');
  if (body.notes !== undefined) {
    if (body.freq !== undefined || body.ms !== undefined) return bad("give either notes or freq and ms, not both");
    if (!Array.isArray(body.notes) || body.notes.length === 0 || body.notes.length > MAX_NOTES)
      return bad(`notes must be a list of 1 to ${MAX_NOTES} [freq, ms] pairs`);
    const notes: Note[] = [];
    let total = 0;
    for (const [i, n] of body.notes.entries()) {
      if (!Array.isArray(n) || n.length !== 2) return bad(`notes[${i}] must be a [freq, ms] pair`);
      const freq = n[0] === 0 ? ok(0) : numberIn(n[0], `notes[${i}] frequency`, MIN_HZ, MAX_HZ);
      if (!freq.ok) return bad(`${freq.why} (or 0 for a rest)`);
      const ms = numberIn(n[1], `notes[${i}] duration (ms)`, 1, MAX_NOTE_MS, true);
      if (!ms.ok) return ms;
      total += ms.value;
      notes.push([freq.value, ms.value]);
    }
    if (total > MAX_TOTAL_MS) return bad(`the notes last ${total} ms in all; at most ${MAX_TOTAL_MS}`);
    return ok(notes);
  }
  const freq = numberIn(body.freq, "freq", MIN_HZ, MAX_HZ);
  if (!freq.ok) return freq;
  const ms = numberIn(body.ms, "ms", 1, MAX_NOTE_MS, true);
  if (!ms.ok) return ms;
  return ok([[freq.value, ms.value]]);
}

export function speakerResource(board: () => Board | string): Resource {
  return defineResource({
    name: "speaker",
    kind: "speaker",
    units: "Hz",
    description: 'POST {"freq":440,"ms":200}, {"notes":[[440,200],[0,50]]} or {"stop":true}; GET: what plays',
    get: withDevice(board, (b, c) => c.reply.json(b.speaker())),
    post: withDevice(board, (b, c) => {
      const command = speakerCommand(c.body());
      if (!command.ok) return c.reply.error("bad-value", command.why);
      b.play(command.value);
      return c.reply.json(b.speaker());
    }),
  });
}
