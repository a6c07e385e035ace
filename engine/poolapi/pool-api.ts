import type { ApiToken } from '../contract/api-tokens';
import { HangarError } from '../contract/errors';
import type { Host } from '../contract/hosts';
import { LIVE_LEASE_STATES, type AcquireLeasesResult, type Lease, type LeasePool } from '../contract/pools';
import { HttpRefusal } from './http-util';
import type { PoolApiDeps } from './service';

/** The owner the leases engine records for leases made with a token: a request sees only these. */
export const ownerOf = (token: ApiToken): string => `token:${token.id}`;

export interface LeaseAsk {
  os: string;
  username: string;
  count: number;
  cpus?: number | undefined;
  memoryMiB?: number | undefined;
  expiresInMinutes?: number | undefined;
  /** The seed's `xhostref`: a host number from /showall (1-based), a host name or id. */
  hostRef?: string | undefined;
  sshAuthorizedKeys?: string[] | undefined;
  idempotencyKey?: string | undefined;
}

/** Ended leases a release waits for at most (the VM and its disks deleted). */
const RELEASE_WAIT_MS = 5 * 60_000;

/**
 * The REST listener's rules over the leases engine, shared by the seed's endpoints and /api/v1:
 * who may do what (a token touches only its own leases), the token's quota, the seed's host
 * numbers. Provisioning, capacity and history are the leases engine's.
 */
export class PoolApi {
  /** One lease request at a time per token, so two parallel requests cannot both pass the quota. */
  private readonly quotaLocks = new Map<string, Promise<unknown>>();
  /** Idempotency keys answered in this process (token id + key), oldest first. */
  private readonly keysSeen = new Set<string>();

  constructor(readonly deps: PoolApiDeps) {}

  /** Hosts in the seed's numbering: 1, 2, … in the order they were added. */
  async numberedHosts(): Promise<Host[]> {
    const hosts = await this.deps.hosts();
    return [...hosts].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  pool(os: string): LeasePool {
    const pool = this.deps.leases.pool(os);
    if (!pool) throw new HttpRefusal(400, `unknown OS '${os}'`);
    return pool;
  }

  async hostIdOf(ref: string): Promise<string> {
    const hosts = await this.numberedHosts();
    const host = /^[0-9]+$/.test(ref) ? hosts[Number(ref) - 1] : hosts.find((h) => h.name === ref || h.id === ref);
    if (!host) throw new HttpRefusal(400, `no host '${ref}' (xhostref is a host number from /showall, or a host name)`);
    return host.id;
  }

  liveLeases(token: ApiToken): Lease[] {
    return this.deps.leases.list({ owner: ownerOf(token), states: [...LIVE_LEASE_STATES] });
  }

  /** Checks the OS, the token's quota and expiry, then asks the leases engine; answers at once. */
  async acquire(token: ApiToken, ask: LeaseAsk): Promise<AcquireLeasesResult> {
    const pool = this.pool(ask.os);
    if (ask.expiresInMinutes !== undefined && ask.expiresInMinutes > token.maxExpiryMinutes) {
      throw new HttpRefusal(429, `expiry ${ask.expiresInMinutes} minutes is over this token's limit of ${token.maxExpiryMinutes}`);
    }
    const expiresInMinutes = ask.expiresInMinutes ?? Math.min(pool.defaultExpiryMinutes, token.maxExpiryMinutes);
    const hostId = ask.hostRef ? await this.hostIdOf(ask.hostRef) : undefined;
    const owner = ownerOf(token);
    return this.serialized(token.id, async () => {
      // A replay of an Idempotency-Key the leases engine answers with the first request's leases:
      // it makes nothing, so the quota (which already counts those leases) does not apply to it.
      const replayKey = ask.idempotencyKey ? `${token.id}\n${ask.idempotencyKey}` : null;
      if (!replayKey || !this.keysSeen.has(replayKey)) {
        const held = this.liveLeases(token).length;
        if (held + ask.count > token.maxVms) {
          throw new HttpRefusal(429, `over quota: this token holds ${held} of ${token.maxVms} VMs and asked for ${ask.count} more`);
        }
      }
      const result = await this.deps.leases.acquire({
        os: ask.os,
        username: ask.username,
        count: ask.count,
        ...(ask.cpus !== undefined ? { cpus: ask.cpus } : {}),
        ...(ask.memoryMiB !== undefined ? { memoryMiB: ask.memoryMiB } : {}),
        expiresInMinutes,
        ...(hostId ? { hostId } : {}),
        ...(ask.sshAuthorizedKeys ? { sshAuthorizedKeys: ask.sshAuthorizedKeys } : {}),
        owner,
        ...(ask.idempotencyKey ? { idempotencyKey: ask.idempotencyKey } : {}),
      });
      if (replayKey) {
        this.keysSeen.add(replayKey);
        if (this.keysSeen.size > 10_000) this.keysSeen.delete(this.keysSeen.values().next().value!);
      }
      return result;
    });
  }

  private serialized<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.quotaLocks.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.quotaLocks.set(key, tail);
    void tail.then(() => {
      if (this.quotaLocks.get(key) === tail) this.quotaLocks.delete(key);
    });
    return run;
  }

  /** Releases the token's leases by name or id; waits (bounded) until their VMs and disks are gone. */
  async release(token: ApiToken, which: { names?: string[]; ids?: string[] }, signal: AbortSignal, wait = true): Promise<Lease[]> {
    const { leases } = await this.deps.leases.release({ ...which, owner: ownerOf(token) });
    if (wait && leases.length) await this.waitEnded(leases.map((l) => l.id), signal);
    return leases;
  }

  get(token: ApiToken, id: string): Promise<Lease> {
    return this.deps.leases.get(id, ownerOf(token));
  }

  /** Resolves when every lease has ended (released, expired or failed). */
  waitEnded(ids: string[], signal: AbortSignal): Promise<void> {
    const pending = new Set(ids);
    const ended = (l: Lease) => !LIVE_LEASE_STATES.includes(l.state);
    return new Promise<void>((resolve, reject) => {
      let off = () => {};
      const finish = (err?: Error) => {
        off();
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => finish(new HangarError('CANCELLED', 'the request ended before the release finished'));
      const timer = setTimeout(() => finish(new HangarError('TIMEOUT', 'the release did not finish in time; it goes on in the background')), RELEASE_WAIT_MS);
      off = this.deps.leases.onChange((l) => {
        if (pending.has(l.id) && ended(l)) pending.delete(l.id);
        if (!pending.size) finish();
      });
      signal.addEventListener('abort', onAbort, { once: true });
      // Those that ended before we listened.
      void Promise.all(
        [...pending].map((id) =>
          this.deps.leases.get(id).then(
            (l) => ended(l) && pending.delete(id),
            () => pending.delete(id),
          ),
        ),
      ).then(() => {
        if (!pending.size) finish();
      });
    });
  }
}
