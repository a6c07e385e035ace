import { EventEmitter } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Host } from '../../../engine/contract/hosts';
import type { Vm } from '../../../engine/contract/vms';
import { Collection } from '../../../engine/events/collection';
import { EventHub } from '../../../engine/events/event-hub';
import type { FleetEvents } from '../../../engine/hosts/fleet';
import { historyService } from '../../../engine/history/service';
import { jobsService } from '../../../engine/jobs/service';
import { silentLogger } from '../../../engine/logger';
import type { CallContext } from '../../../engine/rpc/handlers';
import type { Service } from '../../../engine/rpc/service';
import { Db } from '../../../engine/store/db';

/** Services on real SQLite, through the handlers they register, with no host and no lab. */
const ctx: CallContext = { signal: new AbortController().signal };
const UUID = '5b9e3c1e-1111-4222-8333-944455556666';

function host(id: string, state: Host['state']): Host {
  return { id, kind: 'ssh', name: `name-${id}`, address: '10.0.0.1', port: null, user: null, auth: 'auto', keyPath: null, tags: [], state, lastError: null, problem: null, nextRetryAt: null, hostUuid: null, hostKeyFingerprint: null, facts: null, createdAt: 0, maintenance: 'none' };
}

async function until<T>(fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('services on real SQLite', () => {
  let dir: string | null = null;
  let db: Db | null = null;
  const closing: Service[] = [];
  afterEach(async () => {
    for (const s of closing.splice(0)) await s.close?.();
    await db?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });
  const open = async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-svc-'));
    db = await Db.open(path.join(dir, 'hangar.db'));
    return db;
  };

  it('history records libvirt events, host states and finished tasks, and lists them per host and VM', async () => {
    const db = await open();
    const hub = new EventHub();
    const jobs = await jobsService({ db, hub, logger: silentLogger });
    const hosts = new Collection<Host>();
    const fleet = Object.assign(new EventEmitter(), { hosts }) as unknown as FleetEvents & { hosts: Collection<Host> };
    const vm = { id: UUID, hostId: 'h1', uuid: UUID } as Vm; // a VM's id is its UUID (fc-identity)
    const history = await historyService({ db, hub, logger: silentLogger, fleet, vm: (id) => (id === vm.id ? vm : undefined) });
    closing.push(jobs, history);
    const list = history.handlers['events.list']!;

    hosts.upsert([host('h1', 'connecting')]);
    hosts.upsert([host('h1', 'connected')]);
    hosts.upsert([host('h1', 'connected')]); // same state: no second line
    (fleet as unknown as EventEmitter).emit('event', 'h1', { kind: 'domain-lifecycle', event: 2, detail: 0, callbackId: 1, dom: { name: 'web', uuid: UUID, id: 1 } });
    (fleet as unknown as EventEmitter).emit('keyReplaced', 'h1', { previous: 'SHA256:old', next: 'SHA256:new' });
    const ref = await jobs.runner.start({ kind: 'vm.update', title: { key: 'job.test.title', args: { name: 'web' } }, target: { kind: 'vm', id: vm.id }, hostId: 'h1', cancellable: false }, async () => {
      throw new Error('disk full');
    });
    await until(async () => ((await jobs.handlers['jobs.get']!({ jobId: ref.jobId }, ctx)).state === 'failed' ? true : undefined));

    const onHost = await until(async () => {
      const { events } = await list({ hostId: 'h1', limit: 50 }, ctx);
      return events.length >= 4 ? events : undefined;
    });
    const keys = onHost.map((e) => e.message.key).sort();
    expect(keys).toEqual(['event.host.connected', 'event.host.keyReplaced', 'event.vm.started', 'job.test.title'].sort());
    const task = onHost.find((e) => e.message.key === 'job.test.title')!;
    expect(task.severity).toBe('error');
    expect(task.message.args).toMatchObject({ name: 'web', outcome: 'failed', reason: 'disk full' });
    expect(onHost.find((e) => e.message.key === 'event.host.keyReplaced')?.message.args).toMatchObject({ name: 'name-h1', previous: 'SHA256:old', next: 'SHA256:new' });

    const { events: onVm } = await list({ vmId: vm.id, limit: 50 }, ctx);
    expect(onVm.map((e) => e.message.key).sort()).toEqual(['event.vm.started', 'job.test.title']);
    await expect(list({ vmId: '00000000-0000-4000-8000-000000000000', limit: 5 }, ctx)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
