import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrations } from '../../../engine/store/migrations';

const A = 'aaaaaaaa-1111-4111-8111-111111111111';
const B = 'bbbbbbbb-2222-4222-8222-222222222222';
const U = '6f1c1a52-0d7e-4a4e-9a51-2b9d3c1e0f11';
const V = '0e2f3a4b-5c6d-4e7f-8a9b-0c1d2e3f4a5b';

/** A real SQLite database at schema 8, with rows keyed by the old `${hostId}:${uuid}` VM ids. */
function at8(): Database.Database {
  const db = new Database(':memory:');
  for (const m of migrations.filter((x) => x.version <= 8)) db.exec(m.sql);
  const entity = db.prepare('INSERT INTO metric_entity(id, key, kind, label) VALUES (?, ?, ?, ?)');
  // VM U ran on A, then on B (two series under the old ids); V only on B; a host and a pool are untouched.
  entity.run(1, `vm:${A}:${U}`, 'vm', 'web');
  entity.run(2, `nic:${A}:${U}/vnet0`, 'nic', 'vnet0');
  entity.run(3, `vm:${B}:${U}`, 'vm', 'web');
  entity.run(4, `disk:${B}:${U}/vda`, 'disk', 'vda');
  entity.run(5, `vm:${B}:${V}`, 'vm', 'db');
  entity.run(6, `host:${A}`, 'host', 'lab1');
  entity.run(7, `pool:${A}/default`, 'pool', 'default');
  const raw = db.prepare('INSERT INTO metric_raw(entity, t, data) VALUES (?, ?, ?)');
  raw.run(1, 60, Buffer.from('a60'));
  raw.run(1, 120, Buffer.from('a120'));
  raw.run(3, 120, Buffer.from('b120')); // the minute of the move: both hosts have a row
  raw.run(3, 180, Buffer.from('b180'));
  db.prepare('INSERT INTO metric_1h(entity, t, data) VALUES (?, ?, ?)').run(3, 0, Buffer.from('h'));
  const alert = db.prepare('INSERT INTO alerts(id, check_id, severity, host_id, vm_id, data, first_seen, last_seen, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  const data = (id: string, vmId: string | null) => JSON.stringify({ id, checkId: 'x', vmId });
  alert.run(`GuestAgentMissing:${A}:${U}`, 'GuestAgentMissing', 'info', A, `${A}:${U}`, data(`GuestAgentMissing:${A}:${U}`, `${A}:${U}`), 10, 20, 25);
  alert.run(`GuestAgentMissing:${B}:${U}`, 'GuestAgentMissing', 'info', B, `${B}:${U}`, data(`GuestAgentMissing:${B}:${U}`, `${B}:${U}`), 30, 40, null);
  alert.run(`DuplicateMacInFleet:${B}:${V}:52:54:00:00:00:01`, 'DuplicateMacInFleet', 'critical', B, `${B}:${V}`, data(`DuplicateMacInFleet:${B}:${V}:52:54:00:00:00:01`, `${B}:${V}`), 1, 2, null);
  alert.run(`DomainOnTwoHosts:${A}:${U}`, 'DomainOnTwoHosts', 'critical', A, `${A}:${U}`, data(`DomainOnTwoHosts:${A}:${U}`, `${A}:${U}`), 1, 2, 3);
  alert.run(`DomainOnTwoHosts:${B}:${U}`, 'DomainOnTwoHosts', 'critical', B, `${B}:${U}`, data(`DomainOnTwoHosts:${B}:${U}`, `${B}:${U}`), 1, 2, 3);
  alert.run(`HostUnreachable:${A}:-`, 'HostUnreachable', 'critical', A, null, data(`HostUnreachable:${A}:-`, null), 1, 2, null);
  const job = db.prepare("INSERT INTO jobs(id, kind, title, target, state, cancellable, created_at) VALUES (?, 'vm.start', '{}', ?, 'succeeded', 0, 0)");
  job.run('j1', JSON.stringify({ hostId: A, vmId: `${A}:${U}` }));
  job.run('j2', JSON.stringify({ kind: 'vm', id: `${B}:${V}` }));
  job.run('j3', JSON.stringify({ hostId: A }));
  job.run('j4', null);
  return db;
}

describe('migration 9: a VM is keyed by its UUID (fc-identity)', () => {
  const m9 = migrations.find((m) => m.version === 9)!;

  it('merges the series a VM left on two hosts into one per entity, keeping every minute', () => {
    const db = at8();
    db.transaction(() => db.exec(m9.sql))();
    const keys = db.prepare('SELECT id, key FROM metric_entity ORDER BY id').all();
    expect(keys).toEqual([
      { id: 1, key: `vm:${U}` },
      { id: 2, key: `nic:${U}/vnet0` },
      { id: 4, key: `disk:${U}/vda` },
      { id: 5, key: `vm:${V}` },
      { id: 6, key: `host:${A}` },
      { id: 7, key: `pool:${A}/default` },
    ]);
    const rows = db.prepare('SELECT entity, t, CAST(data AS TEXT) AS d FROM metric_raw ORDER BY entity, t').all();
    expect(rows).toEqual([
      { entity: 1, t: 60, d: 'a60' },
      { entity: 1, t: 120, d: 'a120' },
      { entity: 1, t: 180, d: 'b180' },
    ]);
    expect(db.prepare('SELECT entity FROM metric_1h').all()).toEqual([{ entity: 1 }]);
  });

  it('keys alerts by the VM, one per condition, the last seen kept; host alerts unchanged', () => {
    const db = at8();
    db.transaction(() => db.exec(m9.sql))();
    const alerts = db.prepare('SELECT id, vm_id AS vmId, resolved_at AS resolved, data FROM alerts ORDER BY id').all() as { id: string; vmId: string | null; resolved: number | null; data: string }[];
    expect(alerts.map((a) => [a.id, a.vmId, a.resolved])).toEqual([
      [`DomainOnTwoHosts:-:${U}:${A}`, U, 3],
      [`DomainOnTwoHosts:-:${U}:${B}`, U, 3],
      [`DuplicateMacInFleet:-:${V}:52:54:00:00:00:01`, V, null],
      [`GuestAgentMissing:-:${U}`, U, null],
      [`HostUnreachable:${A}:-`, null, null],
    ]);
    for (const a of alerts) expect(JSON.parse(a.data)).toMatchObject({ id: a.id, vmId: a.vmId });
  });

  it('names the VM by its UUID in job targets, either shape', () => {
    const db = at8();
    db.transaction(() => db.exec(m9.sql))();
    const targets = db.prepare('SELECT id, target FROM jobs ORDER BY id').all() as { id: string; target: string | null }[];
    expect(targets.map((j) => (j.target ? JSON.parse(j.target) : null))).toEqual([{ hostId: A, vmId: U }, { kind: 'vm', id: V }, { hostId: A }, null]);
  });

  it('leaves a database already keyed by UUIDs as it is', () => {
    const db = at8();
    db.transaction(() => db.exec(m9.sql))();
    const before = db.prepare('SELECT * FROM metric_entity ORDER BY id').all();
    db.transaction(() => db.exec(m9.sql))();
    expect(db.prepare('SELECT * FROM metric_entity ORDER BY id').all()).toEqual(before);
  });
});
