/**
 * @module Calling an application routine for `/?NAME[/selector][?params]`: lookup, method, selector, the call
 * itself, and turning what it returns (or throws) into a reply. A routine that throws gets the client a 500 and
 * leaves the server as it was: the session was settled before the call and nothing else is held across it.
 */
import type { HttpRequest, Reply } from "../http/types.ts";
import { dynamicReply } from "../http/reply.ts";
import type { ResourceRegistry } from "./resource-registry.ts";
import type { Session } from "../owner/session.ts";
import type { HttapSession } from "./httap-session.ts";
import { parseSelector, paramValue } from "./resource-address.ts";
import type { Address } from "./resource-address.ts";
import { BadJsonBody, RequestResourceContext } from "./resource-context.ts";
import type { ResourceReply } from "./resource-context.ts";
import { refusal, type HttapErrorCode } from "./httap-error.ts";
import type { Resource } from "./resource.ts";
import { HYX_MEDIA_TYPE, NO_CACHE_LINE, NO_SESSION_ID } from "./protocol.ts";

const NO_SESSION_LINE = `HTTaP-Session: ${NO_SESSION_ID}\r\n`;
const HYX_TYPE_LINE = `Content-Type: ${HYX_MEDIA_TYPE}; charset=us-ascii\r\n`;

/** What calling a routine came to: its reply, or a refusal from the closed set (with the details to show). */
export type Invocation =
  | { readonly kind: "reply"; readonly reply: ResourceReply; readonly resource: Resource }
  | {
      readonly kind: "refused";
      readonly code: HttapErrorCode;
      readonly message: string;
      readonly details: Record<string, unknown>;
      readonly extraLines?: string;
    };

/**
 * Calls the routine of `name[/selectorText]` for `method` with `body`, as the owner `session` (null: a viewer's read): lookup, method,
 * selector, the call, a thrown error or a missing reply turned into a refusal, the change noted after a write.
 * HTTaP (`callResource`) and the SCPI front end (`RESource`) both come through here, so a user resource behaves the
 * same whichever way it is reached.
 */
export function invokeResource(
  registry: ResourceRegistry,
  log: (line: string) => void,
  name: string,
  selectorText: string | null,
  method: string,
  body: Uint8Array,
  session: Session | null,
  wantsHyx: (resource: Resource) => boolean = () => false,
): Invocation {
  const resource = registry.lookup(name);
  const shownName = selectorText === null ? name : `${name}/${selectorText}`;
  if (resource === undefined)
    return { kind: "refused", code: "not-found", message: `no resource named "${name}" (see /?list)`, details: { resource: name } };
  const isRead = method === "GET" || method === "HEAD";
  const routine = isRead ? resource.get : method === "POST" ? resource.post : null;
  if (routine === null) {
    return {
      kind: "refused",
      code: "method-not-allowed",
      message: `${method} is not allowed on "${resource.name}"`,
      details: { resource: resource.name },
      extraLines: resource.allowLine,
    };
  }
  const parsed = parseSelector(resource, selectorText);
  if (!parsed.ok) return { kind: "refused", code: parsed.code, message: parsed.message, details: { resource: shownName } };
  const context = new RequestResourceContext(
    resource.name,
    isRead ? "GET" : "POST",
    parsed.selector,
    session?.info() ?? null,
    resource.rangeSize > 0 && wantsHyx(resource),
    body,
  );
  let reply: ResourceReply;
  try {
    reply = routine(context);
  } catch (e) {
    if (e instanceof BadJsonBody) {
      const { offset, line, column, reason } = e.result;
      return { kind: "refused", code: "bad-json", message: e.message, details: { resource: shownName, offset, line, column, reason } };
    }
    log(`httap: routine ${method} ${shownName} threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return {
      kind: "refused",
      code: "routine-failed",
      message: `the ${method} routine of "${resource.name}" failed: ${e instanceof Error ? e.message : String(e)}`,
      details: { resource: shownName },
    };
  }
  if (reply === null || typeof reply !== "object" || reply.kind !== "resource-reply") {
    log(`httap: routine ${method} ${shownName} returned no reply (use context.reply.json() and friends)`);
    return {
      kind: "refused",
      code: "routine-failed",
      message: `the ${method} routine of "${resource.name}" returned no reply`,
      details: { resource: shownName },
    };
  }
  if (reply.errorCode !== null) return { kind: "refused", code: reply.errorCode, message: reply.body, details: { resource: shownName } };
  if (!isRead) resource.changed(); // a successful write changed the value, as far as /?changes can know
  return { kind: "reply", reply, resource };
}

export function callResource(
  registry: ResourceRegistry,
  log: (line: string) => void,
  request: HttpRequest,
  address: Address,
  session: HttapSession | null,
  lines: string,
  cors: string,
): Reply {
  const wantsHyx = () => paramValue(address.params, "hyx") !== null || (request.header("accept")?.includes(HYX_MEDIA_TYPE) ?? false);
  const r = invokeResource(
    registry,
    log,
    address.name,
    address.selectorText,
    request.method,
    request.body,
    session?.session ?? null,
    wantsHyx,
  );
  if (r.kind === "refused") return refusal(lines + (r.extraLines ?? ""), r.code, r.message, r.details);
  if (r.reply.format === "hyx")
    return dynamicReply(r.reply.status, `${session?.idLine ?? NO_SESSION_LINE}${HYX_TYPE_LINE}${NO_CACHE_LINE}${cors}`, r.reply.body);
  return dynamicReply(r.reply.status, lines, r.reply.body);
}
