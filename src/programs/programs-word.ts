/**
 * @module `/?programs` (issue 20): the participants' programs, kept on the device. Open to anyone, like `/?queue`:
 * twenty people code at once while one drives, so saving takes nobody's turn and opens no session.
 * - `GET /?programs`: `{"programs":[{"name","bytes"}],"starters":[names],"limits":{…}}`;
 * - `GET /?programs?name=NAME`: one program `{"name","mode","code","blocks"}` (a starter too);
 * - `POST /?programs` with a program: saved (atomically, off the loop; reads see it at once);
 * - `POST /?programs` with `{"delete":"NAME"}`: removed.
 * Every refusal is a 4xx with `{"error","message"}` and writes nothing. Offered only with a state directory (503
 * `state-off` in the moment before the store is open).
 */
import { dynamicReply } from "../http/reply.ts";
import type { Reply } from "../http/types.ts";
import { NO_SESSION_LINES } from "../httap/core-words.ts";
import { decodeJsonBody, isJsonObject } from "../httap/json-body.ts";
import { paramValue } from "../httap/resource-address.ts";
import type { PublicWord } from "../httap/vocabulary.ts";
import { MAX_PROGRAM_BYTES, MAX_PROGRAM_NAME_CHARS, MAX_PROGRAMS } from "./program-limits.ts";
import { checkProgram, type ProgramRefusalCode, type ProgramStore } from "./program-store.ts";
import { STARTERS } from "./starters.ts";

const STATUS: Readonly<Record<ProgramRefusalCode | "bad-json", number>> = {
  "bad-json": 400,
  "bad-name": 400,
  "bad-program": 400,
  "read-only": 403,
  "not-found": 404,
  "program-too-large": 413,
  "too-many-programs": 409,
  "programs-full": 409,
  "state-off": 503,
};

const LIMITS = { nameChars: MAX_PROGRAM_NAME_CHARS, bytes: MAX_PROGRAM_BYTES, programs: MAX_PROGRAMS };

export function programsWord(programs: ProgramStore): PublicWord {
  return {
    name: "programs",
    access: "public",
    methods: ["GET", "POST"],
    service: "Programs",
    handle: ({ request, cors, params }) => {
      const lines = NO_SESSION_LINES + cors;
      const ok = (value: unknown): Reply => dynamicReply(200, lines, JSON.stringify(value));
      const no = (code: ProgramRefusalCode | "bad-json", message: string): Reply =>
        dynamicReply(STATUS[code], lines, JSON.stringify({ error: code, message }));
      if (request.method !== "POST") {
        const name = paramValue(params, "name");
        if (name === null) {
          const list = programs.list();
          const starters = STARTERS.map((s) => s.name);
          if (!list.ok)
            return list.code === "state-off"
              ? ok({ programs: [], starters, limits: LIMITS, off: list.message })
              : no(list.code, list.message);
          return ok({ programs: list.value, starters, limits: LIMITS });
        }
        const loaded = programs.load(name);
        return loaded.ok ? ok(loaded.value) : no(loaded.code, loaded.message);
      }
      const body = decodeJsonBody(request.body);
      if (!body.ok) return no("bad-json", `the body is not JSON: ${body.reason}`);
      const value = body.value;
      if (isJsonObject(value) && "delete" in value) {
        const removed = programs.remove(String(value.delete));
        return removed.ok ? ok({ deleted: value.delete }) : no(removed.code, removed.message);
      }
      const program = checkProgram(value);
      if (!program.ok) return no(program.code, program.message);
      const saved = programs.save(program.value);
      return saved.ok ? ok({ saved: program.value.name, bytes: saved.value.bytes }) : no(saved.code, saved.message);
    },
  };
}
