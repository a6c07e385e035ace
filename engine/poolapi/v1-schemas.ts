import { z } from 'zod';
import { ErrorCode } from '../contract/errors';
import { AcquireLeasesParams, AcquireLeasesResult, Lease, LeaseHistoryRecord, LeasePool, PoolCapacity } from '../contract/pools';

/**
 * The bodies of /api/v1, made from the contract's schemas (contract/pools.ts), so the REST API,
 * its OpenAPI document and the engine's methods cannot disagree. Owner and OS come from the token
 * and the path; the Idempotency-Key from its header.
 */
export const V1LeaseRequest = AcquireLeasesParams.pick({ username: true, count: true, cpus: true, memoryMiB: true, expiresInMinutes: true, sshAuthorizedKeys: true })
  .extend({
    /** Pin to one host: its number in /showall (1-based), its name or its id (the seed's `xhostref`). */
    host: z.string().min(1).max(64).optional(),
  })
  .strict();

export const V1ExtendRequest = z.object({ minutes: z.number().int().min(1).max(525_600) }).strict();

export const V1HistoryQuery = z
  .object({
    os: z.string().max(32).optional(),
    username: z.string().max(63).optional(),
    from: z.coerce.number().optional(),
    to: z.coerce.number().optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(500),
  })
  .strict();

export const V1Error = z.object({ error: z.object({ code: ErrorCode, message: z.string() }) });

export const V1Leases = z.object({ leases: z.array(Lease) });
export const V1Pools = z.object({ pools: z.array(LeasePool) });
export const V1History = z.object({ records: z.array(LeaseHistoryRecord) });
export { AcquireLeasesResult as V1LeaseStarted, Lease as V1Lease, PoolCapacity as V1Capacity };
