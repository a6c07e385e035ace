import { z } from 'zod';

export const EngineInfo = z.object({
  appVersion: z.string(),
  contractVersion: z.number().int(),
  /** Where the engine runs: inside the Electron app or as `hangar serve`. */
  runtime: z.enum(['electron', 'serve', 'in-process']),
  platform: z.string(),
  nodeVersion: z.string(),
  sqliteVersion: z.string(),
  dataDir: z.string(),
  secrets: z.object({
    backend: z.string(),
    /** False when secrets cannot be stored safely here; the UI says why. */
    available: z.boolean(),
    reason: z.string().optional(),
    /** The key file sits in the data dir beside the database it protects: a copy carries both. */
    warning: z.object({ code: z.enum(['keyBesideDatabase']), keyFile: z.string() }).optional(),
  }),
  startedAt: z.number(),
});
export type EngineInfo = z.infer<typeof EngineInfo>;
