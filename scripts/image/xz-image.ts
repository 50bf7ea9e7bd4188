/**
 * @module `.img.xz` (how Raspberry Pi OS is downloaded): its uncompressed size from `xz --robot --list`, and the
 * decompression into a file next to it with a progress bar. The compressed file is never changed.
 */
import { Progress } from "./progress.ts";
import { run } from "./run.ts";

/** Uncompressed bytes; throws one sentence when the file is not a whole xz stream. */
export function xzUncompressedBytes(path: string): number {
  const r = run(["xz", "--robot", "--list", path], { allowFailure: true });
  const totals = r.stdout.split("\n").find((l) => l.startsWith("totals\t"));
  if (r.code !== 0 || totals === undefined)
    throw new Error(`${path} is not a readable .xz file (${r.stderr.trim().split("\n")[0] || "xz could not list it"})`);
  return Number(totals.split("\t")[4]);
}

/** Decompresses `source` into `target` (created or truncated), showing progress; throws when xz fails. */
export async function decompressXz(source: string, target: string, totalBytes: number): Promise<void> {
  const xz = Bun.spawn(["xz", "--decompress", "--stdout", source], { stdout: "pipe", stderr: "pipe" });
  const sink = Bun.file(target).writer();
  const progress = new Progress("decompressing", totalBytes);
  let written = 0;
  for await (const chunk of xz.stdout) {
    sink.write(chunk);
    written += chunk.byteLength;
    progress.update(written);
    if (written % (64 * 1024 * 1024) < chunk.byteLength) await sink.flush();
  }
  await sink.end();
  const code = await xz.exited;
  if (code !== 0) throw new Error(`xz could not decompress ${source}: ${(await new Response(xz.stderr).text()).trim()}`);
  if (written !== totalBytes) throw new Error(`xz gave ${written} bytes, not the ${totalBytes} its index promised`);
  progress.done();
}
