/** The main loop's lag measures while the device is busy, and stops after a tick once it is not (issue 22). */
import { expect, test } from "bun:test";
import { WAIT_MS, waitFor } from "../../test/support/wait.ts";
import { LoopLag } from "./loop-lag.ts";

test(
  "measures while busy; a tick that finds the device idle stops it, and the next start measures again",
  async () => {
    let isBusy = true;
    const lag = new LoopLag(() => isBusy);
    lag.start();
    lag.start(); // a no-op while it measures: one timer
    expect(await waitFor(() => lag.figures().samples >= 2)).toBe(true);
    expect(lag.isMeasuring).toBe(true);
    isBusy = false;
    expect(await waitFor(() => !lag.isMeasuring)).toBe(true);
    const samples = lag.figures().samples;
    await Bun.sleep(300); // three periods: no tick comes while it is stopped
    expect(lag.figures().samples).toBe(samples);
    lag.start(); // a request: it measures again, and stops again after a tick
    expect(await waitFor(() => lag.figures().samples > samples && !lag.isMeasuring)).toBe(true);
    lag.stop();
  },
  3 * WAIT_MS,
);
