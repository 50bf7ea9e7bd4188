/**
 * @module Where the engine's late edges come from (issue 22): the host, or the engine itself. An edge is the host's
 * when it was due before the thread got the CPU back from a sleep that ended past its edge, although the sleep began
 * in time: no engine could have written it sooner. Every other late edge is counted as the engine's own (its loop, a
 * fault, a collection, or the thread held up while it spun: the last is the host's too, but nothing tells it apart,
 * so the engine is blamed). Edges left overdue by a long stall fire in the passes after it; they stay the host's.
 * Pure: no clock, no thread, and nothing allocated per edge (the engine's loop must not collect).
 */
export class EdgeOrigins {
  /** When the thread last came back from a sleep begun in time that ended past its edge, ns. */
  #lateWokeAt = -Infinity;

  /**
   * A sleep asked to end at `wakeNs`, entered at `asleepNs`, ended at `wokeNs`, for the edge due at `edgeNs`. Returns
   * how late it ended when that lateness is the host's (a sleep begun in time), else 0. A sleep entered after its
   * wake time returns at once: the loop was held up on its way there, and that is the engine's.
   */
  noteSleep(asleepNs: number, wakeNs: number, wokeNs: number, edgeNs: number): number {
    if (asleepNs >= wakeNs) return 0;
    if (wokeNs > edgeNs) this.#lateWokeAt = wokeNs;
    return Math.max(0, wokeNs - wakeNs);
  }

  /** Whether the edge due at `scheduledNs` is late by the host's doing: due before the thread was back from a late sleep. */
  isHosts(scheduledNs: number): boolean {
    return scheduledNs <= this.#lateWokeAt;
  }
}
