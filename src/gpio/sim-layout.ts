/**
 * @module The simulator file, version 1 (issue 7): a simulated SoC that other processes can watch and wire. All
 * words little-endian; the file is mapped MAP_SHARED by the main thread, the engine Worker and any outside tool.
 *
 *   0x0000-0x0fff  the BCM2711 GPIO register block (see bcm-gpio.ts). GPFSELn and GPIO_PUP_PDN_CNTRL_REGn hold
 *                  what was written; GPLEV0/GPLEV1 hold the level of every pin: an output as last driven
 *                  through GPSET/GPCLR, an input the outside drive below, else its pull (up 1, down or none 0).
 *                  They are recomputed by every change made through the registers and by every read of them (the
 *                  appliance samples its buttons every 5 ms), not on a timer: an outside drive written into the
 *                  words below shows there once something reads the pin. A tool that wants it there at once drives
 *                  through `SimulatedSoc.drive` (or calls its `refresh`), as `/?sim` does.
 *   0x1000  u32 magic 0x4d495348 ("HSIM" as bytes 48 53 49 4d)
 *   0x1004  u32 version, 1
 *   0x1008  u32 drive mask, bank 0 (pins 0-31)   outside processes write these four words to act as wires:
 *   0x100c  u32 drive levels, bank 0              a set mask bit drives that input to its level bit
 *   0x1010  u32 drive mask, bank 1 (pins 32-57)   (a pressed button pulls its pin to 0)
 *   0x1014  u32 drive levels, bank 1
 *   0x1018  u32 edge capacity N (65536)
 *   0x101c  u32 edge count: edges ever logged, bumped with Atomics.add; edge i lives in slot i mod N
 *   0x1020  u32 output latch, bank 0   the simulator's own: what GPSET/GPCLR last drove (the real latch is not
 *   0x1024  u32 output latch, bank 1   readable on a BCM2711); outside tools only read it
 *   0x2000  N edge slots of 16 bytes: u64 CLOCK_MONOTONIC ns when the level changed, u32 pin, u32 new level.
 *           Every output level change is logged, by the thread that made it (so each pin's edges in their order).
 */

export const SIM_MAGIC = 0x4d495348;
export const SIM_VERSION = 1;
export const SIM_EDGE_CAPACITY = 65536;
export const SIM_EDGE_BYTES = 16;

export const SIM_REGISTERS = 0x0000;
export const SIM_HEADER = 0x1000;
export const SIM_EDGES = 0x2000;
export const SIM_FILE_BYTES = SIM_EDGES + SIM_EDGE_CAPACITY * SIM_EDGE_BYTES;

/** Word indices (u32) of the header fields, from the start of the file. */
export const SIM_WORD = {
  magic: (SIM_HEADER + 0x00) / 4,
  version: (SIM_HEADER + 0x04) / 4,
  driveMask0: (SIM_HEADER + 0x08) / 4,
  driveLevels0: (SIM_HEADER + 0x0c) / 4,
  driveMask1: (SIM_HEADER + 0x10) / 4,
  driveLevels1: (SIM_HEADER + 0x14) / 4,
  edgeCapacity: (SIM_HEADER + 0x18) / 4,
  edgeCount: (SIM_HEADER + 0x1c) / 4,
  latch0: (SIM_HEADER + 0x20) / 4,
  latch1: (SIM_HEADER + 0x24) / 4,
} as const;

/** Pins the simulated BCM2711 has (GPIO 0-57). */
export const SIM_PINS = 58;

export interface SimEdge {
  readonly ns: bigint;
  readonly pin: number;
  readonly level: number;
}

/** Edges `from` (inclusive) to the count now, oldest first; those already overwritten in the ring are skipped. */
export function readEdges(buffer: ArrayBuffer, from = 0): { edges: SimEdge[]; count: number } {
  const words = new Uint32Array(buffer, 0, SIM_EDGES / 4);
  const count = Atomics.load(words, SIM_WORD.edgeCount);
  const capacity = words[SIM_WORD.edgeCapacity] || SIM_EDGE_CAPACITY;
  const view = new DataView(buffer, SIM_EDGES, capacity * SIM_EDGE_BYTES);
  const edges: SimEdge[] = [];
  for (let i = Math.max(from, count - capacity); i < count; i++) {
    const at = (i % capacity) * SIM_EDGE_BYTES;
    edges.push({ ns: view.getBigUint64(at, true), pin: view.getUint32(at + 8, true), level: view.getUint32(at + 12, true) });
  }
  return { edges, count };
}
