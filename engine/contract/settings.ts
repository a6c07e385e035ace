import { z } from 'zod';
import { PlacementStrategy } from './placement';

export const LANGUAGES = ['en', 'ko'] as const;
export const Language = z.enum(LANGUAGES);
export type Language = z.infer<typeof Language>;

export const Theme = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof Theme>;

export const Settings = z.object({
  language: Language,
  theme: Theme,
  /** How long Shut down waits for the guest before it fails and offers Force off. */
  shutdownTimeoutSec: z.number().int().min(10).max(3600),
  /** How often each host is sampled for metrics. */
  metricsIntervalSec: z.number().int().min(1).max(300),
  /** How placement chooses among hosts that can take a VM, unless a request says otherwise. */
  placementStrategy: PlacementStrategy,
  /** Snapshots a VM may have; creating one more is refused. */
  snapshotMaxPerVm: z.number().int().min(1).max(256),
  /** A snapshot operation still running after this long is aborted and the guest thawed (OpenShift's failureDeadline, 5 min). */
  snapshotDeadlineSec: z.number().int().min(10).max(86_400),
  /** Live migrations (and offline moves) running at once out of one host; more wait, queued (OpenShift Virtualization: 2). */
  migrationsPerHost: z.number().int().min(1).max(20),
  /** Live migrations running at once in the whole fleet (OpenShift Virtualization: 5). */
  migrationsInFleet: z.number().int().min(1).max(100),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = { language: 'en', theme: 'system', shutdownTimeoutSec: 120, metricsIntervalSec: 5, placementStrategy: 'spread', snapshotMaxPerVm: 32, snapshotDeadlineSec: 300, migrationsPerHost: 2, migrationsInFleet: 5 };
