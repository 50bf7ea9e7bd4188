/**
 * @module `POST /?loopback[?name=file.ext]`: the body comes back as it was sent, with the request's Content-Type,
 * so page JavaScript can "save" data as a file through the browser's download (the seed's loopback service).
 */

/** A name a browser will save: printable, no path separators or quotes, at most this many characters. */
const MAX_FILE_NAME_LENGTH = 255;
const FORBIDDEN_IN_NAME = /[\u0000-\u001f\u007f/\\"]/;

export type LoopbackResult =
  | { readonly ok: true; readonly headerLines: string; readonly body: Uint8Array }
  | { readonly ok: false; readonly message: string };

/**
 * The echo of `body`. It is copied: the request body is a view into the connection's receive buffer, which the
 * engine may reuse before a large reply has been fully sent.
 */
export function loopback(body: Uint8Array, contentType: string | undefined, fileName: string | null): LoopbackResult {
  let lines = `Content-Type: ${contentType ?? "application/octet-stream"}\r\n`;
  if (fileName !== null) {
    if (
      fileName === "" ||
      fileName.length > MAX_FILE_NAME_LENGTH ||
      FORBIDDEN_IN_NAME.test(fileName) ||
      fileName === "." ||
      fileName === ".."
    ) {
      return {
        ok: false,
        message:
          `"${fileName}" is not a file name a browser can save ` +
          `(1-${MAX_FILE_NAME_LENGTH} characters, no / \\ " or control characters)`,
      };
    }
    lines += `Content-Disposition: ${contentDisposition(fileName)}\r\n`;
  }
  return { ok: true, headerLines: lines, body: body.slice() };
}

/** RFC 6266 §4.3: an ASCII `filename` for old clients, plus `filename*` (RFC 8187) when the name is not ASCII. */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, "_");
  if (ascii === name) return `attachment; filename="${name}"`;
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
