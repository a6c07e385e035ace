/**
 * engine/xml against real libvirt (issue 14, one libvirt XML module): every XML Hangar writes for a
 * VM's devices, volumes and snapshots is taken by libvirtd and reads back as the value it was
 * built from; delete still finds a volume that backs another one; the readers agree with virsh.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Host, Job } from '../../../engine/contract';
import { HangarError } from '../../../engine/contract/errors';
import type { Engine } from '../../../engine/engine';
import { readCapabilitiesXml } from '../../../engine/xml/capabilities';
import { parseDomainXml } from '../../../engine/xml/domain-read';
import { readNetworkXml } from '../../../engine/xml/network';
import { readPoolXml } from '../../../engine/xml/pool';
import { buildSnapshotXml, readSnapshotXml } from '../../../engine/xml/snapshot';
import { readVolumeXml } from '../../../engine/xml/volume';
import { readLabInfo, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const VM = `fc-xml-dev-${tag}`;
const OVERLAY = `fc-xml-overlay-${tag}.qcow2`;
/** A label and description with everything a template would have broken on. */
const HOSTILE = `a'b "c" <d> & e 한국어`;

describe('engine/xml on the lab', () => {
  let engine: Engine;
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;
  let host: Host;
  let vmId = '';
  let vmUuid = '';
  const jobs = new Map<string, Job>();
  const finished = (jobId: string) =>
    waitFor(`job ${jobId}`, async () => {
      const j = jobs.get(jobId);
      return j && j.state !== 'queued' && j.state !== 'running' ? j : undefined;
    }, 90_000, 50);
  const inactive = async () => parseDomainXml(await virsh(h1, ['dumpxml', '--inactive', '--', VM]));

  beforeAll(async () => {
    t = await labEngine(lab, 'fc-xml');
    engine = t.engine;
    engine.subscribe('job.updated', {}, (j) => jobs.set(j.id, j));
    host = await engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint, name: h1.name });
    await waitFor('the host connected with facts', async () => (await engine.call('hosts.list', {})).hosts.find((h) => h.id === host.id && h.state === 'connected' && h.facts), 30_000, 100);
  }, 60_000);

  afterAll(async () => {
    await t?.dispose();
    await sshRun(
      h1,
      [`virsh destroy ${VM}`, `virsh snapshot-delete --metadata --current ${VM}`, `virsh undefine --snapshots-metadata ${VM}`, ...['disk0', 'vdb'].map((d) => `virsh vol-delete --pool default ${VM}-${d}.qcow2`), `virsh vol-delete --pool default ${OVERLAY}`]
        .map((c) => `${c} >/dev/null 2>&1`)
        .join('; ') + '; true',
    ).catch(() => undefined);
  }, 60_000);

  it('host facts and the host UUID come from the capabilities reader', async () => {
    const h = (await engine.call('hosts.list', {})).hosts.find((x) => x.id === host.id)!;
    const caps = readCapabilitiesXml(await virsh(h1, ['capabilities']));
    expect(h.hostUuid).toBe(h1.uuid.toLowerCase());
    expect(caps.hostUuid).toBe(h1.uuid.toLowerCase());
    expect(h.facts?.kvm).toBe(caps.kvm);
    expect(caps.guests.some((g) => g.arch === 'x86_64' && g.domainTypes.includes('qemu'))).toBe(true);
  });

  it('creates a VM whose domain, disk volume and metadata read back as asked', async () => {
    const { jobId } = await engine.call('vms.create', {
      name: VM,
      hostId: host.id,
      memoryMiB: 128,
      source: { kind: 'blank' },
      diskSizeGiB: 0.1,
      network: 'default',
      accel: 'tcg',
      description: HOSTILE,
      labels: { [HOSTILE]: HOSTILE },
    });
    const job = await finished(jobId);
    expect(job.error).toBeNull();
    const uuid = (job.result as { uuid: string }).uuid;
    // By name and UUID from the list, whatever form a VM id takes.
    vmId = (await waitFor('the VM in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.uuid === uuid), 10_000, 100)).id;
    vmUuid = uuid;
    const d = await inactive();
    expect(d).toMatchObject({ name: VM, type: 'qemu', memoryKiB: 128 * 1024, description: HOSTILE, cpuModel: 'qemu64', agentChannel: true });
    expect(d.hangar?.labels).toEqual({ [HOSTILE]: HOSTILE });
    expect(d.nics).toMatchObject([{ type: 'network', source: 'default', model: 'virtio' }]);
    const vol = readVolumeXml(await virsh(h1, ['vol-dumpxml', '--pool', 'default', `${VM}-disk0.qcow2`]));
    expect(vol).toMatchObject({ name: `${VM}-disk0.qcow2`, format: 'qcow2', backing: null });
    // qemu-img rounds a size up to whole 512-byte sectors.
    expect(vol.capacityBytes).toBe(Math.ceil(Math.ceil(0.1 * 1024 ** 3) / 512) * 512);
    expect(d.disks[0]?.source).toBe(vol.path);
  }, 120_000);

  it('adds, relinks and detaches devices through the builders', async () => {
    const mac = '52:54:00:fc:00:01';
    await engine.call('vms.addDisk', { vmId, pool: 'default', sizeGiB: 0.01, bus: 'virtio' });
    await engine.call('vms.addNic', { vmId, network: 'default', model: 'e1000', mac });
    await engine.call('vms.setLink', { vmId, mac, up: false });
    let d = await inactive();
    expect(d.disks.find((x) => x.target === 'vdb')).toMatchObject({ device: 'disk', bus: 'virtio', format: 'qcow2' });
    expect(d.nics.find((n) => n.mac === mac)).toEqual({ mac, type: 'network', source: 'default', model: 'e1000', linkUp: false });
    await engine.call('vms.update', { vmId, memoryMiB: 160, vcpus: 2, bootOrder: ['network', 'hd'], group: HOSTILE, labels: { [HOSTILE]: HOSTILE, b: '2' } });
    d = await inactive();
    expect(d).toMatchObject({ memoryKiB: 160 * 1024, vcpus: 2, bootOrder: ['network', 'hd'] });
    expect(d.hangar).toMatchObject({ group: HOSTILE, labels: { [HOSTILE]: HOSTILE, b: '2' }, origin: 'blank' });
    await engine.call('vms.detach', { vmId, device: 'vdb' });
    await engine.call('vms.detach', { vmId, device: mac });
    d = await inactive();
    expect(d.disks.map((x) => x.target)).not.toContain('vdb');
    expect(d.nics.map((n) => n.mac)).not.toContain(mac);
    await virsh(h1, ['vol-delete', '--pool', 'default', `${VM}-vdb.qcow2`]);
  }, 60_000);

  it('a snapshot built by engine/xml is taken by libvirt and reads back the same', async () => {
    const spec = { name: `fc-xml-snap-${tag}`, description: HOSTILE, memory: 'no' as const, memoryFile: null, disks: [] };
    const out = await sshRun(h1, `cat > /tmp/${spec.name}.xml <<'EOF_SNAP'\n${buildSnapshotXml(spec)}\nEOF_SNAP\nvirsh snapshot-create ${VM} /tmp/${spec.name}.xml && virsh snapshot-dumpxml ${VM} ${spec.name}; rm -f /tmp/${spec.name}.xml`);
    const snap = readSnapshotXml(out.slice(out.indexOf('<domainsnapshot')));
    expect(snap).toMatchObject({ name: spec.name, description: HOSTILE, state: 'shutoff', domainUuid: vmUuid });
  }, 60_000);

  it('pool and network readers agree with virsh', async () => {
    const pool = readPoolXml(await virsh(h1, ['pool-dumpxml', 'default']));
    expect(pool).toMatchObject({ name: 'default', type: 'dir', targetPath: '/var/lib/libvirt/images' });
    expect(pool.capacityBytes).toBeGreaterThan(0);
    const net = readNetworkXml(await virsh(h1, ['net-dumpxml', 'default']));
    expect(net).toMatchObject({ name: 'default', forwardMode: 'nat', ips: [{ family: 'ipv4', prefix: 24 }] });
  });

  it('delete keeps a disk that backs another volume, and deletes it once free', async () => {
    const disk = (await inactive()).disks.find((x) => x.target === 'vda')!;
    await virsh(h1, ['vol-create-as', 'default', OVERLAY, '200M', '--format', 'qcow2', '--backing-vol', disk.source!, '--backing-vol-format', 'qcow2']);
    let refused: HangarError | null = null;
    await engine.call('vms.delete', { vmId, deleteDisks: ['vda'] }).catch((e: unknown) => (refused = HangarError.from(e)));
    expect(refused).toMatchObject({ code: 'CONFLICT', details: { target: 'vda', backingOf: OVERLAY } });
    await virsh(h1, ['vol-delete', '--pool', 'default', OVERLAY]);
    await virsh(h1, ['snapshot-delete', '--metadata', VM, `fc-xml-snap-${tag}`]);
    const { jobId } = await engine.call('vms.delete', { vmId, deleteDisks: ['vda'] });
    expect((await finished(jobId)).state).toBe('succeeded');
    expect((await virsh(h1, ['list', '--all', '--name'])).split('\n')).not.toContain(VM);
    expect(await virsh(h1, ['vol-list', 'default'])).not.toContain(`${VM}-disk0.qcow2`);
  }, 120_000);
});
