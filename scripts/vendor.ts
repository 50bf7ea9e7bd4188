/**
 * @module Vendors the browser libraries the pages use into `assets/vendor/`, bundled and minified by Bun, so the
 * pages need no CDN and the binary embeds them like any asset. Each is loaded only by the page that needs it:
 * - `uqr` (unjs; zero dependencies, ESM, SVG output, MIT), for the dashboard's QR code of its own address. A QR
 *   encoder is fiddly to get right (masking, error correction, version choice); a small well-used library beats one
 *   of our own.
 * - `blockly` (Apache-2.0; Google's block editor, the one Scratch's and MakeCode's editors are built on) with its
 *   standard blocks, JavaScript generator and English messages, for the Code page (issue 20): `scripts/vendor/
 *   blockly-entry.js`.
 * - CodeMirror 6 (`@codemirror/view`, `state`, `commands`, `language`, `lang-javascript`, `lint`; MIT; small ES
 *   modules, touch friendly, maintained), for the Code page's JavaScript editor, and its Lezer parser, with which the runner marks
 *   syntax errors and instruments loops: `scripts/vendor/codemirror-entry.js`.
 * Run after changing a version:
 *
 *   bun scripts/vendor.ts
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const version = async (pkg: string) => (await Bun.file(join(ROOT, "node_modules", pkg, "package.json")).json()).version as string;

async function vendor(out: string, entry: string, banner: string): Promise<void> {
  const result = await Bun.build({ entrypoints: [join(ROOT, entry)], target: "browser", format: "esm", minify: true });
  if (!result.success) throw new Error(`bundling ${entry} failed: ${result.logs.join("\n")}`);
  const code = await result.outputs[0].text();
  const path = join(ROOT, "assets/vendor", out);
  writeFileSync(path, `/* ${banner}, bundled by scripts/vendor.ts */\n${code}`);
  console.log(`vendor: ${path} (${code.length} bytes)`);
}

await vendor("uqr.js", "node_modules/uqr/dist/index.mjs", `uqr ${await version("uqr")} (MIT; the npm package uqr, by unjs)`);
await vendor("blockly.js", "scripts/vendor/blockly-entry.js", `Blockly ${await version("blockly")} (Apache-2.0; the npm package blockly)`);
const view = await version("@codemirror/view");
const cm = `@codemirror/view ${view}, @codemirror/lang-javascript ${await version("@codemirror/lang-javascript")}`;
await vendor("codemirror.js", "scripts/vendor/codemirror-entry.js", `CodeMirror 6 (${cm}; MIT)`);

// Blockly's pictures (the trash can, the zoom buttons, a dropdown's arrow, its cursors), served from the device: the
// page sets `media` to this folder (Blockly's default is a Google server). Its sounds are left out: the page turns them off.
const media = join(ROOT, "assets/vendor/blockly-media");
mkdirSync(media, { recursive: true });
for (const file of readdirSync(join(ROOT, "node_modules/blockly/media"))) {
  if (!file.endsWith(".mp3")) copyFileSync(join(ROOT, "node_modules/blockly/media", file), join(media, file));
}
console.log(`vendor: ${media} (Blockly's pictures)`);
