/**
 * @module Baseline server for the benchmark: `Bun.serve` answering every file of the web root from memory with
 * prebuilt static Responses. Compiled by `workspace.ts` into its own executable (never imported), so start-up time
 * and RSS compare a compiled binary with a compiled binary. Reads `BENCH_DIR` (the web root) and `PORT` (0: any
 * free port).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { mimeTypeFor } from "../../src/static/mime-types.ts";

const dir = process.env.BENCH_DIR;
if (dir === undefined || dir === "") throw new Error("baseline-server: BENCH_DIR must name the web root");

const file = (path: string) =>
  new Response(new Uint8Array(readFileSync(join(dir, path))), { headers: { "Content-Type": mimeTypeFor(path) } });

const routes: Record<string, Response | (() => Response)> = {};
for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
  if (e.isFile()) {
    const path = relative(dir, join(e.parentPath, e.name));
    routes[`/${path}`] = file(path);
  }
}
routes["/"] = routes["/index.html"];
// Counterpart of HTTaP GET /?ping: a dynamic JSON reply, never cached.
routes["/ping"] = () => Response.json({ Remain: 15, Timeout: 15 }, { headers: { "Cache-Control": "no-cache, no-store, must-revalidate" } });

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  routes,
  fetch: () => new Response("not found", { status: 404 }),
});
console.log(`baseline listening on port ${server.port}`);
