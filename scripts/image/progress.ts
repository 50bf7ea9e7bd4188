/**
 * @module Progress of the long steps (decompressing, copying): a bar redrawn in place on a terminal, a line every
 * 10% otherwise (CI logs, pipes).
 */
const WIDTH = 30;

function size(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

export class Progress {
  readonly #label: string;
  readonly #total: number;
  readonly #tty = process.stderr.isTTY === true;
  readonly #started = performance.now();
  #lastTenth = -1;

  constructor(label: string, totalBytes: number) {
    this.#label = label;
    this.#total = Math.max(1, totalBytes);
  }

  update(doneBytes: number): void {
    const fraction = Math.min(1, doneBytes / this.#total);
    if (this.#tty) {
      const filled = Math.round(fraction * WIDTH);
      process.stderr.write(
        `\r${this.#label} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ` +
          `${(fraction * 100).toFixed(0).padStart(3)}% ${size(doneBytes)} of ${size(this.#total)}`,
      );
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth > this.#lastTenth) {
      this.#lastTenth = tenth;
      process.stderr.write(`${this.#label}: ${tenth * 10}% (${size(doneBytes)} of ${size(this.#total)})\n`);
    }
  }

  done(): void {
    this.update(this.#total);
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(1);
    process.stderr.write(`${this.#tty ? "\n" : ""}${this.#label}: done in ${seconds} s\n`);
  }
}

/** Runs `work` while a timer reports the size of `file` against `totalBytes` (for copies made by another program). */
export async function watchFileGrow(label: string, file: string, totalBytes: number, work: Promise<void>): Promise<void> {
  const progress = new Progress(label, totalBytes);
  const timer = setInterval(() => {
    const f = Bun.file(file);
    progress.update(f.size);
  }, 250);
  try {
    await work;
  } finally {
    clearInterval(timer);
  }
  progress.done();
}
