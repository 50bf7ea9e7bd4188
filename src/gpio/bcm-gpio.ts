/**
 * @module The Broadcom GPIO block of the Pi 1-4 (BCM2835/2836/2837 and BCM2711), register by register. The
 * simulator runs this same code over its BCM2711 block. Offsets from the BCM2835 and BCM2711 ARM Peripherals
 * documents (GPIO chapter), as also used by raspberrypi/utils `pinctrl/gpiochip_bcm2835.c` and the kernel's
 * `drivers/pinctrl/bcm/pinctrl-bcm2835.c`:
 *
 *   GPFSEL0-5  0x00-0x14  3 bits a pin, 10 pins a word: 000 input, 001 output, others alternate functions
 *   GPSET0/1   0x1c/0x20  write 1 to drive high (writes of 0 do nothing)
 *   GPCLR0/1   0x28/0x2c  write 1 to drive low
 *   GPLEV0/1   0x34/0x38  the pins' levels
 *   GPPUD      0x94       BCM2835-2837 only: 00 off, 01 pull-down, 10 pull-up, clocked in through
 *   GPPUDCLK0/1 0x98/0x9c with ≥ 150 cycles of set-up and hold around the clock (the documented sequence)
 *   GPIO_PUP_PDN_CNTRL_REG0-3 0xe4-0xf0  BCM2711 only: 2 bits a pin, 16 pins a word: 00 none, 01 up, 10 down
 *
 * Note the two pull encodings: 01 is down on the 2835 family and up on the 2711.
 */
import {
  checkPin,
  CLOSED_BUS,
  type BackendKind,
  type GpioBackend,
  type Level,
  type PinFunction,
  type PinMode,
  type Pull,
  type RegisterBus,
} from "./gpio-backend.ts";

export const GPFSEL0 = 0x00 / 4;
export const GPSET0 = 0x1c / 4;
export const GPCLR0 = 0x28 / 4;
export const GPLEV0 = 0x34 / 4;
export const GPPUD = 0x94 / 4;
export const GPPUDCLK0 = 0x98 / 4;
export const GPIO_PUP_PDN_CNTRL_REG0 = 0xe4 / 4;
/** Bytes of the block a backend maps (through GPIO_PUP_PDN_CNTRL_REG3). */
export const BCM_GPIO_BLOCK_BYTES = 0xf4;

const FSEL_INPUT = 0b000;
/** The function select of an output (GPFSELn, three bits a pin); the simulator reads it too. */
export const FSEL_OUTPUT = 0b001;
const PUD_2835: Record<Pull, number> = { none: 0b00, down: 0b01, up: 0b10 };
const PUD_2711: Record<Pull, number> = { none: 0b00, up: 0b01, down: 0b10 };
const PULL_OF_2711: readonly Pull[] = ["none", "up", "down", "none"]; // 11 is reserved: read as none
/** The GPPUD set-up and hold: 150 core cycles at ≥ 250 MHz is 0.6 µs; pinctrl waits 10 µs, and so do we. */
const PULL_SETTLE_US = 10;

export type BcmSoc = "bcm2835" | "bcm2711";

/** Busy-waits a few microseconds (the pull sequence runs at start-up only, so spinning costs nothing). */
function spinMicros(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until) {
    /* spin */
  }
}

export interface BcmGpioOptions {
  readonly soc: BcmSoc;
  /** What the backend reports itself as: the SoC, or "sim" for the simulator running this code. */
  readonly kind?: BackendKind;
  readonly bus: RegisterBus;
  readonly description: string;
  /** Releases the mapping. */
  readonly onClose?: () => void;
  /** The pause in the BCM2835 pull sequence (tests record it instead). */
  readonly waitMicros?: (us: number) => void;
}

export class BcmGpio implements GpioBackend {
  readonly kind: BackendKind;
  readonly #soc: BcmSoc;
  readonly description: string;
  #bus: RegisterBus; // CLOSED_BUS once closed
  readonly #wait: (us: number) => void;
  readonly #onClose: () => void;
  /** The 2835's pull registers are write-only: what we last set is all anyone can know. */
  readonly #pullsSet: Pull[] = [];

  constructor(o: BcmGpioOptions) {
    this.kind = o.kind ?? o.soc;
    this.#soc = o.soc;
    this.description = o.description;
    this.#bus = o.bus;
    this.#wait = o.waitMicros ?? spinMicros;
    this.#onClose = o.onClose ?? (() => {});
  }

  setMode(pin: number, mode: PinMode): void {
    checkPin(pin);
    const word = GPFSEL0 + Math.floor(pin / 10);
    const shift = (pin % 10) * 3;
    const old = this.#bus.read(word);
    this.#bus.write(word, (old & ~(0b111 << shift)) | ((mode === "out" ? FSEL_OUTPUT : FSEL_INPUT) << shift));
  }

  setPull(pin: number, pull: Pull): void {
    checkPin(pin);
    this.#pullsSet[pin] = pull;
    if (this.#soc === "bcm2711") {
      const word = GPIO_PUP_PDN_CNTRL_REG0 + Math.floor(pin / 16);
      const shift = (pin % 16) * 2;
      const old = this.#bus.read(word);
      this.#bus.write(word, (old & ~(0b11 << shift)) | (PUD_2711[pull] << shift));
      return;
    }
    const clock = GPPUDCLK0 + (pin >> 5);
    this.#bus.write(GPPUD, PUD_2835[pull]);
    this.#wait(PULL_SETTLE_US);
    this.#bus.write(clock, 1 << (pin & 31));
    this.#wait(PULL_SETTLE_US);
    this.#bus.write(GPPUD, 0);
    this.#bus.write(clock, 0);
  }

  write(pin: number, level: Level): void {
    checkPin(pin);
    this.#bus.write((level === 1 ? GPSET0 : GPCLR0) + (pin >> 5), 1 << (pin & 31));
  }

  read(pin: number): Level {
    checkPin(pin);
    return ((this.#bus.read(GPLEV0 + (pin >> 5)) >>> (pin & 31)) & 1) as Level;
  }

  functionOf(pin: number): PinFunction {
    checkPin(pin);
    const fsel = (this.#bus.read(GPFSEL0 + Math.floor(pin / 10)) >>> ((pin % 10) * 3)) & 0b111;
    return fsel === FSEL_INPUT ? "in" : fsel === FSEL_OUTPUT ? "out" : "alt";
  }

  pullOf(pin: number): Pull {
    checkPin(pin);
    if (this.#soc === "bcm2835") return this.#pullsSet[pin] ?? "none";
    return PULL_OF_2711[(this.#bus.read(GPIO_PUP_PDN_CNTRL_REG0 + Math.floor(pin / 16)) >>> ((pin % 16) * 2)) & 0b11];
  }

  handOver(_pin: number): null {
    return null; // registers are shared by every thread: the engine maps them again
  }

  close(): void {
    if (this.#bus === CLOSED_BUS) return;
    this.#bus = CLOSED_BUS; // first: nothing can write through the mapping once it is unmapped
    this.#onClose();
  }
}
