/**
 * @module Vendors the browser libraries the pages use into `assets/vendor/`, bundled and minified by Bun, so the
 * pages need no CDN and the binary embeds them like any asset. Today one: `uqr` (unjs; zero dependencies, ESM, SVG
 * output, MIT), for the dashboard's QR code of its own address. A QR encoder is fiddly to get right (masking,
 * error correction, version choice); a small well-used library beats one of our own. Run after changing its version:
 *
 *   bun scripts/vendor.ts
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const OUT = join(ROOT, "assets/vendor/uqr.js");
const version = (await Bun.file(join(ROOT, "node_modules/uqr/package.json")).json()).version as string;
const result = await Bun.build({
  entrypoints: [join(ROOT, "node_modules/uqr/dist/index.mjs")],
  target: "browser",
  format: "esm",
  minify: true,
});
if (!result.success) throw new Error(`bundling uqr failed: ${result.logs.join("\n")}`);
const code = await result.outputs[0].text();
writeFileSync(OUT, `/* uqr ${version} (MIT; the npm package uqr, by unjs), bundled by scripts/vendor.ts */\n${code}`);
console.log(`vendor: ${OUT} (${code.length} bytes)`);
