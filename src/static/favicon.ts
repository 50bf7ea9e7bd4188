/**
 * @module The built-in favicon, answered for `/favicon.ico` when the pages bring none, so a browser never logs a 404
 * for it. A 16×16 32-bit BMP inside an ICO container (the format every browser reads), drawn from the character
 * art below: a white toy car on a teal tile. 1150 bytes, built once at start.
 */

const SIZE_PX = 16;
/** "." transparent, "#" tile, "o" car body, "x" wheels. */
const ART = [
  "..############..",
  ".##############.",
  "################",
  "################",
  "#####oooooo#####",
  "####o###o###o###",
  "###o####o####o##",
  "#oooooooooooooo#",
  "#oooooooooooooo#",
  "#oooooooooooooo#",
  "#ooxxxoooooxxxo#",
  "##xxxxx##xxxxx##",
  "###xxx####xxx###",
  "################",
  ".##############.",
  "..############..",
] as const;

/** RGBA of each art character. */
const PALETTE: ReadonlyMap<string, readonly [number, number, number, number]> = new Map([
  [".", [0, 0, 0, 0]],
  ["#", [0x0f, 0x76, 0x6e, 0xff]],
  ["o", [0xff, 0xff, 0xff, 0xff]],
  ["x", [0x1f, 0x29, 0x37, 0xff]],
]);

const ICONDIR_BYTES = 6;
const ICONDIRENTRY_BYTES = 16;
const BITMAPINFOHEADER_BYTES = 40;
const PIXEL_BYTES = SIZE_PX * SIZE_PX * 4;
/** The 1-bit AND mask still follows the pixels; each row is padded to 32 bits. Alpha makes it unused: all zeros. */
const AND_MASK_BYTES = Math.ceil(SIZE_PX / 32) * 4 * SIZE_PX;

/** The complete .ico file. */
export function builtInFavicon(): Uint8Array {
  const imageBytes = BITMAPINFOHEADER_BYTES + PIXEL_BYTES + AND_MASK_BYTES;
  const ico = new Uint8Array(ICONDIR_BYTES + ICONDIRENTRY_BYTES + imageBytes);
  const view = new DataView(ico.buffer);
  // ICONDIR: reserved, type 1 = icon, one image.
  view.setUint16(0, 0, true);
  view.setUint16(2, 1, true);
  view.setUint16(4, 1, true);
  // ICONDIRENTRY: width, height, no palette, reserved, 1 plane, 32 bits per pixel, size and offset of the image.
  let at = ICONDIR_BYTES;
  view.setUint8(at, SIZE_PX);
  view.setUint8(at + 1, SIZE_PX);
  view.setUint16(at + 4, 1, true);
  view.setUint16(at + 6, 32, true);
  view.setUint32(at + 8, imageBytes, true);
  view.setUint32(at + 12, ICONDIR_BYTES + ICONDIRENTRY_BYTES, true);
  // BITMAPINFOHEADER: the height counts the pixel rows and the mask rows, hence twice the size.
  at += ICONDIRENTRY_BYTES;
  view.setUint32(at, BITMAPINFOHEADER_BYTES, true);
  view.setInt32(at + 4, SIZE_PX, true);
  view.setInt32(at + 8, SIZE_PX * 2, true);
  view.setUint16(at + 12, 1, true);
  view.setUint16(at + 14, 32, true);
  view.setUint32(at + 20, PIXEL_BYTES + AND_MASK_BYTES, true);
  // Pixels, bottom row first, in B G R A order.
  at += BITMAPINFOHEADER_BYTES;
  for (let row = SIZE_PX - 1; row >= 0; row--) {
    for (const cell of ART[row]) {
      const [r, g, b, a] = PALETTE.get(cell)!;
      ico.set([b, g, r, a], at);
      at += 4;
    }
  }
  return ico;
}
