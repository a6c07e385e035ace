import { HangarError } from '../contract/errors';
import type { JobRef } from '../contract/jobs';
import type { CreatePoolParams, Pool, PoolAction } from '../contract/storage';
import type { FleetHosts } from '../hosts/fleet';
import { HostObjects } from '../inventory/host-objects';
import type { JobRunner } from '../jobs/job-runner';
import { isNotFound } from '../libvirt';
import { buildPoolXml } from '../xml/pool';
import type { PoolInventory } from './pool-inventory';
import { diskUsers, poolUsers } from './storage-users';

export interface PoolJobDeps {
  fleet: Pick<FleetHosts, 'libvirt'>;
  inventory: PoolInventory;
  jobs: Pick<JobRunner, 'start'>;
  /** The library's items with a copy in a pool: a pool holding templates or ISOs is not stopped or deleted either. */
  library?: { itemsInPool(hostId: string, pool: string, targetPath: string | null): string[] };
}

const target = (hostId: string, name: string) => ({ kind: 'pool' as const, id: HostObjects.id(hostId, name) });

/**
 * Defines the pool, builds it (a dir pool's directory, a logical pool's volume group on the given
 * devices, a netfs pool's mount point), starts it and sets autostart. A pool that fails after its
 * definition is undefined again, so a failed create leaves no half pool behind.
 */
export function createPool(deps: PoolJobDeps, p: CreatePoolParams): Promise<JobRef> {
  if (deps.inventory.pools.find(p.hostId, p.name)) {
    throw new HangarError('INVALID_PARAMS', `This host already has a pool named ${p.name}`, {
      issues: [{ path: 'name', rule: 'other', hint: 'this host already has a pool by that name' }],
      messages: { name: { key: 'pool.err.nameTaken', args: { name: p.name } } },
    });
  }
  return deps.jobs.start({ kind: 'pool.create', title: { key: 'job.pool.create', args: { name: p.name } }, target: target(p.hostId, p.name), hostId: p.hostId, cancellable: false }, async (ctx) => {
    const conn = deps.fleet.libvirt(p.hostId);
    const ref = await conn.storagePoolDefineXml(buildPoolXml(p));
    try {
      // iSCSI has nothing to build; a logical pool over an existing volume group must not be rebuilt.
      if (p.type === 'dir' || p.type === 'netfs' || (p.type === 'logical' && p.devices.length > 0)) {
        ctx.progress(0.3, { key: 'pool.step.build' });
        await conn.storagePoolBuild(ref);
      }
      ctx.progress(0.6, { key: 'pool.step.start' });
      await conn.storagePoolCreate(ref);
      if (p.autostart) await conn.storagePoolSetAutostart(ref, true);
    } catch (err) {
      await conn.storagePoolDestroy(ref).catch(() => undefined);
      await conn.storagePoolUndefine(ref).catch(() => undefined);
      throw err;
    }
    const pool = await deps.inventory.refreshPool(p.hostId, p.name);
    if (!pool) throw new HangarError('NOT_FOUND', `Pool ${p.name} vanished after it was created`);
    return pool;
  });
}

/** The VMs that use the pool, checked again inside the job: refused with their names. */
async function refuseInUse(deps: PoolJobDeps, pool: Pool, action: 'stop' | 'delete'): Promise<void> {
  const users = poolUsers(await diskUsers(deps.fleet.libvirt(pool.hostId)), pool.name, pool.targetPath);
  const items = deps.library?.itemsInPool(pool.hostId, pool.name, pool.targetPath) ?? [];
  if (users.length === 0 && items.length > 0) {
    const templates = items.join(', ');
    throw new HangarError('CONFLICT', `Pool ${pool.name} holds the library's ${templates}: it cannot be ${action === 'stop' ? 'stopped' : 'deleted'} while a template or ISO is in it`, {
      templates: items,
      message: { key: action === 'stop' ? 'library.err.poolStop' : 'library.err.poolDelete', args: { pool: pool.name, templates } },
    });
  }
  if (users.length === 0) return;
  const vms = users.map((u) => u.name).sort().join(', ');
  throw new HangarError('CONFLICT', `Pool ${pool.name} is used by ${vms}: it cannot be ${action === 'stop' ? 'stopped' : 'deleted'} while a VM definition uses it`, {
    vms: users.map((u) => ({ vmId: u.vmId, name: u.name })),
    message: { key: action === 'stop' ? 'pool.err.inUseStop' : 'pool.err.inUseDelete', args: { pool: pool.name, vms } },
  });
}

const KIND = { start: 'pool.start', stop: 'pool.stop', refresh: 'pool.refresh', delete: 'pool.delete', autostartOn: 'pool.autostart', autostartOff: 'pool.autostart' } as const;

/**
 * Start, stop, refresh, delete or autostart. Delete removes the definition only: the files stay
 * on the host (libvirt's pool-delete, which erases the directory, is not offered). Stop and delete
 * are refused at once, naming the VMs, while any VM definition uses the pool.
 */
export async function poolAction(deps: PoolJobDeps, p: { hostId: string; pool: string; action: PoolAction }): Promise<JobRef> {
  const pool = deps.inventory.pools.find(p.hostId, p.pool) ?? (await deps.inventory.refreshPool(p.hostId, p.pool));
  if (!pool) throw new HangarError('NOT_FOUND', `No storage pool ${p.pool}`);
  if (p.action === 'stop' || p.action === 'delete') await refuseInUse(deps, pool, p.action);
  const kind = KIND[p.action];
  return deps.jobs.start({ kind, title: { key: `job.${kind}`, args: { name: pool.name } }, target: target(p.hostId, pool.name), hostId: p.hostId, cancellable: false }, async () => {
    const conn = deps.fleet.libvirt(p.hostId);
    const ref = await conn.storagePoolLookupByName(pool.name);
    const running = (await conn.storagePoolGetInfo(ref)).state !== 0;
    switch (p.action) {
      case 'start':
        if (!running) await conn.storagePoolCreate(ref);
        break;
      case 'stop':
        await refuseInUse(deps, pool, 'stop');
        if (running) await conn.storagePoolDestroy(ref);
        break;
      case 'refresh':
        if (!running) throw new HangarError('CONFLICT', `Pool ${pool.name} is stopped: start it to refresh it`, { message: { key: 'pool.err.stoppedRefresh', args: { pool: pool.name } } });
        await conn.storagePoolRefresh(ref);
        break;
      case 'delete':
        await refuseInUse(deps, pool, 'delete');
        if (running) await conn.storagePoolDestroy(ref);
        await conn.storagePoolUndefine(ref).catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
        break;
      case 'autostartOn':
      case 'autostartOff':
        await conn.storagePoolSetAutostart(ref, p.action === 'autostartOn');
        break;
    }
    return deps.inventory.refreshPool(p.hostId, pool.name);
  });
}
