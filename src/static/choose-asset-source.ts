/** @module Picks the one asset source for this run, once, at start (STYLE rule 15). */
import type { AssetSource, Warn } from "./asset-source.ts";
import { DirectorySource } from "./directory-source.ts";
import { EmbeddedSource } from "./embedded-source.ts";

/** HTTAP_STATICPATH wins; otherwise the pages shipped with httap (embedded, or the checkout's folder). */
export function chooseAssetSource(staticPath: string | null, warn: Warn): AssetSource {
  return staticPath === null ? new EmbeddedSource(warn) : new DirectorySource(staticPath, warn);
}
