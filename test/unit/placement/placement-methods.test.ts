import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract';
import { createEngine, type Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';

/** The placement methods through the engine's own dispatch (validation included), on real SQLite. */
describe('placement methods of the contract', () => {
  let dir: string;
  let engine: Engine;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-placement-methods-'));
    engine = await createEngine({ dataDir: dir, secrets: aesGcmCipher(Buffer.alloc(32, 7), 'test-key'), logger: silentLogger, runtime: 'in-process', localLibvirt: 'none' });
  });
  afterEach(async () => {
    await engine.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('manages affinity groups: create, rename, make preferred, refuse a taken name, delete', async () => {
    const g = await engine.call('placement.groups.create', { name: 'dc', kind: 'antiAffinity' });
    expect(g).toMatchObject({ name: 'dc', kind: 'antiAffinity', enforcement: 'hard', members: [] });
    expect(await engine.call('placement.groups.update', { groupId: g.id, name: 'domain-controllers', enforcement: 'soft' })).toMatchObject({ name: 'domain-controllers', enforcement: 'soft' });
    await expect(engine.call('placement.groups.create', { name: 'domain-controllers', kind: 'affinity' })).rejects.toMatchObject({ code: 'CONFLICT', details: { message: { key: 'placement.err.groupNameTaken' } } });
    await expect(engine.call('placement.groups.addVm', { groupId: g.id, vmId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('placement.groups.create', { name: 'x', kind: 'sideways' as 'affinity' })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
    expect(await engine.call('placement.groups.delete', { groupId: g.id })).toEqual({ deleted: true });
    expect((await engine.call('placement.groups.list', {})).groups).toEqual([]);
  });

  it('refuses a create when there is no host, in words; the strategy is a setting', async () => {
    const e = await engine.call('vms.create', { name: 'x', source: { kind: 'blank' } }).catch((err: unknown) => HangarError.from(err));
    expect(e).toMatchObject({ code: 'CONFLICT', details: { message: { key: 'placement.err.noHosts' } } });
    expect((await engine.call('settings.get', {})).placementStrategy).toBe('spread');
    expect((await engine.call('settings.update', { placementStrategy: 'pack' })).placementStrategy).toBe('pack');
    await expect(engine.call('placement.setHostSettings', { hostId: 'ghost', memoryRatio: 2 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(engine.call('placement.setHostSettings', { hostId: 'ghost', memoryRatio: 0 })).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
