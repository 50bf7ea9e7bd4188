/**
 * @module SIGINT and SIGTERM for a program that stops cleanly (the command line, the examples, an embedding program).
 * The first asks for the stop. Another one while it stops cuts the stop short through `stopNow` (the safe state,
 * without yielding) and exits with the status the signal's default action gives (128 + its number), but not by that
 * action, which killed the process half-way: the board as it was, the motors possibly on, the simulator file left.
 */

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Resolves at the first SIGINT or SIGTERM; a second one calls `stopNow`, says so through `log` and exits. Listens
 * from the call on, for good: for a program that exits once stopped (a later signal would end it too).
 */
export function untilStopSignal(stopNow: () => void, log: (line: string) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: keyof typeof SIGNAL_NUMBERS) => {
      if (++signals === 1) return resolve();
      log(`${signal} again while stopping: stopping now`);
      stopNow();
      process.exit(128 + SIGNAL_NUMBERS[signal]);
    };
    for (const signal of Object.keys(SIGNAL_NUMBERS) as (keyof typeof SIGNAL_NUMBERS)[]) process.on(signal, onSignal);
  });
}
