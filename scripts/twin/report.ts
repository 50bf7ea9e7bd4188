/**
 * @module The twin's verdicts: one line per check, `ok` or `FAIL`, with what was seen (register words, answers), and
 * the closing count. A check that could not be carried out (no answer, QEMU gone) is a failure, never a skip.
 */

export class Report {
  passed = 0;
  failed = 0;

  /** Records a check; `detail` says what was seen either way. */
  check(name: string, ok: boolean, detail: string): boolean {
    if (ok) this.passed++;
    else this.failed++;
    console.log(`${ok ? "ok  " : "FAIL"} ${name}: ${detail}`);
    return ok;
  }

  fail(name: string, detail: string): false {
    return this.check(name, false, detail) as false;
  }

  /** Runs a check body; an exception (a timeout, QEMU gone) is that check's failure. */
  async guard(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      this.fail(name, `could not be carried out: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  summary(): string {
    return `twin: ${this.passed} passed, ${this.failed} failed`;
  }
}

export function note(text: string): void {
  console.log(`twin: ${text}`);
}
