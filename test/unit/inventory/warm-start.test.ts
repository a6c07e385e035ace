import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Collection } from '../../../engine/events/collection';
import type { Host } from '../../../engine/contract/hosts';
import { VmInventory } from '../../../engine/inventory/vm-inventory';
import { warmStartService } from '../../../engine/inventory/warm-start';
import type { LibvirtConnection } from '../../../engine/libvirt';
import { silentLogger } from '../../../engine/logger';
import { Db } from '../../../engine/store/db';

/** The last-known inventory on real SQLite: written behind, loaded as not live, replaced by the live fetch. */
const xml = (name: string, uuid: string) =>
  `<domain type='kvm'><name>${name}</name><uuid>${uuid}</uuid><memory unit='KiB'>65536</memory><currentMemory unit='KiB'>65536</currentMemory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os><devices/></domain>`;

/** A libvirt connection with these running domains (the inventory's three bulk calls only). */
function fakeConn(doms: { name: string; uuid: string }[]): LibvirtConnection {
  const refs = doms.map((d, i) => ({ name: d.name, uuid: d.uuid, id: i + 1 }));
  return {
    listAllDomains: async () => refs,
    getAllDomainStates: async () => new Map(refs.map((r) => [r.uuid, { state: 1, reason: 1 }])),
    getAllXml: async (rs: typeof refs) => rs.map((r) => ({ dom: r, xml: xml(r.name, r.uuid) })),
  } as unknown as LibvirtConnection;
}

function fakeFleet() {
  const seen = new Map<string, number>();
  const fleet = Object.assign(new EventEmitter(), { hosts: new Collection<Host>(), setLastSeen: (id: string, at: number) => void seen.set(id, at) });
  return { fleet: fleet as never, emitter: fleet as EventEmitter, seen };
}

const A = { name: 'ws-a', uuid: '11111111-1111-4111-8111-111111111111' };
const B = { name: 'ws-b', uuid: '22222222-2222-4222-8222-222222222222' };

describe('warm start', () => {
  let dir: string | null = null;
  afterEach(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    dir = null;
  });

  it('shows the last-known VMs as not live at start, and the live fetch corrects them', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-warm-'));
    const file = path.join(dir, 'hangar.db');
    let db = await Db.open(file);
    await db.run("INSERT INTO hosts(id, name, address, auth, created_at) VALUES ('h1', 'h1', '10.0.0.1', 'auto', 0)");

    // First run: the host connects with A and B; it is lost at shutdown.
    let inv = new VmInventory(silentLogger, () => fakeConn([]));
    let f = fakeFleet();
    let warm = await warmStartService({ db, logger: silentLogger, fleet: f.fleet, inventory: inv, localId: null });
    f.emitter.emit('connected', 'h1');
    await inv.hostConnected('h1', fakeConn([A, B]));
    const before = Date.now();
    f.emitter.emit('lost', 'h1');
    inv.hostLost('h1');
    await warm.close!();
    await db.close();

    // Second run: both are there before any host answers, Unknown, with what they were and when.
    db = await Db.open(file);
    inv = new VmInventory(silentLogger, () => fakeConn([]));
    f = fakeFleet();
    warm = await warmStartService({ db, logger: silentLogger, fleet: f.fleet, inventory: inv, localId: null });
    const cached = inv.vms.values().sort((x, y) => x.name.localeCompare(y.name));
    expect(cached.map((v) => [v.name, v.state, v.lastSeen?.state])).toEqual([
      ['ws-a', 'unknown', 'running'],
      ['ws-b', 'unknown', 'running'],
    ]);
    expect(f.seen.get('h1')).toBeGreaterThanOrEqual(before);
    expect(cached[0]!.lastSeen!.at).toBe(f.seen.get('h1'));

    // The host answers with A only: B is gone, A is live.
    f.emitter.emit('connected', 'h1');
    await inv.hostConnected('h1', fakeConn([A]));
    expect(inv.vms.values().map((v) => [v.name, v.state, v.lastSeen ?? null])).toEqual([['ws-a', 'running', null]]);
    await warm.flush();
    const rows = await db.all<{ uuid: string }>('SELECT uuid FROM inventory_vms');
    expect(rows.map((r) => r.uuid)).toEqual([A.uuid]);
    await warm.close!();
    await db.close();
  });
});
