import { HangarError } from '../contract/errors';
import { SnapshotCreateFlag, type LibvirtConnection } from '../libvirt';
import { buildSnapshotXml } from '../xml/snapshot';
import type { ClonePlan } from './plan-clone';

/**
 * The snapshot a running VM is cloned from: external and disk-only, so the VM goes on writing to
 * new overlays while the clone reads the images the snapshot froze. Quiesced through the guest
 * agent when there is one; without one, taken as a crash-consistent copy. It stays, in the VM's
 * snapshot tree, as the clone's point of origin.
 */
export async function takeSourceSnapshot(conn: LibvirtConnection, plan: ClonePlan, name: string): Promise<void> {
  const dom = await conn.domainLookupByUuid(plan.vm.uuid);
  const xml = buildSnapshotXml({
    name,
    description: `Taken for a clone of ${plan.vm.name}`,
    memory: 'no',
    memoryFile: null,
    disks: plan.disks.map((d) => ({ target: d.target, snapshot: 'external' as const, file: null })),
  });
  const flags = SnapshotCreateFlag.DISK_ONLY | SnapshotCreateFlag.ATOMIC;
  try {
    await conn.snapshotCreateXml(dom, xml, flags | (plan.running ? SnapshotCreateFlag.QUIESCE : 0));
  } catch (err) {
    if (!plan.running) throw err;
    // No agent (or it cannot freeze): the copy is crash-consistent, as after a power cut.
    const e = HangarError.from(err);
    if (!/agent|quiesce|freeze/i.test(e.message)) throw err;
    await conn.snapshotCreateXml(dom, xml, flags);
  }
}
