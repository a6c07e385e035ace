/**
 * Issues 14 and 21 (the gather flake): libvirt streams over a lab host's SSH link lose nothing,
 * even when libvirtd sends data before the reply of the call that opened the stream. A volume
 * download is byte-identical to the file on the host, and a screenshot is a whole PNG, 20 times each.
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LibvirtConnection, LibvirtStream } from '../../../engine/libvirt';
import type { SshPool } from '../../../engine/ssh';
import { openLabLibvirt } from './lab-libvirt';
import { defineDomain, readLabInfo, serialLogPath, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const VOL = `h6-dl-${tag}.raw`;
const VM = `h6-shot-${tag}`;
const SIZE = 3 * 1024 * 1024 + 4321; // several stream packets, not a multiple of 256 KiB
const ROUNDS = 20;

async function readAll(s: LibvirtStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('libvirt streams against a lab host', () => {
  let pool: SshPool;
  let conn: LibvirtConnection;

  beforeAll(async () => {
    ({ pool, conn } = await openLabLibvirt(lab, h1));
  }, 60_000);

  afterAll(async () => {
    await sshRun(h1, `virsh destroy ${VM} >/dev/null 2>&1; virsh undefine ${VM} >/dev/null 2>&1; virsh vol-delete --pool default ${VOL} >/dev/null 2>&1; rm -f /var/log/libvirt/qemu/${VM}.log '${serialLogPath(VM)}'; true`).catch(() => undefined);
    await conn?.close();
    await pool?.closeAll();
  });

  it(`downloads a ${SIZE}-byte volume byte-identical to the file on the host, ${ROUNDS} times`, async () => {
    await virsh(h1, ['vol-create-as', 'default', VOL, String(SIZE), '--format', 'raw']);
    const file = (await virsh(h1, ['vol-path', '--pool', 'default', VOL])).trim();
    // Random bytes written on the host; the host's own sha256sum is the oracle.
    const oracle = (await sshRun(h1, `head -c ${SIZE} /dev/urandom > '${file}' && sha256sum '${file}'`)).split(/\s+/)[0];
    const p = await conn.storagePoolLookupByName('default');
    await conn.storagePoolRefresh(p);
    const vol = await conn.storageVolLookupByName(p, VOL);
    // Four at a time on the one connection: the daemon's data then often overtakes its replies.
    for (let i = 0; i < ROUNDS; i += 4) {
      const got = await Promise.all([0, 1, 2, 3].map(async () => readAll(await conn.storageVolDownload(vol, 0, 0))));
      for (const [j, g] of got.entries()) {
        expect(g.length, `round ${i + j}`).toBe(SIZE);
        expect(crypto.createHash('sha256').update(g).digest('hex'), `round ${i + j}`).toBe(oracle);
      }
    }
  }, 300_000);

  it(`takes a whole PNG screenshot of a running guest ${ROUNDS} times without a miss`, async () => {
    await defineDomain(h1, testGuestXml({ name: VM, network: null, memoryMiB: 128, lab }));
    await virsh(h1, ['start', VM]);
    const dom = await conn.domainLookupByName(VM);
    // The display exists once QEMU runs; the first screenshot may race its start-up, so wait for one.
    await waitFor('a first screenshot', async () => (await conn.domainScreenshot(dom, 0).then(readAll).catch(() => Buffer.alloc(0))).length > 100, 30_000, 500);
    for (let i = 0; i < ROUNDS; i += 4) {
      const imgs = await Promise.all([0, 1, 2, 3].map(async () => readAll(await conn.domainScreenshot(dom, 0))));
      for (const [j, img] of imgs.entries()) {
        expect(img.subarray(0, 8).toString('hex'), `round ${i + j}`).toBe('89504e470d0a1a0a');
        // A whole PNG ends with its IEND chunk.
        expect(img.subarray(-8, -4).toString('latin1'), `round ${i + j}`).toBe('IEND');
      }
    }
  }, 300_000);
});
