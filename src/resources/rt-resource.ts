/** @module `/?rt` (issue 7): the engine's edge error, the main loop's lag, the real-time settings in force. */
import type { Board } from "../devices/board.ts";
import type { LoopLag } from "../engine/loop-lag.ts";
import { defineResource, type Resource } from "../httap/resource.ts";

const IDLE = { count: 0, p50Us: 0, p99Us: 0, maxUs: 0 };

export function rtResource(board: () => Board | string, loop: LoopLag): Resource {
  return defineResource({
    name: "rt",
    kind: "figures",
    description:
      "real-time figures: engine edge error (µs) since start and over the last second, its CPU and spin, " +
      "main loop lag (ms, measured while an HTTP connection is open)",
    get: (c) => {
      const b = board();
      const f = typeof b === "string" ? null : b.engineFigures();
      const status = typeof b === "string" ? null : b.engineStatus();
      return c.reply.json({
        engine:
          status === null
            ? "no board"
            : status.state === "not started"
              ? "not started (it starts with the first tone or drive)"
              : status.state,
        engineFailure: status?.failure ?? null,
        // lastSecondOwn: the edges the engine had in hand; the rest were due before a late wake-up gave it the CPU back
        edgeErrorUs: {
          sinceStart: f?.edgeError.sinceStart ?? IDLE,
          lastSecond: f?.edgeError.lastSecond ?? IDLE,
          lastSecondOwn: f?.edgeError.lastSecondOwn ?? IDLE,
        },
        mainLoopLag: loop.figures(),
        realtimePriority: f?.realtimePriority ?? false,
        memoryLocked: f?.memoryLocked ?? false,
        heartbeatLosses: f?.heartbeatLosses ?? 0,
        engineCpuPercent: f?.cpuPercent ?? 0,
        // where the engine's CPU goes (counters: take differences): its thread's CPU, its sleeps, the µs it spun
        // after them to land on an edge, and the spin margin now (issue 22)
        engineCpuMicros: f?.cpuMicros ?? 0,
        engineSleeps: f?.sleeps ?? 0,
        engineSpinMicros: f?.spinMicros ?? 0,
        engineSpinMarginUs: f?.marginMicros ?? 0,
        // the last second's latest wake-up past its time: the host's part of the edge error (issue 22, edge-origins.ts)
        engineWakeLateMaxUs: f?.lastSecondWakeLateMaxUs ?? 0,
        toneMethod: typeof b === "string" ? null : b.toneMethod,
        gpio: typeof b === "string" ? b : b.backend,
      });
    },
  });
}
