/**
 * @module The floor for the benchmark (issue 22): the least an HTTP server on `Bun.listen` can do, compiled like the
 * baseline (never imported). Every reply is prebuilt (head and body in one buffer, identity only) and found by the
 * exact request target; a request is whatever ends in a blank line (no body, no parsing beyond the target, the
 * version and a `Connection` word; HTTP/1.0 without keep-alive is closed after its answer, as `ab` needs). What
 * httap does on top of this (a strict parser, limits, deadlines, negotiation, sessions) is what its rows pay for;
 * this server's rows show what the runtime alone costs on the same machine in the same run.
 * Reads `PORT` (0: any free port), and `BENCH_DIR` (every file of that web root, `/` its index.html, `/ping` a
 * prebuilt JSON) or else `BENCH_FILE` (one body for every target; default a short text).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Socket } from "bun";
import { mimeTypeFor } from "../../src/static/mime-types.ts";

const encoder = new TextEncoder();
const reply = (status: string, type: string, body: Uint8Array): Uint8Array => {
  const head = encoder.encode(`HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n\r\n`);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head);
  bytes.set(body, head.length);
  return bytes;
};

const replies = new Map<string, Uint8Array>();
const dir = process.env.BENCH_DIR ?? "";
const file = process.env.BENCH_FILE ?? "";
let fallback = reply("404 Not Found", "text/plain", encoder.encode("not found\n"));
if (dir !== "") {
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const path = relative(dir, join(e.parentPath, e.name));
    replies.set(`/${path}`, reply("200 OK", mimeTypeFor(path), new Uint8Array(readFileSync(join(dir, path)))));
  }
  const index = replies.get("/index.html");
  if (index !== undefined) replies.set("/", index);
  // Counterpart of HTTaP GET /?ping, prebuilt too: the floor answers nothing dynamically.
  replies.set("/ping", reply("200 OK", "application/json", encoder.encode('{"Remain":15,"Timeout":15}')));
} else {
  fallback = reply("200 OK", "text/plain", file === "" ? encoder.encode("floor\n") : new Uint8Array(readFileSync(file)));
}

/** What one connection still holds: the tail of a request not yet complete, and output the socket did not take. */
interface Pending {
  input: string;
  output: Uint8Array[];
  closeAfterOutput: boolean;
}

function flush(socket: Socket<Pending>): void {
  const p = socket.data;
  while (p.output.length > 0) {
    const chunk = p.output[0];
    const n = socket.write(chunk);
    if (n < chunk.length) {
      p.output[0] = chunk.subarray(Math.max(0, n));
      return;
    }
    p.output.shift();
  }
  if (p.closeAfterOutput) socket.end();
}

function onData(socket: Socket<Pending>, bytes: Uint8Array): void {
  const p = socket.data;
  p.input += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("latin1");
  for (let end = p.input.indexOf("\r\n\r\n"); end >= 0 && !p.closeAfterOutput; end = p.input.indexOf("\r\n\r\n")) {
    const request = p.input.slice(0, end);
    p.input = p.input.slice(end + 4);
    const lineEnd = request.indexOf("\r\n");
    const [, target = "", version = ""] = (lineEnd < 0 ? request : request.slice(0, lineEnd)).split(" ");
    p.output.push(replies.get(target) ?? fallback);
    const lower = request.toLowerCase();
    p.closeAfterOutput = version === "HTTP/1.0" ? !lower.includes("connection: keep-alive") : lower.includes("connection: close");
  }
  flush(socket);
}

const listener = Bun.listen<Pending>({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  socket: {
    binaryType: "uint8array",
    open: (socket) => {
      socket.setNoDelay(true);
      socket.data = { input: "", output: [], closeAfterOutput: false };
    },
    data: onData,
    drain: flush,
  },
});
console.log(`floor listening on port ${listener.port}`);
