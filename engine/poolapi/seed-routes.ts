import type { ApiToken } from '../contract/api-tokens';
import type { Lease } from '../contract/pools';
import { describeError, text, type Reply } from './http-util';
import type { PoolApi } from './pool-api';
import { checkOsName, parseGetServers, parseReleaseServers } from './seed-params';
import { formatGetServers, formatReleased, formatShowall, seedError, type ShowallVm } from './seed-format';

export interface SeedContext {
  api: PoolApi;
  token: ApiToken;
  segments: string[];
  query: URLSearchParams;
  signal: AbortSignal;
  idempotencyKey: string | undefined;
}

/** The seed's routes: the first path segment, and how long a request may take. */
export const SEED_ROUTES: Record<string, { deadlineMs: number; handle(ctx: SeedContext): Promise<Reply> }> = {
  showall: { deadlineMs: 30_000, handle: showall },
  getavailablecount: { deadlineMs: 30_000, handle: availableCount },
  // Provisioning with retries can take the pool's network timeout several times over.
  getservers: { deadlineMs: 60 * 60_000, handle: getServers },
  releaseservers: { deadlineMs: 10 * 60_000, handle: releaseServers },
};

/** A refusal in the seed's words: status, and `Error: …` (naming the request's VM where there is one). */
function seedFailure(err: unknown, name?: string): Reply {
  const { status, message } = describeError(err);
  return text(status, seedError(message, name));
}

const POWER: Record<Lease['state'], string> = {
  provisioning: 'Starting',
  ready: 'Running',
  releasing: 'Stopping',
  released: 'Halted',
  expired: 'Halted',
  failed: 'Halted',
};

/** GET /showall[/<os>]: this token's live leases, by host number as the seed keyed its Xen hosts. */
async function showall(ctx: SeedContext): Promise<Reply> {
  const os = ctx.segments[1];
  if (ctx.segments.length > 2) return text(404, seedError('not found'));
  if (os !== undefined) {
    const err = checkOsName(os);
    if (err) return text(400, seedError(err));
    ctx.api.pool(os);
  }
  const hosts = await ctx.api.numberedHosts();
  const byHost = new Map<number, ShowallVm[]>(hosts.map((_, i) => [i + 1, []]));
  const number = new Map(hosts.map((h, i) => [h.id, i + 1]));
  for (const l of ctx.api.liveLeases(ctx.token)) {
    if (os !== undefined && l.os !== os) continue;
    const n = l.hostId ? number.get(l.hostId) : undefined;
    if (n === undefined) continue;
    byHost.get(n)!.push({
      memory_static_max: String(l.memoryMiB * 1024 * 1024),
      name: l.name,
      name_description: `${l.name} from ${l.os} on ${new Date(l.createdAt).toISOString().replace('T', ' ').replace('Z', '')}`,
      networkinfo: l.ipaddr ?? '',
      power_state: POWER[l.state],
      vcpus: String(l.cpus),
    });
  }
  return text(200, formatShowall(byHost));
}

/** GET /getavailablecount/<os>: a plain number, like the seed's `str(count)`. */
async function availableCount(ctx: SeedContext): Promise<Reply> {
  if (ctx.segments.length > 2) return text(404, seedError('not found'));
  const os = ctx.segments[1] ?? 'centos';
  const err = checkOsName(os);
  if (err) return text(400, seedError(err));
  try {
    ctx.api.pool(os);
    const cap = await ctx.api.deps.leases.capacity(os);
    return text(200, String(cap.available));
  } catch (e) {
    return seedFailure(e);
  }
}

/** GET /getservers/<username>?os=&count=…: leases, then answers once every VM has its address. */
async function getServers(ctx: SeedContext): Promise<Reply> {
  if (ctx.segments.length !== 2) return text(400, seedError('the URL is /getservers/<username>?os=<os>&count=<n>'));
  const parsed = parseGetServers(ctx.segments[1]!, ctx.query);
  if (!parsed.ok) return text(400, seedError(parsed.error));
  const r = parsed.value;
  try {
    const started = await ctx.api.acquire(ctx.token, {
      os: r.os,
      username: r.username,
      count: r.count,
      cpus: r.cpus ?? undefined,
      memoryMiB: r.memoryMib ?? undefined,
      expiresInMinutes: r.expiresMinutes ?? undefined,
      hostRef: r.hostRef ?? undefined,
      idempotencyKey: ctx.idempotencyKey,
    });
    const ready = await ctx.api.deps.leases.waitReady(
      started.leases.map((l) => l.id),
      ctx.signal,
    );
    const byName = new Map(ready.map((l) => [l.name, l]));
    const addrs = r.names.map((name) => ({ name, ip: byName.get(name)?.ipaddr ?? '' }));
    return text(200, formatGetServers(addrs, r.format));
  } catch (e) {
    return seedFailure(e, r.username);
  }
}

/** GET /releaseservers/<username>?count=: deletes this token's VMs of those names; the OS is not needed (seed note). */
async function releaseServers(ctx: SeedContext): Promise<Reply> {
  if (ctx.segments.length < 2 || ctx.segments.length > 3) return text(400, seedError('the URL is /releaseservers/<username>?count=<n>'));
  const parsed = parseReleaseServers(ctx.segments[1]!, ctx.query);
  if (!parsed.ok) return text(400, seedError(parsed.error));
  const r = parsed.value;
  try {
    const released = await ctx.api.release(ctx.token, { names: r.names }, ctx.signal);
    if (!released.length) return text(404, seedError(`VM ${r.username} doesn't exist`));
    const order = new Map(r.names.map((n, i) => [n, i]));
    return text(200, formatReleased(released.map((l) => l.name).sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))));
  } catch (e) {
    return seedFailure(e, r.username);
  }
}
