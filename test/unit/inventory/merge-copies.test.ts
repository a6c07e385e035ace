import { describe, expect, it } from 'vitest';
import { hostsRunningTwice, type DisplayState, type Vm } from '../../../engine/contract/vms';
import { Collection } from '../../../engine/events/collection';
import { mergeCopies, splitBrainWatcher } from '../../../engine/inventory/merge-copies';
import { VmInventory } from '../../../engine/inventory/vm-inventory';
import type { LibvirtConnection } from '../../../engine/libvirt';
import { DomainState } from '../../../engine/libvirt';
import { HangarError } from '../../../engine/contract/errors';
import { VirErrorCode } from '../../../engine/libvirt/protocol/error';

const UUID = '6f1c1a52-0d7e-4a4e-9a51-2b9d3c1e0f11';

function copy(hostId: string, state: DisplayState, extra: Partial<Vm> = {}): Vm {
  return {
    id: UUID,
    hostId,
    uuid: UUID,
    otherCopies: [],
    name: 'web',
    title: null,
    description: null,
    state,
    stateReason: null,
    libvirtReason: null,
    vcpus: 1,
    memoryKiB: 262144,
    osType: 'hvm',
    os: null,
    arch: 'x86_64',
    disks: 1,
    nics: 1,
    hasGraphics: false,
    labels: {},
    group: null,
    origin: null,
    managedByHangar: false,
    addresses: [],
    ...extra,
  };
}

describe('one VM per UUID: merging the copies on several hosts (DESIGN §8)', () => {
  it('is shown where it runs, with the inactive copy listed, and its id is the UUID', () => {
    const vm = mergeCopies([copy('h-a', 'stopped', { libvirtReason: 'migrated' }), copy('h-b', 'running')])!;
    expect(vm.id).toBe(UUID);
    expect(vm.hostId).toBe('h-b');
    expect(vm.state).toBe('running');
    expect(vm.otherCopies).toEqual([{ hostId: 'h-a', state: 'stopped' }]);
    expect(hostsRunningTwice(vm)).toEqual([]);
  });

  it('stays on the copy that still runs while a migration\'s incoming copy waits, then moves in one step', () => {
    const during = mergeCopies([copy('h-a', 'running'), copy('h-b', 'migrating')], 'h-a')!;
    expect(during.hostId).toBe('h-a');
    expect(during.otherCopies).toEqual([{ hostId: 'h-b', state: 'migrating' }]);
    expect(hostsRunningTwice(during)).toEqual([]); // an incoming copy is not a second guest
    const switching = mergeCopies([copy('h-a', 'migrating'), copy('h-b', 'running')], 'h-a')!;
    expect(switching.hostId).toBe('h-b');
  });

  it('when no copy runs: stays where it was shown, else not at a copy a migration left, else the first host id', () => {
    const stopped = [copy('h-a', 'stopped'), copy('h-b', 'stopped')];
    expect(mergeCopies(stopped, 'h-b')!.hostId).toBe('h-b');
    expect(mergeCopies(stopped)!.hostId).toBe('h-a');
    expect(mergeCopies([copy('h-a', 'stopped', { libvirtReason: 'migrated' }), copy('h-b', 'stopped', { libvirtReason: 'shutdown' })])!.hostId).toBe('h-b');
    // The same answer whatever order the copies come in.
    expect(mergeCopies([...stopped].reverse())!.hostId).toBe('h-a');
  });

  it('a host that cannot be reached keeps the VM there as Unknown unless another copy runs', () => {
    expect(mergeCopies([copy('h-a', 'unknown'), copy('h-b', 'stopped')], 'h-a')!).toMatchObject({ hostId: 'h-a', state: 'unknown' });
    expect(mergeCopies([copy('h-a', 'unknown'), copy('h-b', 'running')], 'h-a')!).toMatchObject({ hostId: 'h-b', state: 'running' });
  });

  it('says when two copies run at once, naming both hosts, and keeps showing the copy it showed', () => {
    const vm = mergeCopies([copy('h-a', 'running'), copy('h-b', 'running'), copy('h-c', 'stopped')], 'h-b')!;
    expect(vm.hostId).toBe('h-b');
    expect(hostsRunningTwice(vm).sort()).toEqual(['h-a', 'h-b']);
  });

  it('no copies, no VM', () => {
    expect(mergeCopies([])).toBeUndefined();
  });

  it('raises the split-brain alarm once per episode', () => {
    const vms = new Collection<Vm>();
    let calls = 0;
    vms.onDelta(splitBrainWatcher(() => calls++));
    const twice = mergeCopies([copy('h-a', 'running'), copy('h-b', 'running')])!;
    vms.upsert([twice]);
    vms.upsert([{ ...twice, addresses: ['10.0.0.5'] }]);
    expect(calls).toBe(1);
    vms.upsert([mergeCopies([copy('h-a', 'running'), copy('h-b', 'stopped')])!]);
    vms.upsert([twice]);
    expect(calls).toBe(2);
  });
});

/** A host's libvirt as the inventory reads it: domains by UUID with their XML and state. */
function fakeHost(domains: Map<string, { name: string; state: number; reason: number }>): LibvirtConnection {
  const xml = (uuid: string) => `<domain type='kvm'><name>${domains.get(uuid)!.name}</name><uuid>${uuid}</uuid><memory unit='KiB'>262144</memory><currentMemory unit='KiB'>262144</currentMemory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices/></domain>`;
  const notFound = () => new HangarError('LIBVIRT_ERROR', 'Domain not found', { libvirtCode: VirErrorCode.NO_DOMAIN });
  const conn = {
    domainLookupByUuid: async (uuid: string) => {
      if (!domains.has(uuid)) throw notFound();
      return { name: domains.get(uuid)!.name, uuid, id: -1 };
    },
    domainGetXmlDesc: async (dom: { uuid: string }) => xml(dom.uuid),
    domainGetState: async (dom: { uuid: string }) => ({ state: domains.get(dom.uuid)!.state, reason: domains.get(dom.uuid)!.reason }),
    listAllDomains: async () => [...domains.keys()].map((uuid) => ({ name: domains.get(uuid)!.name, uuid, id: -1 })),
    getAllDomainStates: async () => new Map([...domains].map(([uuid, d]) => [uuid, { state: d.state, reason: d.reason }])),
    getAllXml: async (refs: { uuid: string }[]) => refs.map((dom) => ({ dom, xml: xml(dom.uuid) })),
  };
  return conn as unknown as LibvirtConnection;
}

describe('the VM inventory across a migration behind Hangar\'s back', () => {
  it('keeps one entry under the UUID as the copies change on both hosts, never removing it', async () => {
    type Dom = { name: string; state: number; reason: number };
    const a = new Map<string, Dom>([[UUID, { name: 'web', state: DomainState.RUNNING, reason: 1 }]]);
    const b = new Map<string, Dom>();
    const conns: Record<string, LibvirtConnection> = { 'h-a': fakeHost(a), 'h-b': fakeHost(b) };
    const inv = new VmInventory({ info() {}, warn() {}, error() {}, debug() {} } as never, (id) => conns[id]!);
    const removed: string[] = [];
    inv.vms.onDelta((d) => d.kind === 'delta' && removed.push(...d.remove));
    await inv.hostConnected('h-a', conns['h-a']!);
    await inv.hostConnected('h-b', conns['h-b']!);
    expect(inv.get(UUID)).toMatchObject({ hostId: 'h-a', state: 'running', otherCopies: [] });

    b.set(UUID, { name: 'web', state: DomainState.PAUSED, reason: 2 }); // incoming, paused for the migration
    await inv.refresh('h-b', UUID);
    expect(inv.get(UUID)).toMatchObject({ hostId: 'h-a', state: 'running', otherCopies: [{ hostId: 'h-b', state: 'migrating' }] });

    b.set(UUID, { name: 'web', state: DomainState.RUNNING, reason: 2 }); // resumed on the new host
    a.set(UUID, { name: 'web', state: DomainState.SHUTOFF, reason: 4 }); // left behind: shut off, migrated
    await inv.refresh('h-b', UUID);
    await inv.refresh('h-a', UUID);
    expect(inv.get(UUID)).toMatchObject({ id: UUID, hostId: 'h-b', state: 'running', otherCopies: [{ hostId: 'h-a', state: 'stopped' }] });

    a.delete(UUID); // --undefinesource, or the copy removed later
    await inv.refresh('h-a', UUID);
    expect(inv.get(UUID)).toMatchObject({ hostId: 'h-b', otherCopies: [] });

    inv.hostLost('h-b');
    expect(inv.get(UUID)).toMatchObject({ hostId: 'h-b', state: 'unknown' });
    expect(removed).toEqual([]);

    inv.hostRemoved('h-b');
    expect(inv.get(UUID)).toBeUndefined();
  });
});
