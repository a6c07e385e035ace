import { describe, expect, it } from 'vitest';
import { diskSupport, overlayPath } from '../../../engine/snapshots/disk-support';
import { describeWithMark, readMark } from '../../../engine/snapshots/marker';
import { snapshotTree, subtree } from '../../../engine/snapshots/tree';
import { withDeadline } from '../../../engine/snapshots/deadline';
import { HangarError } from '../../../engine/contract/errors';

const node = (name: string, parent: string | null, createdAt: number) => ({
  name, parent, createdAt, description: null, state: 'running', memory: true, kind: 'internal' as const, disks: [], sizeBytes: null, byHangar: true, quiesced: null, indications: [],
});

describe('snapshot tree', () => {
  it('orders roots and children depth first, oldest first, marks current, and keeps an orphan as a root', () => {
    const t = snapshotTree([node('s3', 's1', 30), node('s1', null, 10), node('s2', 's1', 20), node('lost', 'gone', 5)], 's3');
    expect(t.map((s) => [s.name, s.depth, s.parent, s.current])).toEqual([
      ['lost', 0, null, false],
      ['s1', 0, null, false],
      ['s2', 1, 's1', false],
      ['s3', 1, 's1', true],
    ]);
    expect(t.find((s) => s.name === 's1')!.children).toEqual(['s2', 's3']);
    expect(subtree(t, 's1')).toEqual(['s1', 's2', 's3']);
  });
});

describe('Hangar marker in the description', () => {
  it('round-trips and leaves the person text alone', () => {
    const d = describeWithMark('  before the upgrade ', { quiesced: false, indications: ['Online', 'NoGuestAgent'] });
    expect(readMark(d)).toEqual({ text: 'before the upgrade', mark: { quiesced: false, indications: ['Online', 'NoGuestAgent'] } });
    expect(readMark(describeWithMark(undefined, { quiesced: null, indications: [] }))).toEqual({ text: null, mark: { quiesced: null, indications: [] } });
  });
  it('treats a forged or broken marker from a host as plain text (made outside Hangar)', () => {
    for (const d of ['x\nhangar-snapshot:{', 'hangar-snapshot:{"v":2}', 'hangar-snapshot:{"v":1,"quiesced":"yes","indications":[]}', 'made with virsh']) {
      expect(readMark(d).mark).toBeNull();
      expect(readMark(d).text).toBe(d);
    }
  });
});

describe('which disks can be snapshotted', () => {
  it('qcow2 files yes; raw, block and network no; CD-ROMs left out', () => {
    const d = (target: string, source: string | null, format: string, device: 'disk' | 'cdrom' = 'disk', readonly = false) => ({ target, source, format, device, bus: 'virtio', readonly });
    expect(diskSupport([d('vda', '/i/a.qcow2', 'qcow2'), d('vdb', '/i/b.img', 'raw'), d('vdc', '/dev/sdb', 'raw'), d('vdd', 'pool/vol', 'qcow2'), d('sda', '/i/x.iso', 'raw', 'cdrom')]).map((x) => [x.target, x.supported, x.reason])).toEqual([
      ['vda', true, null],
      ['vdb', false, 'raw'],
      ['vdc', false, 'block'],
      ['vdd', false, 'network'],
    ]);
    expect(overlayPath('/var/lib/libvirt/images/vm-vda-s1.qcow2', 'vm', 'vda', 's2')).toBe('/var/lib/libvirt/images/vm-vda-s2.qcow2');
  });
});

describe('deadline', () => {
  it('past the deadline: aborts, thaws, fails with TIMEOUT, and undoes a late success', async () => {
    const steps: string[] = [];
    let finish!: (v: string) => void;
    const op = new Promise<string>((r) => (finish = r));
    const err = await withDeadline(op, 20, async () => void steps.push('abort+thaw'), async (v) => void steps.push(`undo ${v}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HangarError);
    expect((err as HangarError).code).toBe('TIMEOUT');
    finish('snap');
    await new Promise((r) => setTimeout(r, 10));
    expect(steps).toEqual(['abort+thaw', 'undo snap']);
    expect(await withDeadline(Promise.resolve(1), 1000, async () => undefined, async () => undefined)).toBe(1);
  });
});
