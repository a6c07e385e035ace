/**
 * Issue 17: a template uploaded into the library through upload's ticketed endpoint (as `hangar
 * serve` serves it) is listed at once as Uploading, and is Ready once the host's sha256sum of the
 * volume equals the file's.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryItem } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { startServer, type RunningServer } from '../../../engine/server/serve';
import { readLabInfo, shellQuote, sshRun, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';
import { putTicket } from '../../helpers/put-ticket';

const lab = readLabInfo();
const h = lab.hosts[0] as LabHost;
const NAME = `library-up-${crypto.randomBytes(3).toString('hex')}`;

describe('library upload', () => {
  let te: { engine: Engine; dispose(): Promise<void> } | undefined;
  let server: RunningServer | undefined;
  let item: LibraryItem | undefined;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'library-upload-'));

  beforeAll(async () => {
    te = await labEngine(lab, 'library-upload');
    await te.engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
    server = await startServer({ engine: te.engine, logger: silentLogger, host: '127.0.0.1', port: 0, token: crypto.randomBytes(16).toString('hex'), staticDir: tmp });
  }, 120_000);

  afterAll(async () => {
    const c = item?.copies[0];
    await server?.close();
    await te?.dispose();
    if (c) await sshRun(h, `virsh vol-delete --pool ${c.pool} ${c.volume} >/dev/null 2>&1; true`).catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('lists the upload at once, then Ready with the host\'s sha256 equal to the file\'s', async () => {
    const engine = te!.engine;
    const hostId = (await engine.call('hosts.list', {})).hosts[0]!.id;
    await waitFor('the default pool', async () => (await engine.call('storage.pools', { hostId })).pools.some((p) => p.name === 'default'), 30_000, 200);
    const file = lab.guest.baseImage;
    const size = fs.statSync(file).size;
    const started = await engine.call('library.upload', { kind: 'template', name: NAME, osId: 'linux', hostId, pool: 'default', fileName: 'base.qcow2', bytes: size, format: 'qcow2' });
    const listed = (await engine.call('library.list', {})).items.find((i) => i.id === started.itemId);
    expect(listed?.copies[0]?.state).toBe('uploading');
    expect(listed?.readyOn).toEqual([]);
    expect(await putTicket(server!.origin, started.ticket!, file)).toBe(204);
    item = await waitFor('Ready', async () => (await engine.call('library.list', {})).items.find((i) => i.id === started.itemId && i.copies[0]?.state === 'ready'), 120_000, 200);
    const want = crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const c = item.copies[0]!;
    expect(c.sha256).toBe(want);
    expect((await sshRun(h, `sha256sum ${shellQuote(c.path)}`)).split(/\s+/)[0]).toBe(want);
    expect(item.readyOn).toEqual([hostId]);
  }, 200_000);
});
