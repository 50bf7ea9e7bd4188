/**
 * @module One QEMU raspi3b under `nice -n 19` (and `setpriv --pdeathsig KILL`): the serial console (the mini UART,
 * ttyS1: the PL011 carries the DTB's Bluetooth device and gets no input) as lines in and out, every line kept in a
 * log with its time, the monitor for the GPIO registers, and the end through the monitor's `quit` (raspi3b does not
 * exit when its guest halts). The SoC twin's command line (`commandLine`) has no network device at all: the guest
 * talks to itself on loopback; the system twin (system/system-machine.ts) gives its own.
 */
import type { Subprocess } from "bun";
import { appendFileSync, rmSync, writeFileSync } from "node:fs";
import { EmulatorClock, type Stopwatch } from "./emulator-clock.ts";
import { GpioSnapshot, parseMemoryDump, READ_GPIO_BLOCK } from "./gpio-registers.ts";
import { QemuMonitor } from "./monitor.ts";

/** After `quit`, how long QEMU may take to exit before it is killed (by its pid). */
const QUIT_GRACE_MS = 10_000;
/** After its monitor failed at start, how long QEMU may take to exit and say why. */
const EXIT_GRACE_MS = 3_000;

/** Where a machine's monitor socket and console log go. */
export interface MachineIo {
  /** Where the monitor's Unix socket goes. */
  readonly monitorSocket: string;
  /** Every console line, with seconds since start. */
  readonly consoleLog: string;
}

export interface MachineFiles extends MachineIo {
  readonly kernel: string;
  readonly dtb: string;
  readonly initrd: string;
}

interface LineWaiter {
  readonly match: (line: string) => boolean;
  readonly resolve: (line: string) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setInterval>; // checks the bound, on the emulator's clock
}

/** How often a wait for a console line looks at its bound. */
const BOUND_CHECK_MS = 250;

export class Machine {
  readonly #proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly #files: MachineIo;
  readonly #started = performance.now();
  /** Wall time minus the time QEMU was kept off the CPU: what every bound of the twin is measured on. */
  readonly clock: EmulatorClock;
  #monitor: QemuMonitor | null = null; // connected once the process runs
  #partial = ""; // console bytes after the last newline
  #waiters: LineWaiter[] = []; // pending waits for a console line
  #exitCode: number | null = null; // set when QEMU has exited
  #stderr = ""; // what QEMU said on stderr (its refusals)

  private constructor(proc: Subprocess<"pipe", "pipe", "pipe">, files: MachineIo) {
    this.#proc = proc;
    this.#files = files;
    this.clock = new EmulatorClock(proc.pid);
  }

  /** The SoC twin's qemu-system-aarch64 command line (without `nice`): kernel, DTB and initramfs, no network. */
  static commandLine(f: MachineFiles, append: string): string[] {
    return Machine.raspi3bCommandLine(f, append, ["-nic", "none"]);
  }

  /**
   * What both twins boot (without `nice`): raspi3b with `f`'s kernel, DTB and initramfs, the console on the mini UART,
   * QMP on `f.monitorSocket`, no display; `devices` adds the twin's own (its network, its SD card).
   */
  static raspi3bCommandLine(f: MachineFiles, append: string, devices: readonly string[]): string[] {
    return [
      "qemu-system-aarch64",
      "-M",
      "raspi3b",
      "-kernel",
      f.kernel,
      "-dtb",
      f.dtb,
      "-initrd",
      f.initrd,
      "-append",
      append,
      "-serial",
      "null",
      "-serial",
      "stdio",
      "-qmp",
      `unix:${f.monitorSocket},server=on,wait=off`,
      "-display",
      "none",
      ...devices,
    ];
  }

  /** Starts `commandLine` (qemu-system-aarch64 and its arguments, with `-qmp` on `f.monitorSocket`). */
  static async start(f: MachineIo, commandLine: readonly string[]): Promise<Machine> {
    rmSync(f.monitorSocket, { force: true });
    writeFileSync(f.consoleLog, "");
    // setpriv: should this harness die without stopping it, the kernel ends QEMU too (no emulator left on a shared host)
    const wrapper = ["nice", "-n", "19", ...(Bun.which("setpriv") === null ? [] : ["setpriv", "--pdeathsig", "KILL"])];
    const proc = Bun.spawn([...wrapper, ...commandLine], { stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    const m = new Machine(proc, f);
    void proc.exited.then((code) => m.#onExit(code));
    void m.#pump(proc.stdout, (text) => m.#onConsole(text));
    void m.#pump(proc.stderr, (text) => {
      m.#stderr += text;
    });
    try {
      m.#monitor = await QemuMonitor.connect(f.monitorSocket, () => m.#exitCode === null);
    } catch (error) {
      // most often QEMU refused its arguments and is exiting: its own words say more than the socket's error
      await Promise.race([proc.exited, Bun.sleep(EXIT_GRACE_MS)]);
      if (m.#exitCode === null) {
        proc.kill("SIGKILL"); // no monitor, so no quit: this QEMU, by its pid
        await proc.exited;
        throw error;
      }
      await Bun.sleep(100); // the rest of its stderr
      throw m.#exitError();
    }
    return m;
  }

  get seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  get isRunning(): boolean {
    return this.#exitCode === null;
  }

  /** A line to the guest's console. */
  send(line: string): void {
    if (this.#exitCode !== null) throw new Error(`QEMU has exited (${this.#exitCode})`);
    this.#proc.stdin.write(`${line}\n`);
    this.#proc.stdin.flush();
  }

  /** The next console line that matches; rejects after `timeoutMs` of emulator time or when QEMU exits. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.#exitCode !== null) return reject(this.#exitError());
      const watch: Stopwatch = this.clock.start();
      const timer = setInterval(() => {
        if (!watch.isPast(timeoutMs)) return;
        clearInterval(timer);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`no ${what} on the console within ${watch.describe()}`));
      }, BOUND_CHECK_MS);
      const waiter: LineWaiter = { match, resolve, reject, timer };
      this.#waiters.push(waiter);
    });
  }

  /** The GPIO block as the SoC model holds it now. */
  async readGpio(): Promise<GpioSnapshot> {
    if (this.#monitor === null) throw new Error("no monitor");
    return new GpioSnapshot(parseMemoryDump(await this.#monitor.human(READ_GPIO_BLOCK)));
  }

  /** `quit` on the monitor, then (only if it does not go) a kill of this QEMU's own pid. */
  async stop(): Promise<void> {
    if (this.#exitCode === null) {
      this.#monitor?.quit();
      const gone = await Promise.race([this.#proc.exited.then(() => true), Bun.sleep(QUIT_GRACE_MS).then(() => false)]);
      if (!gone) {
        this.#proc.kill("SIGKILL");
        await this.#proc.exited;
      }
    }
    this.#monitor?.close();
    rmSync(this.#files.monitorSocket, { force: true });
  }

  async #pump(stream: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) onText(decoder.decode(chunk, { stream: true }));
  }

  #onConsole(text: string): void {
    this.#partial += text;
    let end: number;
    while ((end = this.#partial.indexOf("\n")) >= 0) {
      // the first bytes out of the mini UART after reset are noise, not text: no line starts with them; and systemd's
      // status lines leave terminal escapes (colours, "erase line") on the console that another writer's line may follow
      const line = this.#partial
        .slice(0, end)
        .replace(/\r/g, "")
        .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")
        .replace(/^[^\x20-\x7e]+/, "");
      this.#partial = this.#partial.slice(end + 1);
      appendFileSync(this.#files.consoleLog, `[${this.seconds.toFixed(2).padStart(8)}] ${line}\n`);
      for (const w of this.#waiters) {
        if (!w.match(line)) continue;
        clearInterval(w.timer);
        this.#waiters = this.#waiters.filter((other) => other !== w);
        w.resolve(line);
        break; // one waiter per line
      }
    }
  }

  #onExit(code: number): void {
    this.#exitCode = code;
    appendFileSync(this.#files.consoleLog, `[${this.seconds.toFixed(2).padStart(8)}] (QEMU exited with status ${code})\n`);
    const error = this.#exitError();
    for (const w of this.#waiters) {
      clearInterval(w.timer);
      w.reject(error);
    }
    this.#waiters = [];
  }

  #exitError(): Error {
    const said = this.#stderr.trim().split("\n").slice(-3).join(" / ");
    return new Error(`QEMU exited with status ${this.#exitCode}${said === "" ? "" : `: ${said}`}`);
  }
}
