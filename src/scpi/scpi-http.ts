/**
 * @module `POST /?scpi` (issue 10): SCPI program messages in a `text/plain` body, one per line; the responses come
 * back as `text/plain`, one line per query, so a page or `curl` uses the same commands as lab software. Each host
 * keeps its interpreter (error queue, status registers) between requests, as a connection would. Over HTTP nothing
 * waits: `*OPC?` answers at once.
 */
import { dynamicReply } from "../http/reply.ts";
import { NO_CACHE_LINE } from "../httap/protocol.ts";
import type { OwnerWord } from "../httap/vocabulary.ts";
import type { ScpiCommands } from "./scpi-commands.ts";
import { ScpiInterpreter } from "./scpi-interpreter.ts";

/** Hosts whose interpreter is kept; the oldest is forgotten beyond this (one owner at a time needs few). */
const MAX_HOSTS = 16;
const TEXT_LINES = "Content-Type: text/plain; charset=utf-8\r\n";

/** The `scpi` word of the HTTaP vocabulary: POST only, for the session owner, offered as the "SCPI" service. */
export function scpiOverHttp(commands: ScpiCommands): OwnerWord {
  const byHost = new Map<string, ScpiInterpreter>();
  const interpreterFor = (host: string) => {
    let i = byHost.get(host);
    if (i === undefined) {
      if (byHost.size >= MAX_HOSTS) byHost.delete(byHost.keys().next().value!);
      i = new ScpiInterpreter(commands, host);
      byHost.set(host, i);
    }
    return i;
  };
  return {
    name: "scpi",
    access: "owner",
    methods: ["POST"],
    service: "SCPI",
    handle: ({ request, session, cors }) => {
      const interpreter = interpreterFor(request.remoteAddress);
      const out: string[] = [];
      for (const line of Buffer.from(request.body).toString("latin1").split(/\r?\n/)) {
        if (line.trim() === "") continue;
        out.push(...interpreter.run(line, false).responses);
      }
      return dynamicReply(200, `${session.idLine}${TEXT_LINES}${NO_CACHE_LINE}${cors}`, out.map((r) => `${r}\n`).join(""));
    },
  };
}
