/**
 * @module The simulated SoC behind the sim backend (issue 7): a RegisterBus over the simulator file that behaves
 * like a BCM2711 GPIO block. Writes to GPSET/GPCLR move the output latch; GPLEV is recomputed from the latch, the
 * function selects, the pulls and the outside drive words; every output level change is logged with its
 * CLOCK_MONOTONIC time. Two threads (main and engine) may write at once: the latch moves with Atomics.or/and, whose
 * old value tells the writing thread which outputs it changed, and that thread logs them right after. Each pin has
 * one writer at a time (the main thread hands the engine its pins when it starts and takes them back once it has
 * ended), so a pin's edges are logged in the order they happened.
 * GPLEV is only derived (any thread recomputes it), never the source of an edge: a thread that recomputed it and was
 * preempted before logging could otherwise log a rise after the fall that followed it (a room test's stopped car
 * whose log said "high" for good).
 */
import { FSEL_OUTPUT, GPFSEL0, GPCLR0, GPIO_PUP_PDN_CNTRL_REG0, GPLEV0, GPSET0 } from "./bcm-gpio.ts";
import type { RegisterBus } from "./gpio-backend.ts";
import { monotonicNsNumber } from "../os/libc.ts";
import { SIM_EDGE_BYTES, SIM_EDGE_CAPACITY, SIM_EDGES, SIM_MAGIC, SIM_PINS, SIM_VERSION, SIM_WORD } from "./sim-layout.ts";

const BANK_PINS = [32, SIM_PINS - 32];
/** GPFSEL0-5: ten pins a word, three bits each. */
const FSEL_WORDS = Math.ceil(SIM_PINS / 10);
const LATCH = [SIM_WORD.latch0, SIM_WORD.latch1];
/** By field width: a bit at the lowest position of every whole field of a 32-bit word (3 bits: ten fields, 2: 16). */
const FIELD_BASE: Readonly<Record<number, number>> = { 2: 0x55555555, 3: 0x09249249 };
/** A GPLEV refresh recomputes at most this many times while the latch or the drive moves under it. */
const MAX_REFRESH_TRIES = 4;
const DRIVE_MASK = [SIM_WORD.driveMask0, SIM_WORD.driveMask1];
const DRIVE_LEVELS = [SIM_WORD.driveLevels0, SIM_WORD.driveLevels1];

export class SimulatedSoc implements RegisterBus {
  readonly #words: Uint32Array;
  readonly #edges: DataView;
  readonly #clock: () => number;

  /**
   * Over a mapped simulator file; `initialise` writes a fresh header (the creator does, attachers do not). The clock
   * is CLOCK_MONOTONIC ns as a plain number: no BigInt per edge, so logging allocates nothing in the engine's loop.
   */
  constructor(buffer: ArrayBuffer, initialise: boolean, clock: () => number = monotonicNsNumber) {
    this.#words = new Uint32Array(buffer, 0, SIM_EDGES / 4);
    this.#edges = new DataView(buffer, SIM_EDGES, SIM_EDGE_CAPACITY * SIM_EDGE_BYTES);
    this.#clock = clock;
    if (initialise) {
      this.#words.fill(0);
      this.#words[SIM_WORD.version] = SIM_VERSION;
      this.#words[SIM_WORD.edgeCapacity] = SIM_EDGE_CAPACITY;
      Atomics.store(this.#words, SIM_WORD.magic, SIM_MAGIC); // last: a watcher seeing the magic sees the rest
    } else if (this.#words[SIM_WORD.magic] !== SIM_MAGIC || this.#words[SIM_WORD.version] !== SIM_VERSION) {
      throw new Error("not an httap simulator file (version 1)");
    }
  }

  read(word: number): number {
    if (word === GPLEV0 || word === GPLEV0 + 1) this.#refreshBank(word - GPLEV0);
    return Atomics.load(this.#words, word);
  }

  write(word: number, value: number): void {
    const v = value >>> 0;
    if (word === GPSET0 || word === GPSET0 + 1 || word === GPCLR0 || word === GPCLR0 + 1) {
      const isSet = word < GPCLR0;
      const bank = word - (isSet ? GPSET0 : GPCLR0);
      const old = isSet ? Atomics.or(this.#words, LATCH[bank], v) : Atomics.and(this.#words, LATCH[bank], ~v >>> 0);
      const outputs = this.#outputMask(bank);
      this.#logEdges(bank, (isSet ? v & ~old : v & old) & outputs, isSet ? 0xffffffff : 0);
      return this.#refreshBank(bank, outputs); // a latch moves one bank's levels only
    } else if (word === GPLEV0 || word === GPLEV0 + 1) {
      return; // read-only
    } else if (word >= GPFSEL0 && word < GPFSEL0 + FSEL_WORDS) {
      this.#selectFunctions(word, v);
    } else Atomics.store(this.#words, word, v);
    this.refresh();
  }

  /** Acts as a wire on `pin` (0 or 1), or releases it (null): what an outside process does with the drive words. */
  drive(pin: number, level: 0 | 1 | null): void {
    const bank = pin >> 5;
    const bit = 1 << (pin & 31);
    if (level === null) Atomics.and(this.#words, DRIVE_MASK[bank], ~bit >>> 0);
    else {
      if (level === 1) Atomics.or(this.#words, DRIVE_LEVELS[bank], bit);
      else Atomics.and(this.#words, DRIVE_LEVELS[bank], ~bit >>> 0);
      Atomics.or(this.#words, DRIVE_MASK[bank], bit);
    }
    this.refresh();
  }

  /** The wires in place now. */
  drives(): { pin: number; level: 0 | 1 }[] {
    const out: { pin: number; level: 0 | 1 }[] = [];
    for (let bank = 0; bank < 2; bank++) {
      const mask = Atomics.load(this.#words, DRIVE_MASK[bank]);
      const levels = Atomics.load(this.#words, DRIVE_LEVELS[bank]);
      for (let i = 0; i < 32; i++) if ((mask >>> i) & 1) out.push({ pin: bank * 32 + i, level: ((levels >>> i) & 1) as 0 | 1 });
    }
    return out;
  }

  /** Recomputes GPLEV of both banks, for a tool that wrote the drive words itself. Logs nothing: the thread that
   * changed a level logged it. */
  refresh(): void {
    this.#refreshBank(0);
    this.#refreshBank(1);
  }

  /**
   * Recomputes one bank's GPLEV. The other thread may store its own figure meanwhile, computed from a latch or drive
   * older than ours: whoever stores reads the latch and the drive words again afterwards and stores anew if they
   * moved, so the last store is never older than the last change (a stale bit read as an LED off while it was on).
   * Bounded: a thread that keeps losing to a latch in constant motion leaves the next store to set it right.
   */
  #refreshBank(bank: number, outputs = this.#outputMask(bank)): void {
    for (let i = 0; i < MAX_REFRESH_TRIES; i++) {
      const latch = Atomics.load(this.#words, LATCH[bank]);
      const driveMask = Atomics.load(this.#words, DRIVE_MASK[bank]);
      const driveLevels = Atomics.load(this.#words, DRIVE_LEVELS[bank]);
      const level = ((outputs & latch) | (~outputs & this.#inputLevels(bank, driveMask, driveLevels))) >>> 0;
      Atomics.store(this.#words, GPLEV0 + bank, level);
      if (
        Atomics.load(this.#words, LATCH[bank]) === latch &&
        Atomics.load(this.#words, DRIVE_MASK[bank]) === driveMask &&
        Atomics.load(this.#words, DRIVE_LEVELS[bank]) === driveLevels
      )
        return;
    }
  }

  /**
   * Writes a function-select word; a pin that becomes an output now shows its latch instead of its input level, and
   * where the two differ that is an edge of this thread's making. One that becomes an input is no output edge.
   */
  #selectFunctions(word: number, value: number): void {
    const first = (word - GPFSEL0) * 10;
    const old = Atomics.exchange(this.#words, word, value);
    for (let i = 0; i < 10 && first + i < SIM_PINS; i++) {
      const shift = i * 3;
      if (((value >>> shift) & 0b111) !== FSEL_OUTPUT || ((old >>> shift) & 0b111) === FSEL_OUTPUT) continue;
      const pin = first + i;
      const bank = pin >> 5;
      const bit = 1 << (pin & 31);
      const latch = Atomics.load(this.#words, LATCH[bank]);
      if (((latch ^ this.#inputLevels(bank)) & bit) !== 0) this.#logEdges(bank, bit, latch);
    }
  }

  /** What each pin of a bank reads as an input: the outside drive where there is one, else its pull. */
  #inputLevels(
    bank: number,
    driveMask = Atomics.load(this.#words, DRIVE_MASK[bank]),
    driveLevels = Atomics.load(this.#words, DRIVE_LEVELS[bank]),
  ): number {
    return ((driveMask & driveLevels) | (~driveMask & this.#pullUpMask(bank))) >>> 0;
  }

  /** Bits of the pins whose function select is an output's. */
  #outputMask(bank: number): number {
    return this.#pinsWithField(bank, GPFSEL0, 3, FSEL_OUTPUT);
  }

  /** Bits of the pins pulled up (BCM2711 encoding 01). */
  #pullUpMask(bank: number): number {
    return this.#pinsWithField(bank, GPIO_PUP_PDN_CNTRL_REG0, 2, 0b01);
  }

  /**
   * Bits of a bank's pins whose field in the registers from `firstWord` (`width` bits a pin, as many pins as fit in a
   * word, lowest first) equals `value`. Each word is loaded once and compared whole: the fields equal to `value` are
   * those where `bits ^ value-in-every-field` is all zero, and only those pins are visited. This runs on every write,
   * the engine's edges and the start's safe state too; pin by pin, the 50-odd pins made the safe state the largest
   * part of a simulated start (issue 22: 1.5 ms of ~10).
   */
  #pinsWithField(bank: number, firstWord: number, width: number, value: number): number {
    const perWord = Math.floor(32 / width);
    const fieldBase = FIELD_BASE[width]; // the lowest bit of every whole field in a word
    const everyField = Math.imul(fieldBase, value);
    const first = bank * 32;
    const end = first + BANK_PINS[bank];
    let mask = 0;
    for (let word = Math.floor(first / perWord); word * perWord < end; word++) {
      const differs = Atomics.load(this.#words, firstWord + word) ^ everyField;
      let spread = differs; // each field's bits or'ed into its lowest bit
      for (let shift = 1; shift < width; shift++) spread |= differs >>> shift;
      for (let equal = ~spread & fieldBase; equal !== 0; equal &= equal - 1) {
        const pin = word * perWord + (31 - Math.clz32(equal & -equal)) / width;
        if (pin >= first && pin < end) mask |= 1 << (pin - first);
      }
    }
    return mask >>> 0;
  }

  /** Logs the pins of `changed` (bits of a bank) as now at their bits of `level`. */
  #logEdges(bank: number, changed: number, level: number): void {
    if (changed === 0) return;
    const ns = this.#clock();
    for (let bits = changed; bits !== 0; bits &= bits - 1) {
      const i = 31 - Math.clz32(bits & -bits); // the lowest changed pin left: pins in their order, only those
      const slot = Atomics.add(this.#words, SIM_WORD.edgeCount, 1) % SIM_EDGE_CAPACITY;
      const at = slot * SIM_EDGE_BYTES;
      this.#edges.setUint32(at, ns % 4294967296, true); // the u64 as two words: exact below 2^53 ns (104 days)
      this.#edges.setUint32(at + 4, Math.floor(ns / 4294967296), true);
      this.#edges.setUint32(at + 8, bank * 32 + i, true);
      this.#edges.setUint32(at + 12, (level >>> i) & 1, true);
    }
  }
}
