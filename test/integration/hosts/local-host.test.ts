/**
 * The embedded default: the libvirt of the machine Hangar runs on appears by itself as a host,
 * reached through its UNIX socket, with its domains in the inventory. A private libvirtd stands in
 * for the laptop's own (the machine's system libvirt is never touched).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';
import { waitFor } from '../../lab/lab-info';
import { startPrivateDaemon, unavailableReason, type PrivateDaemon } from '../libvirt/daemon';

const skip = unavailableReason();

describe.skipIf(skip !== null)(`the local libvirt as the embedded host${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let daemon: PrivateDaemon;
  let engine: Engine;
  let dir: string;

  beforeAll(async () => {
    daemon = await startPrivateDaemon();
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    await daemon?.stop();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('appears without being added, connects, and lists the local domains', async () => {
    const xmlFile = path.join(daemon.dir, 'local-vm.xml');
    await fs.writeFile(xmlFile, `<domain type='qemu'><name>local-vm</name><memory unit='MiB'>64</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>`);
    daemon.virsh(['define', xmlFile]);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hangar-local-'));
    engine = await createEngine({ dataDir: dir, secrets: aesGcmCipher(Buffer.alloc(32, 3), 't'), logger: silentLogger, runtime: 'in-process', localLibvirt: daemon.socket });
    const host = await waitFor('the local host to connect', async () => (await engine.call('hosts.list', {})).hosts.find((h) => h.kind === 'local' && h.state === 'connected' && h.facts !== null), 20_000, 100);
    expect(host.name).toBe(os.hostname());
    expect(host.facts?.via).toBe('local');
    const vms = await waitFor('the local VM', async () => {
      const list = (await engine.call('vms.list', { hostId: host.id })).vms;
      return list.some((v) => v.name === 'local-vm') ? list : undefined;
    }, 10_000, 100);
    expect(vms.find((v) => v.name === 'local-vm')?.state).toBe('stopped');
    // It is not stored: a restart finds it again only if the socket is still there.
    await engine.close();
    engine = await createEngine({ dataDir: dir, secrets: aesGcmCipher(Buffer.alloc(32, 3), 't'), logger: silentLogger, runtime: 'in-process', localLibvirt: 'none' });
    expect((await engine.call('hosts.list', {})).hosts).toEqual([]);
  });
});
