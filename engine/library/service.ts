import { HangarError } from '../contract/errors';
import type { LibraryItem } from '../contract/library';
import type { Vm } from '../contract/vms';
import type { EventHub } from '../events/event-hub';
import type { FleetEvents, FleetLinks } from '../hosts/fleet';
import type { JobRunner } from '../jobs/job-runner';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import type { TransferApi } from '../storage/transfer/api';
import { adoptVolume, copyToHost, deleteCopy, deleteItem, hostName, joinSharedCopies, readyCopyFor, registerFromVm, uploadItem, type LibraryDeps } from './library-jobs';
import { LibraryStore } from './library-store';
import { OS_CATALOGUE } from './os-catalogue';

/** What the rest of the engine asks the library: create, CD-ROM media and pools read it. */
export interface LibraryResolver {
  /** A template usable somewhere: its Ready hosts decide where a VM made from it may go. */
  template(itemId: string): LibraryItem;
  /** The Ready copy a host reads, as that host names it (a shared pool's volume by its path there). */
  volumeOn(itemId: string, hostId: string): Promise<{ pool: string; volume: string; path: string }>;
  /** An ISO's path on the VM's host; refused while it is not Ready there (still uploading). */
  isoPath(itemId: string, hostId: string): Promise<string>;
  /** Names of the library items with a copy in this pool of this host (seen from it, for a shared pool). */
  itemsInPool(hostId: string, pool: string, targetPath: string | null): string[];
}

const inDir = (path: string, dir: string | null) => dir !== null && dir !== '/' && path.startsWith(dir.endsWith('/') ? dir : `${dir}/`);

/** The template and ISO library (issue 17): the `library` topic, its jobs, and the resolver others use. */
export async function libraryService(deps: { db: Db; hub: EventHub; fleet: Pick<FleetLinks, 'libvirt' | 'ssh' | 'hosts'> & FleetEvents; jobs: Pick<JobRunner, 'start'>; vm(id: string): Vm | undefined; transfer: () => TransferApi }): Promise<Service & { readonly library: LibraryResolver; readonly store: LibraryStore }> {
  const store = new LibraryStore(deps.db);
  await store.load();
  deps.hub.defineTopic('library', { initial: () => store.items.snapshot() });
  store.items.onDelta((d) => deps.hub.publish('library', d));
  const jobDeps: LibraryDeps = { fleet: deps.fleet, store, jobs: deps.jobs, vm: deps.vm };
  // A host that connects later may see a Ready copy's file on a shared file system: it counts too.
  deps.fleet.on('connected', (hostId) => void joinSharedCopies(jobDeps, hostId).catch(() => undefined));

  const item = (id: string): LibraryItem => {
    const it = store.get(id);
    if (!it) throw new HangarError('NOT_FOUND', `No library item ${id}`);
    return it;
  };
  const notReady = (it: LibraryItem, hostId: string) => {
    const host = hostName(jobDeps, hostId);
    const moving = it.copies.find((c) => (c.hostId === hostId || c.reach.includes(hostId)) && (c.state === 'uploading' || c.state === 'verifying'));
    return moving
      ? new HangarError('CONFLICT', `${it.name} is still ${moving.state === 'uploading' ? `uploading (${Math.round(moving.percent ?? 0)}%)` : 'being verified'} on ${host}: it can be used once Ready`, { message: { key: 'library.err.notReadyYet', args: { name: it.name, host } } })
      : new HangarError('CONFLICT', `${it.name} is not on ${host}: copy it there first`, { message: { key: 'library.err.notOnHost', args: { name: it.name, host } }, readyOn: it.readyOn });
  };

  const library: LibraryResolver = {
    template(id) {
      const it = item(id);
      if (it.kind !== 'template') throw new HangarError('INVALID_PARAMS', `${it.name} is an ISO, not a template`, { message: { key: 'library.err.notTemplate', args: { name: it.name } } });
      if (it.readyOn.length === 0) throw new HangarError('CONFLICT', `${it.name} is not Ready on any host yet`, { message: { key: 'library.err.notReadyAnywhere', args: { name: it.name } } });
      return it;
    },
    async volumeOn(id, hostId) {
      const it = item(id);
      const c = readyCopyFor(it, hostId);
      if (!c) throw notReady(it, hostId);
      if (c.hostId === hostId) return { pool: c.pool, volume: c.volume, path: c.path };
      const ref = await deps.fleet.libvirt(hostId).storageVolLookupByPath(c.path);
      return { pool: ref.pool, volume: ref.name, path: c.path };
    },
    async isoPath(id, hostId) {
      const it = item(id);
      if (it.kind !== 'iso') throw new HangarError('INVALID_PARAMS', `${it.name} is a template, not an ISO`, { message: { key: 'library.err.notIso', args: { name: it.name } } });
      const c = readyCopyFor(it, hostId);
      if (!c) throw notReady(it, hostId);
      return c.path;
    },
    itemsInPool(hostId, pool, targetPath) {
      return store.items
        .values()
        .filter((it) => it.copies.some((c) => (c.hostId === hostId && c.pool === pool) || (c.reach.includes(hostId) && inDir(c.path, targetPath))))
        .map((it) => it.name)
        .sort();
    },
  };

  return {
    name: 'library',
    library,
    store,
    handlers: {
      'library.list': async () => ({ items: store.items.values() }),
      'library.osCatalogue': async () => ({ entries: [...OS_CATALOGUE] }),
      'library.registerFromVm': (p) => registerFromVm(jobDeps, p),
      'library.adopt': (p) => adoptVolume(jobDeps, p),
      'library.upload': (p) => uploadItem({ ...jobDeps, transfer: deps.transfer }, p),
      'library.copyToHost': (p) => copyToHost({ ...jobDeps, transfer: deps.transfer }, p),
      'library.deleteCopy': (p) => deleteCopy(jobDeps, p),
      'library.delete': (p) => deleteItem(jobDeps, p.itemId),
    },
  };
}
