import { z } from 'zod';
import { collectionFeed, type CollectionFeed } from './collection';
import { Host } from './hosts';
import { Job } from './jobs';
import { Vm } from './vms';
import { Settings } from './settings';
import { Alert } from './diagnostics';
import { MetricsSample } from './metrics';
import { Pool } from './storage';
import { Network } from './networks';
import { LibraryItem } from './library';

/** Every topic a client can subscribe to, with its payload and accepted filter keys. */
export const topics = {
  /** All jobs: snapshot then deltas. */
  jobs: { payload: collectionFeed(Job), filter: z.object({}).strict() },
  /** One event per change of a job; filter by `jobId` to follow one. */
  'job.updated': { payload: Job, filter: z.object({ jobId: z.string().optional() }).strict() },
  'settings.changed': { payload: Settings, filter: z.object({}).strict() },
  /** The fleet: snapshot then deltas, with live connection state. */
  hosts: { payload: collectionFeed(Host), filter: z.object({}).strict() },
  /** Every domain of every connected host, with its display state. */
  vms: { payload: collectionFeed(Vm), filter: z.object({}).strict() },
  /** Every storage pool of every connected host, kept current by libvirt's pool events. */
  pools: { payload: collectionFeed(Pool), filter: z.object({}).strict() },
  /** Every virtual network of every connected host, kept current by libvirt's network events. */
  networks: { payload: collectionFeed(Network), filter: z.object({}).strict() },
  /** Active health alerts (per host, per VM, fleet-wide): snapshot then deltas. */
  alerts: { payload: collectionFeed(Alert), filter: z.object({}).strict() },
  /** Live samples: `vmId` for one VM, `hostId` for a host's own series, `hostId: 'fleet'` for the totals. */
  'metrics.sample': { payload: MetricsSample, filter: z.object({ hostId: z.string().optional(), vmId: z.string().optional() }).strict() },
  /** The template and ISO library: items with their per-host copies and states. */
  library: { payload: collectionFeed(LibraryItem), filter: z.object({}).strict() },
} as const;

export type Topics = typeof topics;
export type TopicName = keyof Topics;
export type TopicPayload<T extends TopicName> = z.output<Topics[T]['payload']>;
export type TopicFilter<T extends TopicName> = z.input<Topics[T]['filter']>;
export type { CollectionFeed };

export function isTopicName(name: string): name is TopicName {
  return Object.prototype.hasOwnProperty.call(topics, name);
}
