/**
 * @module The static cache as `scripts/build.ts` leaves it in the binary: the arena and the index that says where
 * each response lies, in one blob. The binary starts by copying that blob and reading its index, where it used to read
 * every page and its compressed variants, hash them and lay them out again (issue 22: 15-20 ms of each start-up on
 * x64, and ~3 MiB of resident copies made on the way).
 *
 * Layout: "HTTAPSC1" (magic and format version), the index's length in bytes (u32, little-endian), the index (JSON,
 * UTF-8: `FileLayout[]`), zeros up to a multiple of ARENA_ALIGNMENT_BYTES, then the arena. Each range of the index
 * counts from the arena's first byte, so the arena keeps its alignment inside the image.
 */
import { ARENA_ALIGNMENT_BYTES } from "./arena.ts";
import type { FileLayout, PackedCache } from "./static-cache.ts";

const MAGIC = "HTTAPSC1";
const CODINGS: ReadonlySet<unknown> = new Set(["identity", "gzip", "br"]);
const INDEX_AT = MAGIC.length + 4;

/** The image of a packed cache, ready to embed. */
export function encodeCacheImage(packed: PackedCache): Uint8Array {
  const encoder = new TextEncoder();
  const index = encoder.encode(JSON.stringify(packed.files));
  const arenaAt = Math.ceil((INDEX_AT + index.length) / ARENA_ALIGNMENT_BYTES) * ARENA_ALIGNMENT_BYTES;
  const image = new Uint8Array(arenaAt + packed.arena.length);
  image.set(encoder.encode(MAGIC));
  new DataView(image.buffer).setUint32(MAGIC.length, index.length, true);
  image.set(index, INDEX_AT);
  image.set(packed.arena, arenaAt);
  return image;
}

/**
 * The packed cache in an image: the arena is a view into `image`, nothing is copied. A damaged or foreign image
 * throws with what is wrong: it comes from our own build or our own child, so this is a broken binary, not bad input.
 */
export function decodeCacheImage(image: Uint8Array): PackedCache {
  const fail = (what: string): never => {
    throw new Error(`the static cache image is damaged (${what}); an embedded one needs a rebuild (scripts/build.ts)`);
  };
  if (image.length < INDEX_AT || new TextDecoder().decode(image.subarray(0, MAGIC.length)) !== MAGIC)
    fail(`it does not start with ${MAGIC}`);
  const indexLength = new DataView(image.buffer, image.byteOffset, image.length).getUint32(MAGIC.length, true);
  const arenaAt = Math.ceil((INDEX_AT + indexLength) / ARENA_ALIGNMENT_BYTES) * ARENA_ALIGNMENT_BYTES;
  if (arenaAt > image.length) fail(`its index of ${indexLength} bytes runs past its end`);
  let files: FileLayout[];
  try {
    files = JSON.parse(new TextDecoder().decode(image.subarray(INDEX_AT, INDEX_AT + indexLength)));
  } catch (error) {
    return fail(`its index is not JSON: ${(error as Error).message}`);
  }
  const arena = image.subarray(arenaAt);
  // One loop with the checks written out, no helper called per range: a small function called a few hundred times at
  // start is compiled by JSC's optimizing tier, whose code then stays resident in an idle server (see cached-files.ts).
  if (!Array.isArray(files)) fail("its index is not a list of files");
  for (const file of files) {
    if (typeof file?.path !== "string" || typeof file.partialHeaders !== "string" || !Array.isArray(file.variants))
      fail("a file has no path, partial headers or variants");
    if (file.variants[0]?.coding !== "identity") fail(`${file.path} does not start with its identity`);
    let isAnyLazy = false;
    let hasGzip = false;
    for (const v of file.variants) {
      if (!CODINGS.has(v?.coding) || typeof v.etag !== "string" || typeof v.isLazy !== "boolean")
        fail(`a variant of ${file.path} has no coding, tag or laziness`);
      isAnyLazy ||= v.isLazy;
      hasGzip ||= v.coding === "gzip";
      for (const r of [v.ok, v.notModified]) {
        const isInside =
          r !== undefined &&
          Number.isSafeInteger(r.offset) &&
          Number.isSafeInteger(r.length) &&
          Number.isSafeInteger(r.headLength) &&
          r.offset >= 0 &&
          r.headLength >= 0 &&
          r.headLength <= r.length &&
          r.offset + r.length <= arena.length;
        if (!isInside) fail(`a response of ${file.path} lies outside the arena`);
      }
    }
    if (isAnyLazy && !hasGzip) fail(`${file.path} has a lazy identity but no gzip body to make it from`);
  }
  return { arena, files };
}
