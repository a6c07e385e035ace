import { describe, expect, it } from 'vitest';
import type { Vm } from '../../../engine/contract/vms';
import type { JobSpec } from '../../../engine/jobs/job-runner';
import type { CallContext } from '../../../engine/rpc/handlers';
import { vmsService } from '../../../engine/vms/service';
import { DEFAULT_SETTINGS } from '../../../engine/contract/settings';

/** `vms.action` as the vms service registers it: every VM is found first, then one job each. */
const ctx: CallContext = { signal: new AbortController().signal };
const vm = (n: number) => ({ id: `h1:0000000${n}-0000-4000-8000-000000000000`, hostId: 'h1', uuid: `0000000${n}-0000-4000-8000-000000000000`, name: `vm${n}` }) as Vm;

function service() {
  const known = new Map([vm(1), vm(2)].map((v) => [v.id, v]));
  const started: JobSpec[] = [];
  const svc = vmsService({
    fleet: { hosts: { get: () => undefined, values: () => [] }, libvirt: () => { throw new Error('no host in this test'); } },
    inventory: { get: (id: string) => known.get(id), refresh: async () => undefined, summariesOn: () => [], vms: { values: () => [...known.values()] }, setTransition: () => undefined, setStartFailure: () => undefined } as never,
    jobs: { start: async (spec: JobSpec) => (started.push(spec), { jobId: `j${started.length}` }) },
    settings: () => DEFAULT_SETTINGS,
    placement: { place: () => Promise.reject(new Error('no placement in this test')), addMember: () => Promise.reject(new Error('no placement in this test')) },
  });
  return { action: svc.handlers['vms.action']!, started };
}

describe('vms service', () => {
  it('starts one job per VM, each aimed at its VM', async () => {
    const { action, started } = service();
    const r = await action({ vmIds: [vm(1).id, vm(2).id], action: 'start' }, ctx);
    expect(r.jobs).toEqual([{ jobId: 'j1' }, { jobId: 'j2' }]);
    expect(started.map((s) => [s.kind, s.target?.kind, s.target?.id])).toEqual([
      ['vm.start', 'vm', vm(1).id],
      ['vm.start', 'vm', vm(2).id],
    ]);
  });

  it('refuses the whole request when one VM is unknown, before any job starts', async () => {
    const { action, started } = service();
    await expect(action({ vmIds: [vm(1).id, 'h1:ffffffff-0000-4000-8000-000000000000'], action: 'forceOff' }, ctx)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(started).toEqual([]);
  });
});
