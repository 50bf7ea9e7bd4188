/**
 * @module `POST /?scpi` (issue 10): SCPI program messages in a `text/plain` body, one per line; the responses come
 * back as `text/plain`, one line per query, so a page or `curl` uses the same commands as lab software. Each host
 * keeps its interpreter (error queue, status registers) between requests, as a connection would. Over HTTP nothing
 * waits: `*OPC?` answers at once.
 */
import type { HttpRequest, Reply } from "../http/types.ts";
import { dynamicReply } from "../http/reply.ts";
import type { WordHandler } from "../httap/httap-domain.ts";
import { refusal } from "../httap/httap-error.ts";
import { JSON_TYPE_LINE, NO_CACHE_LINE } from "../httap/protocol.ts";
import type { Session } from "../httap/session.ts";
import type { ScpiCommands } from "./scpi-commands.ts";
import { ScpiInterpreter } from "./scpi-interpreter.ts";

/** Hosts whose interpreter is kept; the oldest is forgotten beyond this (one owner at a time needs few). */
const MAX_HOSTS = 16;
const TEXT_LINES = "Content-Type: text/plain; charset=utf-8\r\n";

export function scpiOverHttp(commands: ScpiCommands): WordHandler {
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
  return (request: HttpRequest, session: Session, cors: string): Reply => {
    if (request.method !== "POST") {
      return refusal(`${session.idLine}${JSON_TYPE_LINE}${NO_CACHE_LINE}Allow: POST\r\n${cors}`, "method-not-allowed", 'SCPI takes POST with program messages in the body, such as "*IDN?"');
    }
    const interpreter = interpreterFor(request.remoteAddress);
    const out: string[] = [];
    for (const line of Buffer.from(request.body).toString("latin1").split(/\r?\n/)) {
      if (line.trim() === "") continue;
      out.push(...interpreter.run(line, false).responses);
    }
    return dynamicReply(200, `${session.idLine}${TEXT_LINES}${NO_CACHE_LINE}${cors}`, out.map((r) => `${r}\n`).join(""));
  };
}
