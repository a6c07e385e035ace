import type { Pool } from '../contract/storage';
import type { FleetEvents, FleetLinks } from '../hosts/fleet';
import { HostObjects } from '../inventory/host-objects';
import type { LibvirtConnection, LibvirtEvent } from '../libvirt';
import type { Logger } from '../logger';
import { readPoolByName, readPools } from './read-pool';
import { rootFsPaths } from './root-fs';

const ROOT_FS_TTL_MS = 60_000;

/**
 * The pools of the fleet: fetched whole when a host connects, then kept current by libvirt's pool
 * lifecycle and refresh events (a pool stopped with virsh shows stopped at once), each pool read
 * again on its event. Which pools sit on the root file system is asked over SSH, quoted.
 */
export class PoolInventory {
  readonly pools = new HostObjects<Pool>();
  /** Root file system answers by host and path: a pool refreshes often (every volume listing), its mount rarely changes. */
  private readonly rootFs = new Map<string, { onRoot: boolean; at: number }>();

  constructor(
    private readonly fleet: Pick<FleetLinks, 'libvirt' | 'ssh'>,
    private readonly logger: Logger,
  ) {}

  follow(events: FleetEvents): void {
    events.on('connected', (hostId, conn) => void this.fetchHost(hostId, conn));
    events.on('event', (hostId, ev) => this.onEvent(hostId, ev));
    // A lost host keeps its last known list (the page says the host is unreachable); the next connect reads it whole again.
    events.on('removed', (hostId) => this.pools.dropHost(hostId));
  }

  async fetchHost(hostId: string, conn: LibvirtConnection = this.fleet.libvirt(hostId)): Promise<void> {
    try {
      this.pools.replaceHost(hostId, await this.withRootFs(hostId, await readPools(conn, hostId)));
    } catch (err) {
      this.logger.warn('pool inventory fetch failed', { hostId, error: String(err) });
    }
  }

  /** Reads one pool again (after an event or a job) and publishes it; null when it is gone. */
  async refreshPool(hostId: string, name: string): Promise<Pool | null> {
    const pool = await readPoolByName(this.fleet.libvirt(hostId), hostId, name);
    const [withFs] = pool ? await this.withRootFs(hostId, [pool]) : [null];
    this.pools.put(hostId, name, withFs ?? null);
    return withFs ?? null;
  }

  private onEvent(hostId: string, ev: LibvirtEvent): void {
    if (ev.kind !== 'storage-pool-lifecycle' && ev.kind !== 'storage-pool-refresh') return;
    this.refreshPool(hostId, ev.pool.name).catch((err: unknown) => this.logger.warn('pool refresh after event failed', { hostId, pool: ev.pool.name, error: String(err) }));
  }

  private async withRootFs(hostId: string, pools: Pool[]): Promise<Pool[]> {
    const ssh = this.fleet.ssh(hostId);
    const key = (path: string) => `${hostId}\0${path}`;
    const now = Date.now();
    const paths = [...new Set(pools.filter((p) => p.state === 'running' && p.targetPath?.startsWith('/') && !p.targetPath.startsWith('/dev/')).map((p) => p.targetPath!))];
    const stale = paths.filter((p) => now - (this.rootFs.get(key(p))?.at ?? 0) > ROOT_FS_TTL_MS);
    if (ssh && stale.length > 0) {
      const fresh = await rootFsPaths(ssh, stale).catch((err: unknown) => {
        this.logger.warn('root file system probe failed', { hostId, error: String(err) });
        return new Map<string, boolean>();
      });
      for (const [path, onRoot] of fresh) this.rootFs.set(key(path), { onRoot, at: now });
    }
    return pools.map((p) => ({ ...p, onRootFs: p.state === 'running' && p.targetPath ? (this.rootFs.get(key(p.targetPath))?.onRoot ?? null) : null }));
  }
}
