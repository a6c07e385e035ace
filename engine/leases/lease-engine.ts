import type { z } from 'zod';
import type {
  AcquireLeasesParams,
  AcquireLeasesResult,
  CreateLeasePoolParams,
  ExtendLeaseParams,
  ImportIniParams,
  ImportIniResult,
  Lease,
  LeaseHistoryParams,
  LeaseHistoryRecord,
  LeasePool,
  ListLeasesParams,
  PoolCapacity,
  ReleaseLeasesParams,
  UpdateLeasePoolParams,
} from '../contract/pools';

type In<T extends z.ZodTypeAny> = z.input<T>;

/**
 * What the leases engine offers other services (the REST listener of `poolapi`, the CLI): the
 * contract's methods, plus `waitReady` for callers that answer only once addresses are known
 * (the seed's /getservers, `?wait=ip`, `hangar lease get --wait`). Every refusal is a HangarError
 * (NOT_FOUND unknown OS or lease, INVALID_PARAMS bad expiry, CONFLICT no capacity), carrying a
 * Message key in `details.message`.
 *
 * Ownership: a lease carries `owner` (an API token's id, `cli`, `ui`). Pass `owner` on get,
 * release and extend and a lease of another owner is NOT_FOUND, as if it did not exist.
 */
export interface LeaseEngine {
  listPools(): LeasePool[];
  /** Undefined for an unknown OS. */
  pool(os: string): LeasePool | undefined;
  createPool(p: In<typeof CreateLeasePoolParams>): Promise<LeasePool>;
  updatePool(p: In<typeof UpdateLeasePoolParams>): Promise<LeasePool>;
  deletePool(os: string): Promise<void>;
  capacity(os: string): Promise<PoolCapacity>;
  importIni(p: In<typeof ImportIniParams>): Promise<ImportIniResult>;

  /** Answers at once with the leases (provisioning, or ready when spares served them) and the parent job. */
  acquire(p: In<typeof AcquireLeasesParams>): Promise<AcquireLeasesResult>;
  /**
   * Resolves with the leases once every one is ready (has its address); rejects with the
   * provisioning's HangarError when one failed after its retries (the others are released then,
   * nothing left behind), or CANCELLED when `signal` aborts (the leases stay).
   */
  waitReady(leaseIds: string[], signal?: AbortSignal): Promise<Lease[]>;
  list(p: In<typeof ListLeasesParams>): Lease[];
  /** Live or ended (its last state). */
  get(id: string, owner?: string): Promise<Lease>;
  /** Starts deleting the VMs and their disks; answers with the leases now releasing and the job. */
  release(p: In<typeof ReleaseLeasesParams>): Promise<{ jobId: string; leases: Lease[] }>;
  extend(p: In<typeof ExtendLeaseParams>): Promise<Lease>;
  history(p: In<typeof LeaseHistoryParams>): Promise<LeaseHistoryRecord[]>;
  /** Called with every change of a lease (state, address, expiry). Returns the unsubscribe. */
  onChange(listener: (lease: Lease) => void): () => void;
}
