/**
 * @module The addresses a person can type to reach this device: printed at start, served by `/?device` for the
 * dashboard's QR code (issue 18: the device's own address, not the one the first browser happened to use).
 */
import { nodeOs } from "./os/node-builtins.ts";

/** Every non-loopback address of this device on `port`, or the one address listened on; localhost when none. */
export function deviceUrls(host: string, port: number): string[] {
  const wildcard = host === "::" || host === "0.0.0.0";
  if (!wildcard) return [`http://${host.includes(":") ? `[${host}]` : host}:${port}/`];
  const urls: string[] = [];
  for (const addresses of Object.values(nodeOs().networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (a.internal || (host === "0.0.0.0" && a.family !== "IPv4")) continue;
      if (a.family === "IPv6" && a.address.startsWith("fe80")) continue; // link-local needs a zone id: not typeable
      urls.push(a.family === "IPv6" ? `http://[${a.address}]:${port}/` : `http://${a.address}:${port}/`);
    }
  }
  // IPv4 first: shorter to type, and what a phone on the hotspot uses
  urls.sort((a, b) => Number(a.startsWith("http://[")) - Number(b.startsWith("http://[")));
  return urls;
}
