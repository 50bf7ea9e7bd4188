/**
 * @module Calling an application routine for `/?NAME[/selector][?params]`: lookup, method, selector, the call
 * itself, and turning what it returns (or throws) into a reply. A routine that throws gets the client a 500 and
 * leaves the server as it was: the session was settled before the call and nothing else is held across it.
 */
import type { HttpRequest, Reply } from "../http/types.ts";
import { dynamicReply } from "../http/reply.ts";
import type { ResourceRegistry } from "./resource-registry.ts";
import type { Session } from "./session.ts";
import { parseSelector, paramValue } from "./resource-address.ts";
import type { Address } from "./resource-address.ts";
import { BadJsonBody, RequestResourceContext } from "./resource-context.ts";
import type { ResourceReply } from "./resource-context.ts";
import { refusal } from "./httap-error.ts";
import { HYX_MEDIA_TYPE, NO_CACHE_LINE } from "./protocol.ts";

const HYX_TYPE_LINE = `Content-Type: ${HYX_MEDIA_TYPE}; charset=us-ascii\r\n`;

export function callResource(
  registry: ResourceRegistry, log: (line: string) => void, request: HttpRequest, address: Address,
  session: Session, lines: string, cors: string,
): Reply {
  const resource = registry.lookup(address.name);
  const shownName = address.selectorText === null ? address.name : `${address.name}/${address.selectorText}`;
  if (resource === undefined) return refusal(lines, "not-found", `no resource named "${address.name}" (see /?list)`, { resource: address.name });
  const isRead = request.method === "GET" || request.method === "HEAD";
  const routine = isRead ? resource.get : request.method === "POST" ? resource.post : null;
  if (routine === null) {
    return refusal(lines + resource.allowLine, "method-not-allowed", `${request.method} is not allowed on "${resource.name}"`, { resource: resource.name });
  }
  const parsed = parseSelector(resource, address.selectorText);
  if (!parsed.ok) return refusal(lines, parsed.code, parsed.message, { resource: shownName });
  const wantsHyx = resource.rangeSize > 0 &&
    (paramValue(address.params, "hyx") !== null || (request.header("accept")?.includes(HYX_MEDIA_TYPE) ?? false));
  const context = new RequestResourceContext(resource.name, isRead ? "GET" : "POST", parsed.selector, session.info(), wantsHyx, request.body);
  let reply: ResourceReply;
  try {
    reply = routine(context);
  } catch (e) {
    if (e instanceof BadJsonBody) {
      const { offset, line, column, reason } = e.result;
      return refusal(lines, "bad-json", e.message, { resource: shownName, offset, line, column, reason });
    }
    log(`httap: routine ${request.method} ${shownName} threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return refusal(lines, "routine-failed", `the ${request.method} routine of "${resource.name}" failed: ${e instanceof Error ? e.message : String(e)}`, { resource: shownName });
  }
  if (reply === null || typeof reply !== "object" || reply.kind !== "resource-reply") {
    log(`httap: routine ${request.method} ${shownName} returned no reply (use context.reply.json() and friends)`);
    return refusal(lines, "routine-failed", `the ${request.method} routine of "${resource.name}" returned no reply`, { resource: shownName });
  }
  if (reply.errorCode !== null) return refusal(lines, reply.errorCode, reply.body, { resource: shownName });
  if (!isRead) resource.changed(); // a successful write changed the value, as far as /?changes can know
  if (reply.format === "hyx") return dynamicReply(reply.status, `${session.idLine}${HYX_TYPE_LINE}${NO_CACHE_LINE}${cors}`, reply.body);
  return dynamicReply(reply.status, lines, reply.body);
}
