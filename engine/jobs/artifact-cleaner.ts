import { sleep } from '../common/abort';
import { HangarError } from '../contract/errors';
import type { JobArtifact } from '../contract/jobs';
import { DomainState, isNotFound, UndefineFlag, type LibvirtConnection } from '../libvirt';
import type { ArtifactCleaner } from './job-runner';

/**
 * A volume whose creation the killed engine asked for is still being written by libvirt after
 * the restart (a full copy runs on in libvirtd): it cannot be deleted until that ends.
 */
const BUSY = /still being allocated|still in use/i;
const BUSY_RETRY_MS = 2000;

/**
 * Deletes a journalled leftover through libvirt. A volume is found by pool and name; a domain
 * only by the UUID the job gave it, so a clean-up never touches a namesake made since. What is
 * not there (any more) counts as cleaned: the job may have stopped before asking for it.
 */
export function libvirtCleaner(libvirt: (hostId: string) => LibvirtConnection): ArtifactCleaner {
  return async (a: JobArtifact, signal: AbortSignal) => {
    const c = libvirt(a.hostId);
    if (a.kind === 'volume') {
      if (!a.pool) throw new HangarError('INTERNAL', `The journal names no pool for the volume ${a.name}`);
      let vol;
      try {
        vol = await c.storageVolLookupByName(await c.storagePoolLookupByName(a.pool), a.name);
      } catch (err) {
        if (isNotFound(err)) return;
        throw err;
      }
      for (;;) {
        try {
          await c.storageVolDelete(vol, 0);
          return;
        } catch (err) {
          if (isNotFound(err)) return;
          if (!BUSY.test(HangarError.from(err).message)) throw err;
          await sleep(BUSY_RETRY_MS, signal);
        }
      }
    }
    if (!a.uuid) throw new HangarError('INTERNAL', `The journal names no UUID for the VM ${a.name}`);
    let dom;
    try {
      dom = await c.domainLookupByUuid(a.uuid);
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    if ((await c.domainGetState(dom)).state !== DomainState.SHUTOFF) await c.domainDestroy(dom, 0);
    await c.domainUndefine(dom, UndefineFlag.MANAGED_SAVE | UndefineFlag.SNAPSHOTS_METADATA | UndefineFlag.NVRAM);
  };
}
