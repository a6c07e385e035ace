import { z } from 'zod';

/**
 * Collections (jobs now; hosts, VMs, pools later) reach a subscriber as one snapshot followed by
 * versioned deltas. A client that sees a version gap resubscribes and gets a fresh snapshot.
 */
export function collectionFeed<T extends z.ZodType>(item: T) {
  return z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('snapshot'), version: z.number().int(), items: z.array(item) }),
    z.object({
      kind: z.literal('delta'),
      version: z.number().int(),
      upsert: z.array(item),
      remove: z.array(z.string()),
    }),
  ]);
}

export type CollectionFeed<T> =
  | { kind: 'snapshot'; version: number; items: T[] }
  | { kind: 'delta'; version: number; upsert: T[]; remove: string[] };
