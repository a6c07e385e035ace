import type { Vm } from '../contract/vms';
import type { FleetEvents } from '../hosts/fleet';
import type { HostManager } from '../hosts/host-manager';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import { KnownStore, type KnownWrite } from './known-store';
import type { VmInventory } from './vm-inventory';

/** How long changes gather before one batched write (write-behind). */
const FLUSH_MS = 2_000;
/** VMs per write batch: each batch is one transaction in the SQLite worker, and the engine yields between. */
const BATCH = 500;
/** How often connected hosts' "last seen" moves on, so a crash understates a host's age by at most this. */
const HEARTBEAT_MS = 60_000;

const yieldTurn = () => new Promise<void>((r) => setImmediate(r));

/** Same data, whatever object: a reconcile makes new objects for unchanged VMs, which are not written again. */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * What is stored of a copy: the copy as last seen live, not the merge around it. A copy no longer
 * live is stored as it was (its state then): a host lost at shutdown keeps what it last showed.
 */
const stored = (vm: Vm): Vm => ({ ...vm, state: vm.lastSeen?.state ?? vm.state, otherCopies: [], lastSeen: null });

/**
 * Instant start from what is known (issue 20). At start, before any host connects, each host's
 * last-known VMs come from SQLite into the inventory (state Unknown, `lastSeen` saying what each
 * was and when) and each host gets its "last seen" time; a host that connects replaces its copies
 * with the live ones (a VM gone since disappears). While the engine runs, every live change is
 * written behind, batched, through the SQLite worker; unchanged copies are not written again.
 */
export async function warmStartService(deps: {
  db: Db;
  logger: Logger;
  fleet: FleetEvents & Pick<HostManager, 'setLastSeen' | 'hosts'>;
  inventory: VmInventory;
  /** The local host's id when there is one this run (it is not a stored host). */
  localId: string | null;
}): Promise<Service & { flush(): Promise<void> }> {
  const { fleet, inventory, logger } = deps;
  const store = new KnownStore(deps.db);
  /** What is in SQLite, by uuid then host: compared against to skip unchanged copies. */
  const written = new Map<string, Map<string, Vm>>();
  const remember = (vm: Vm) => {
    let byHost = written.get(vm.uuid);
    if (!byHost) written.set(vm.uuid, (byHost = new Map()));
    byHost.set(vm.hostId, vm);
  };

  const t0 = performance.now();
  const known = await store.load(deps.localId);
  const t1 = performance.now();
  let count = 0;
  for (const [hostId, at] of known.seenAt) {
    fleet.setLastSeen(hostId, at);
    const vms = known.vms.get(hostId) ?? [];
    for (const vm of vms) remember({ ...vm, hostId });
    inventory.loadKnown(hostId, vms, at);
    count += vms.length;
  }
  if (count) {
    const t2 = performance.now();
    logger.info('last-known inventory loaded', { vms: count, hosts: known.seenAt.size, ms: Math.round(t2 - t0), readMs: Math.round(known.readMs), parseMs: Math.round(t1 - t0 - known.readMs), publishMs: Math.round(t2 - t1) });
  }

  const dirty = new Set<string>();
  /** Hosts seen connected in this run, not since lost: their "last seen" is now. */
  const live = new Set<string>();
  const hostWrites: KnownWrite[] = [];
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> | null = null;

  const schedule = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      void flush().catch((err: unknown) => logger.warn('last-known inventory write failed', { error: String(err) }));
    }, FLUSH_MS);
    timer.unref();
  };

  async function writeOnce(): Promise<void> {
    const uuids = [...dirty];
    dirty.clear();
    const now = Date.now();
    const head = [...hostWrites.splice(0), ...[...live].map((h) => store.seen(h, now))];
    for (let i = 0; i < uuids.length || (i === 0 && head.length); i += BATCH) {
      if (i > 0) await yieldTurn();
      const batch: KnownWrite[] = i === 0 ? head : [];
      for (const uuid of uuids.slice(i, i + BATCH)) {
        const copies = inventory.copiesOf(uuid);
        const hosts = copies.map((c) => c.hostId);
        const before = written.get(uuid);
        for (const h of before?.keys() ?? []) {
          if (hosts.includes(h)) continue;
          before!.delete(h);
          batch.push(store.dropCopy(h, uuid));
        }
        if (before?.size === 0) written.delete(uuid);
        for (const c of copies) {
          const row = stored(c);
          if (same(written.get(uuid)?.get(c.hostId), row)) continue;
          remember(row);
          batch.push(store.putCopy(row));
        }
      }
      await store.write(batch);
    }
  }

  function flush(): Promise<void> {
    flushing ??= writeOnce().finally(() => {
      flushing = null;
      if (dirty.size) schedule();
    });
    return flushing;
  }

  inventory.vms.onDelta((d) => {
    if (d.kind !== 'delta') return;
    for (const vm of d.upsert) dirty.add(vm.id);
    for (const id of d.remove) dirty.add(id);
    schedule();
  });
  fleet.on('connected', (hostId) => {
    live.add(hostId);
    schedule();
  });
  fleet.on('lost', (hostId) => {
    if (!live.delete(hostId)) return; // lost without having been seen in this run: its stored time stands
    const now = Date.now();
    fleet.setLastSeen(hostId, now);
    hostWrites.push(store.seen(hostId, now));
    schedule();
  });
  fleet.on('removed', (hostId) => {
    live.delete(hostId);
    for (const byHost of written.values()) byHost.delete(hostId);
    hostWrites.push(...store.forgetHost(hostId));
    schedule();
  });

  let heartbeat: NodeJS.Timeout | null = null;
  return {
    name: 'warmstart',
    handlers: {},
    flush,
    start() {
      heartbeat = setInterval(() => live.size && schedule(), HEARTBEAT_MS);
      heartbeat.unref();
    },
    async close() {
      if (heartbeat) clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
      timer = null;
      await flushing;
      await flush().catch((err: unknown) => logger.warn('last-known inventory write failed', { error: String(err) }));
    },
  };
}
