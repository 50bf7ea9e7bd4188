/**
 * @module Example program (issue 3): the seed's vocabulary examples as resources, a register file `REG` (R0..R7,
 * 32-bit) and a 256-byte memory `MEM` (ranges, HYX). Run it with `bun src/examples/register-file.ts`; it reads the
 * usual HTTAP_* variables and prints "httap listening on port N" like main.
 *
 *   GET  /?REG            {"R0":0,…,"R7":0}          POST /?REG     {"R1":5}      writes R1
 *   GET  /?REG/R0,R3      {"R0":0,"R3":0}            POST /?REG/R2  7             writes R2
 *   GET  /?MEM/10-1F      {"start":16,"data":[…]}    POST /?MEM/10  [1,2,3]       writes 10..12
 *   GET  /?MEM/10-1F?hyx  ;;hyx1 … (or Accept: text/x-hyx)
 */
import { createServer, defineResource, readConfig, ConfigError, untilStopSignal } from "../index.ts";
import type { HttapServer, Resource, ResourceContext, ResourceReply } from "../index.ts";

const REGISTER_NAMES = ["R0", "R1", "R2", "R3", "R4", "R5", "R6", "R7"];
const MEMORY_BYTES = 256;

/** The two resources over their own storage, so a test or another program can register them too. */
export function registerFileResources(): { readonly reg: Resource; readonly mem: Resource } {
  const registers = new Uint32Array(REGISTER_NAMES.length);
  const memory = new Uint8Array(MEMORY_BYTES);
  const index = (name: string) => REGISTER_NAMES.indexOf(name);

  const readRegisters = (names: readonly string[]) => Object.fromEntries(names.map((n) => [n, registers[index(n)]]));

  const reg = defineResource({
    name: "REG",
    kind: "registers",
    description: "eight 32-bit registers",
    members: REGISTER_NAMES,
    get: (c) => c.reply.json(readRegisters(c.selector.kind === "members" ? c.selector.members : REGISTER_NAMES)),
    post: (c) => {
      const names = c.selector.kind === "members" ? c.selector.members : REGISTER_NAMES;
      const writes = registerWrites(c.body(), names, c.selector.kind === "members");
      if (typeof writes === "string") return c.reply.error("bad-value", writes);
      // Validate everything before writing anything: a refused write leaves every register as it was.
      for (const [n, v] of writes) registers[index(n)] = v;
      return c.reply.json(readRegisters(writes.map(([n]) => n)));
    },
  });

  const mem = defineResource({
    name: "MEM",
    kind: "memory",
    units: "byte",
    description: "256 bytes of RAM",
    range: { size: MEMORY_BYTES },
    get: (c) => {
      const [start, end] = c.selector.kind === "range" ? [c.selector.start, c.selector.end] : [0, MEMORY_BYTES - 1];
      return c.reply.bytes(memory.subarray(start, end + 1), start);
    },
    post: (c) => writeMemory(c, memory),
  });
  return { reg, mem };
}

/** `[name, value]` pairs to write, or why the body is refused. */
function registerWrites(body: unknown, names: readonly string[], isSelected: boolean): [string, number][] | string {
  let pairs: [string, unknown][];
  if (isSelected && names.length === 1 && !isObject(body)) pairs = [[names[0], body]];
  else if (isSelected && Array.isArray(body)) {
    if (body.length !== names.length) return `expected ${names.length} values for ${names.join(",")}, got ${body.length}`;
    pairs = names.map((n, i) => [n, body[i]]);
  } else if (isObject(body)) {
    pairs = Object.entries(body);
    const stray = pairs.find(([n]) => !names.includes(n));
    if (stray) return `"${stray[0]}" is not one of ${names.join(",")}`;
  } else return `expected a number, an array or an object like {"R1":5}`;
  for (const [n, v] of pairs) {
    if (!(typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff))
      return `${n}: ${JSON.stringify(v)} is not a whole number from 0 to 4294967295`;
  }
  return pairs as [string, number][];
}

function writeMemory(c: ResourceContext, memory: Uint8Array): ResourceReply {
  const body = c.body();
  if (!Array.isArray(body) || body.some((b) => !(Number.isInteger(b) && b >= 0 && b <= 255))) {
    return c.reply.error("bad-value", "expected an array of bytes (whole numbers 0..255)");
  }
  const start = c.selector.kind === "range" ? c.selector.start : 0;
  // A single address (10) writes as many bytes as sent; a range (10-1F) must be filled exactly.
  const isExact = c.selector.kind === "range" && c.selector.end !== c.selector.start;
  if (isExact && c.selector.kind === "range" && body.length !== c.selector.end - c.selector.start + 1) {
    return c.reply.error("bad-value", `range holds ${c.selector.end - c.selector.start + 1} bytes, got ${body.length}`);
  }
  if (start + body.length > memory.length)
    return c.reply.error("out-of-range", `${body.length} bytes from ${start.toString(16)} do not fit in ${memory.length}`);
  memory.set(body as number[], start);
  return c.reply.bytes(memory.subarray(start, start + body.length), start);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

async function main(): Promise<number> {
  let server: HttapServer;
  try {
    const { reg, mem } = registerFileResources();
    server = createServer({ config: readConfig(process.env, process.argv.slice(2)), resources: [reg, mem] });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`httap: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const { port } = await server.start();
  console.log(`httap listening on port ${port} (example: REG, MEM)`);
  await untilStopSignal(
    () => server.stopNow(),
    (line) => console.error(`httap: ${line}`),
  );
  await server.stop();
  return 0;
}

if (import.meta.main) process.exit(await main());
