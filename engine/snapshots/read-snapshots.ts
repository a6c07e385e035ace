import type { Snapshot } from '../contract/snapshots';
import type { DomainRef, LibvirtConnection } from '../libvirt';
import { readSnapshotXml, type SnapshotInfo } from '../xml/snapshot';
import { readMark } from './marker';
import { snapshotTree } from './tree';

/** Runs a command on the VM's host (argv, quoted by the SSH layer); null where there is no shell (the local host). */
export type HostShell = ((argv: string[]) => Promise<string>) | null;

type ImageInfo = { snapshots?: { name?: unknown; 'vm-state-size'?: unknown }[] };

/**
 * The saved RAM of each internal snapshot in a disk's chain, by name, from `qemu-img info`
 * (read-only, shared lock). The whole chain: after an external snapshot the internal ones are in
 * the image below the overlay.
 */
async function vmStateSizes(shell: NonNullable<HostShell>, image: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  try {
    const parsed = JSON.parse(await shell(['qemu-img', 'info', '--force-share', '--backing-chain', '--output=json', image])) as ImageInfo | ImageInfo[];
    for (const info of Array.isArray(parsed) ? parsed : [parsed])
      for (const s of info.snapshots ?? []) if (typeof s.name === 'string' && typeof s['vm-state-size'] === 'number') out.set(s.name, s['vm-state-size']);
  } catch {
    // A size is a nicety: an image qemu-img cannot read leaves it unknown.
  }
  return out;
}

/**
 * The VM's snapshots as libvirt has them, as a tree, with sizes where the host can tell: the
 * saved RAM of an internal snapshot (qemu-img), the overlays' allocation of an external one.
 */
export async function readSnapshots(conn: LibvirtConnection, dom: DomainRef, images: readonly string[], shell: HostShell): Promise<{ list: Snapshot[]; current: string | null; infos: SnapshotInfo[] }> {
  const refs = await conn.snapshotListAll(dom, 0);
  const infos = await Promise.all(refs.map(async (r) => readSnapshotXml(await conn.snapshotGetXmlDesc(r, 0))));
  const current = refs.length ? await conn.snapshotCurrentName(dom) : null;
  const sizes = shell && infos.some((i) => i.memory === 'internal') ? await Promise.all(images.map((img) => vmStateSizes(shell, img))) : [];
  const overlayBytes = async (file: string): Promise<number | null> => {
    try {
      return (await conn.storageVolGetInfo(await conn.storageVolLookupByPath(file))).allocation;
    } catch {
      return null;
    }
  };
  const nodes = await Promise.all(
    infos.map(async (i) => {
      const { text, mark } = readMark(i.description);
      const external = i.disks.some((d) => d.snapshot === 'external') || i.memory === 'external';
      let sizeBytes: number | null = null;
      if (external) {
        const parts = await Promise.all(i.disks.filter((d) => d.snapshot === 'external' && d.file).map((d) => overlayBytes(d.file!)));
        sizeBytes = parts.length && parts.every((p) => p !== null) ? parts.reduce<number>((a, b) => a + b!, 0) : null;
      } else if (i.memory === 'internal') {
        const found = sizes.map((m) => m.get(i.name)).filter((n): n is number => n !== undefined);
        sizeBytes = found.length ? found.reduce((a, b) => a + b, 0) : null;
      }
      return {
        name: i.name,
        description: text,
        parent: i.parent,
        createdAt: i.creationTime === null ? null : i.creationTime * 1000,
        state: i.state,
        memory: i.memory !== 'no',
        kind: external ? ('external' as const) : ('internal' as const),
        disks: i.disks.map((d) => ({ target: d.target, location: d.snapshot, file: d.file })),
        sizeBytes,
        byHangar: mark !== null,
        quiesced: mark?.quiesced ?? null,
        indications: mark?.indications ?? [],
      };
    }),
  );
  return { list: snapshotTree(nodes, current), current, infos };
}
