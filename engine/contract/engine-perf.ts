import { z } from 'zod';

/** The engine thread's responsiveness and memory, as the Diagnostics page shows them live. */
export const EnginePerf = z.object({
  eventLoop: z.object({
    /** Event-loop delay over the rolling window, in milliseconds. */
    p50Ms: z.number(),
    p99Ms: z.number(),
    maxMs: z.number(),
    samples: z.number().int(),
    windowSec: z.number().int(),
  }),
  /** Delays over 100 ms, newest last, with what was running (activity labels). */
  stalls: z.array(z.object({ at: z.number(), ms: z.number(), activities: z.array(z.string()) })),
  /** What is running on the engine's thread right now. */
  activities: z.array(z.string()),
  memory: z.object({ rssBytes: z.number(), heapUsedBytes: z.number(), heapTotalBytes: z.number(), externalBytes: z.number() }),
  /** Worker threads parsing domain XML off the engine's thread (0 until first used). */
  parseWorkers: z.number().int(),
  at: z.number(),
});
export type EnginePerf = z.infer<typeof EnginePerf>;
