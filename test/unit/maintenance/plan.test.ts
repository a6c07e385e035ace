import { describe, expect, it } from 'vitest';
import type { MigrationCheck } from '../../../engine/contract';
import { planEvacuation, type PlanInput } from '../../../engine/maintenance/plan';

const check = (over: Partial<MigrationCheck> = {}): MigrationCheck => ({
  vmId: 'x',
  sourceHostId: 'h1',
  live: true,
  blockers: [],
  candidates: [
    { hostId: 'h2', host: 'lab2', warnings: [] },
    { hostId: 'h3', host: 'lab3', warnings: [] },
  ],
  refused: [],
  disksToCopy: [],
  ...over,
});
const input = (vmId: string, c: MigrationCheck | null): PlanInput => ({ vmId, name: vmId, check: c, checkError: c ? null : { key: 'maintenance.failed', args: { reason: 'gone' } } });
const localDisk = { target: 'vda', sourcePool: 'default', bytes: 1 << 20, defaultPool: 'default' };

describe('evacuation plan, VM by VM', () => {
  it('migrates shared-storage VMs, copies local disks, moves stopped definitions, spreading targets', () => {
    const plan = planEvacuation('h1', [input('shared', check()), input('local', check({ disksToCopy: [localDisk] })), input('stopped', check({ live: false }))], {});
    expect(plan.steps.map((s) => [s.vmId, s.action, s.targetHostId, s.blocked])).toEqual([
      ['shared', 'migrate', 'h2', null],
      ['local', 'migrateCopy', 'h3', null],
      ['stopped', 'moveDefinition', 'h2', null],
    ]);
    expect(plan.steps.every((s) => s.state === 'pending')).toBe(true);
  });

  it('follows the per-VM choice: shutdown, and refuses what cannot apply with a reason', () => {
    const plan = planEvacuation('h1', [input('a', check()), input('b', check({ disksToCopy: [localDisk] })), input('c', check())], { a: 'shutdown', b: 'migrate', c: 'moveDefinition' });
    expect(plan.steps[0]).toMatchObject({ action: 'shutdown', targetHostId: 'h2', blocked: null });
    expect(plan.steps[1]).toMatchObject({ action: 'migrate', targetHostId: null, blocked: { key: 'maintenance.blocked.localDisks', args: { disks: 'vda' } } });
    expect(plan.steps[2]!.blocked?.key).toBe('maintenance.blocked.running');
  });

  it('names why a VM cannot leave: no host takes it, a VM blocker, or the pre-flight failing', () => {
    const refused = [{ hostId: 'h2', host: 'lab2', reasons: [{ key: 'placement.why.maintenance', args: { host: 'lab2' } }] }];
    const plan = planEvacuation('h1', [input('full', check({ candidates: [], refused })), input('dev', check({ blockers: [{ reason: { key: 'migration.why.hostdev' } }] })), input('err', null)], {});
    expect(plan.steps.map((s) => s.blocked?.key)).toEqual(['placement.why.maintenance', 'migration.why.hostdev', 'maintenance.failed']);
    expect(plan.steps.every((s) => s.targetHostId === null)).toBe(true);
  });

  it('a VM to shut down with nowhere to go stays here, stopped, and is not blocked', () => {
    const plan = planEvacuation('h1', [input('a', check({ candidates: [] }))], { a: 'shutdown' });
    expect(plan.steps[0]).toMatchObject({ action: 'shutdown', targetHostId: null, blocked: null });
  });

  it('never targets the host being emptied', () => {
    const plan = planEvacuation('h1', [input('a', check({ candidates: [{ hostId: 'h1', host: 'lab1', warnings: [] }] }))], {});
    expect(plan.steps[0]!.blocked).not.toBeNull();
  });
});
