/**
 * @module Baseline server for the benchmark: `Bun.serve` answering the bench files from memory with prebuilt static
 * Responses. Compiled by `workspace.ts` into its own executable (never imported), so start-up time and RSS compare
 * a compiled binary with a compiled binary. Reads `BENCH_DIR` (the web root) and `PORT` (0: any free port).
 */
import { readFileSync } from "node:fs";

const dir = process.env.BENCH_DIR;
if (dir === undefined || dir === "") throw new Error("baseline-server: BENCH_DIR must name the web root");

const file = (name: string, type: string) => new Response(new Uint8Array(readFileSync(`${dir}/${name}`)), { headers: { "Content-Type": type } });

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  routes: {
    "/": file("index.html", "text/html; charset=utf-8"),
    "/index.html": file("index.html", "text/html; charset=utf-8"),
    "/one-kb.txt": file("one-kb.txt", "text/plain; charset=utf-8"),
    "/one-mb.bin": file("one-mb.bin", "application/octet-stream"),
    // Counterpart of HTTaP GET /?ping: a dynamic JSON reply, never cached.
    "/ping": () => Response.json({ Remain: 15, Timeout: 15 }, { headers: { "Cache-Control": "no-cache, no-store, must-revalidate" } }),
  },
  fetch: () => new Response("not found", { status: 404 }),
});
console.log(`baseline listening on port ${server.port}`);
