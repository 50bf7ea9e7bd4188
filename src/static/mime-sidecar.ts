/**
 * @module Media-type sidecars, the seed's way to serve a file whose extension says nothing: next to `a/b.bin` a file
 * `a/b.bin.mime` holds its media type as one line of text (e.g. `application/x-hyx; charset=utf-8`), which wins over
 * the extension table. Sidecars are metadata, never served themselves: every name ending in ".mime" is reserved.
 * The rule holds for both sources, so a page set tried out with HTTAP_STATICPATH behaves the same once embedded.
 */
import { ConfigError } from "../config.ts";
import type { AssetFile } from "./asset-source.ts";
import { mimeTypeFor } from "./mime-types.ts";
import { MAX_SIDECAR_BYTES } from "./static-limits.ts";

export const SIDECAR_SUFFIX = ".mime";

/** A file with the media type it is served as. */
export interface TypedAsset extends AssetFile {
  readonly mimeType: string;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
/**
 * `type/subtype` with optional `; name=value` parameters (RFC 9110 §8.3.1). Anything else, above all a CR or LF
 * that would let a sidecar inject header lines, is refused.
 */
const MEDIA_TYPE = new RegExp(`^${TOKEN}/${TOKEN}(?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|"[^"\\\\\\x00-\\x1f\\x7f]*"))*$`);

/** Drops the sidecars from `files` and gives every other file its media type. Throws `ConfigError` on a bad sidecar. */
export function applyMimeSidecars(files: readonly AssetFile[]): TypedAsset[] {
  const sidecars = new Map<string, AssetFile>();
  for (const file of files) {
    if (file.path.endsWith(SIDECAR_SUFFIX)) sidecars.set(file.path.slice(0, -SIDECAR_SUFFIX.length), file);
  }
  const typed: TypedAsset[] = [];
  for (const file of files) {
    if (file.path.endsWith(SIDECAR_SUFFIX)) continue;
    const sidecar = sidecars.get(file.path);
    typed.push({ ...file, mimeType: sidecar === undefined ? mimeTypeFor(file.path) : readSidecar(sidecar) });
  }
  return typed;
}

function readSidecar(sidecar: AssetFile): string {
  const text = sidecar.bytes.length <= MAX_SIDECAR_BYTES ? new TextDecoder().decode(sidecar.bytes).trim() : "";
  if (!MEDIA_TYPE.test(text)) {
    throw new ConfigError(
      `static files: ${sidecar.path} must hold one media type such as "text/plain; charset=utf-8" (at most ${MAX_SIDECAR_BYTES} bytes)`,
    );
  }
  return text;
}
