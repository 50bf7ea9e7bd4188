/**
 * @module Fleet members accept each other's pages (issue 21): a request from a live peer's origin to `/?fleet`,
 * `/?queue` or `/?leader` (and only those) is answered with CORS lines for that origin, and preflights for them are
 * answered here; everything else goes to HTTaP as it came, under the configured policy.
 */
import { dynamicReply } from "../http/reply.ts";
import type { HttpRequest, Reply, RequestHandler } from "../http/types.ts";

const FLEET_WORDS = new Set(["fleet", "queue", "leader"]);
const PREFLIGHT_MAX_AGE_S = 600;

export function fleetCors(httap: RequestHandler, isPeerOrigin: (origin: string) => boolean): RequestHandler {
  return (request: HttpRequest): Reply => {
    // most requests carry no Origin (a page's own GETs): they pass on before anything else is read
    const origin = request.header("origin");
    if (origin === undefined) return httap(request);
    const word = (request.query ?? "").split(/[/?]/, 1)[0];
    if (!FLEET_WORDS.has(word) || isSameOrigin(origin, request.header("host")) || !isPeerOrigin(origin)) return httap(request);
    const allow = `Access-Control-Allow-Origin: ${origin}\r\nVary: Origin\r\nAccess-Control-Expose-Headers: HTTaP-Session\r\n`;
    if (request.method === "OPTIONS") {
      return dynamicReply(
        204,
        `${allow}Access-Control-Allow-Methods: GET, HEAD, POST, OPTIONS\r\n` +
          `Access-Control-Allow-Headers: Content-Type, Accept, Authorization\r\nAccess-Control-Max-Age: ${PREFLIGHT_MAX_AGE_S}\r\n`,
        "",
      );
    }
    // HTTaP sees the request as a page of its own would send it; the peer's origin is named in the reply
    const reply = httap(withoutOrigin(request));
    if (reply.kind !== "dynamic") return reply;
    return dynamicReply(reply.status, reply.headers + allow, reply.body);
  };
}

function withoutOrigin(r: HttpRequest): HttpRequest {
  return {
    method: r.method,
    isHead: r.isHead,
    target: r.target,
    path: r.path,
    query: r.query,
    version: r.version,
    body: r.body,
    remoteAddress: r.remoteAddress,
    connectionId: r.connectionId,
    header: (name) => (name === "origin" ? undefined : r.header(name)),
  };
}

function isSameOrigin(origin: string, host: string | undefined): boolean {
  const sep = origin.indexOf("://");
  return host !== undefined && sep > 0 && origin.slice(sep + 3).toLowerCase() === host.toLowerCase();
}
