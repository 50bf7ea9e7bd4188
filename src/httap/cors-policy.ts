/**
 * @module Cross-origin rules for HTTaP replies (issue 3, CORS). Chosen once from the config:
 * - `none`: files are served and HTTAP_CORS is unset: pages come from this device, no CORS headers;
 * - `any`: no file server and HTTAP_CORS unset: pages come from elsewhere, `Access-Control-Allow-Origin: *`
 *   as the seed does;
 * - `echo-any` (HTTAP_CORS=*) and `list` (a comma list): echo a matching `Origin`, with `Vary: Origin`.
 * Writes (POST) from a foreign origin the policy does not allow are refused: a page on another site must not
 * drive the device through the owner's browser (DESIGN: nobody else can drive your car).
 */

type Mode = "none" | "any" | "echo-any" | "list";

/** Methods and request headers a preflight may ask for. */
const ALLOW_METHODS = "GET, HEAD, POST, OPTIONS";
const ALLOW_HEADERS = "Content-Type, Accept, HTTaP-Session";
/** Browsers may cache a preflight this long (s); short, since the policy is per run anyway. */
const PREFLIGHT_MAX_AGE_S = 600;
const EXPOSE_LINE = "Access-Control-Expose-Headers: HTTaP-Session\r\n";
const VARY_LINE = "Vary: Origin\r\n";
/** An Origin we would echo: scheme://host[:port] or "null", nothing that could break a header line. */
const ORIGIN_PATTERN = /^(null|[a-z][a-z0-9+.\-]*:\/\/[A-Za-z0-9.\-\[\]:]+)$/;

export class CorsPolicy {
  readonly #mode: Mode;
  readonly #linesByOrigin = new Map<string, string>(); // list mode: allowed origin → prebuilt header lines

  constructor(cors: null | "*" | readonly string[], files: boolean) {
    this.#mode = cors === null ? (files ? "none" : "any") : cors === "*" ? "echo-any" : "list";
    if (Array.isArray(cors)) {
      for (const o of cors) this.#linesByOrigin.set(o, allowLines(o));
    }
  }

  /** Header lines for an actual (non-preflight) reply to a request carrying `origin`. */
  replyLines(origin: string | undefined): string {
    switch (this.#mode) {
      case "none":
        return "";
      case "any":
        return `Access-Control-Allow-Origin: *\r\n${EXPOSE_LINE}`;
      case "echo-any":
        return origin !== undefined && ORIGIN_PATTERN.test(origin) ? allowLines(origin) : VARY_LINE;
      case "list":
        return (origin !== undefined && this.#linesByOrigin.get(origin)) || VARY_LINE;
    }
  }

  /**
   * May a request from `origin` write? Same-origin requests (Origin matches Host) and requests without Origin
   * (not from a browser page) always may; others only if the policy allows that origin.
   */
  allowsWrite(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.#isSameOrigin(origin, host)) return true;
    return this.#allows(origin);
  }

  /**
   * Header lines answering OPTIONS; `null` means refused (a preflight from an origin the policy does not allow).
   * Without `Access-Control-Request-Method` it is a plain OPTIONS and only `Allow` is said. `methods`: what the
   * target takes (a vocabulary word says; resources and unknown targets get every method HTTaP has).
   */
  preflightLines(origin: string | undefined, requestMethod: string | undefined, methods = ALLOW_METHODS): string | null {
    if (requestMethod === undefined || origin === undefined) return `Allow: ${methods}\r\n`;
    if (!this.#allows(origin)) return null;
    const allowOrigin =
      this.#mode === "any" ? "Access-Control-Allow-Origin: *\r\n" : `Access-Control-Allow-Origin: ${origin}\r\n${VARY_LINE}`;
    return (
      `${allowOrigin}Access-Control-Allow-Methods: ${methods}\r\nAccess-Control-Allow-Headers: ${ALLOW_HEADERS}\r\n` +
      `Access-Control-Max-Age: ${PREFLIGHT_MAX_AGE_S}\r\nAllow: ${methods}\r\n`
    );
  }

  #allows(origin: string): boolean {
    switch (this.#mode) {
      case "none":
        return false;
      case "any":
        return true;
      case "echo-any":
        return ORIGIN_PATTERN.test(origin);
      case "list":
        return this.#linesByOrigin.has(origin);
    }
  }

  #isSameOrigin(origin: string, host: string | undefined): boolean {
    if (host === undefined) return false;
    const sep = origin.indexOf("://");
    return sep > 0 && origin.slice(sep + 3).toLowerCase() === host.toLowerCase();
  }
}

function allowLines(origin: string): string {
  return `Access-Control-Allow-Origin: ${origin}\r\n${VARY_LINE}${EXPOSE_LINE}`;
}
