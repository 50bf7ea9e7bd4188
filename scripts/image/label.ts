/**
 * @module The printable label (issue 9): the device's name, its URL with a QR code of it, and with a hotspot a
 * Wi-Fi QR code phone cameras join, plus the hotspot's address for phones that cannot resolve `.local` names.
 * 90 × 55 mm (a business card), black on white, one SVG without fonts to fetch (generic font families only).
 * The QR matrices come from `uqr` (the package the dashboard's vendored QR uses too).
 */
import { encode } from "uqr";

const QUIET_MODULES = 4; // the quiet zone ISO/IEC 18004 asks for around a symbol

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** One QR code as a <g> of `sizeMm` square at (x, y), dark modules as one path. */
function qrGroup(text: string, x: number, y: number, sizeMm: number): string {
  const qr = encode(text, { ecc: "M", border: 0 });
  const modules = qr.size + 2 * QUIET_MODULES;
  const scale = sizeMm / modules;
  let d = "";
  qr.data.forEach((row, r) =>
    row.forEach((dark, c) => {
      if (dark) d += `M${c + QUIET_MODULES} ${r + QUIET_MODULES}h1v1h-1z`;
    }),
  );
  return (
    `<g transform="translate(${x} ${y}) scale(${scale.toFixed(5)})">` +
    `<rect width="${modules}" height="${modules}" fill="#fff"/><path d="${d}" fill="#000" shape-rendering="crispEdges"/></g>`
  );
}

export interface LabelOptions {
  readonly name: string;
  readonly url: string;
  readonly wifi: { readonly ssid: string; readonly qrText: string; readonly hotspotUrl: string } | null;
}

export function labelSvg(o: LabelOptions): string {
  const width = 90;
  const height = 55;
  const qr = 30;
  const parts = [
    `<rect width="${width}" height="${height}" rx="3" fill="#fff" stroke="#000" stroke-width="0.3"/>`,
    `<text x="4" y="9" font-family="sans-serif" font-size="6" font-weight="bold">${escapeXml(o.name)}</text>`,
  ];
  if (o.wifi === null) {
    parts.push(qrGroup(o.url, 4, 13, qr));
    parts.push(`<text x="38" y="22" font-family="sans-serif" font-size="3.2">Open in a browser:</text>`);
    parts.push(`<text x="38" y="28" font-family="monospace" font-size="2.8">${escapeXml(o.url)}</text>`);
  } else {
    parts.push(qrGroup(o.wifi.qrText, 4, 13, qr));
    parts.push(qrGroup(o.url, 56, 13, qr));
    parts.push(
      `<text x="19" y="47" text-anchor="middle" font-family="sans-serif" font-size="3">1. join Wi-Fi ${escapeXml(o.wifi.ssid)}</text>`,
    );
    parts.push(`<text x="71" y="47" text-anchor="middle" font-family="sans-serif" font-size="3">2. open the page</text>`);
    parts.push(
      `<text x="4" y="52" font-family="monospace" font-size="2.4">${escapeXml(o.url)}  or  ${escapeXml(o.wifi.hotspotUrl)}</text>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}mm" height="${height}mm" viewBox="0 0 ${width} ${height}">
<title>${escapeXml(o.name)}: ${escapeXml(o.url)}</title>
${parts.join("\n")}
</svg>
`;
}
