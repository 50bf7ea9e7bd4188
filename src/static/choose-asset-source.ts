/** @module Picks the one asset source for this run, once, at start (STYLE rule 15). */
import type { AssetSource, Warn } from "./asset-source.ts";
import { DirectorySource } from "./directory-source.ts";
import { EmbeddedSource } from "./embedded-source.ts";
import { packedInChild } from "./child-packer.ts";

/**
 * HTTAP_STATICPATH wins; otherwise the pages shipped with httap (embedded, or the checkout's folder). The compiled
 * binary has a directory packed by a child of itself, so the compressor never stays resident (`child-packer.ts`).
 */
export function chooseAssetSource(staticPath: string | null, warn: Warn): AssetSource {
  if (staticPath === null) return new EmbeddedSource(warn);
  return Bun.isStandaloneExecutable ? packedInChild(staticPath, warn) : new DirectorySource(staticPath, warn);
}
