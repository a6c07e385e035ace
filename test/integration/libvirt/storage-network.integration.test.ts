/**
 * Storage pools and volumes (upload/download streams), networks, snapshots and their events
 * against a private libvirtd, with virsh as the oracle.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import { StoragePoolEventId, NetworkEventId, isNotFound, type LibvirtConnection } from '../../../engine/libvirt';
import { SKIP_REASON, startEnv, waitForEvent, type Env } from './setup';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.skipIf(SKIP_REASON !== null)(`storage, networks, snapshots vs a private libvirtd ${SKIP_REASON ? `(skipped: ${SKIP_REASON})` : ''}`, () => {
  let env: Env;
  let conn: LibvirtConnection;

  beforeAll(async () => {
    env = await startEnv();
    conn = await env.connect();
  }, 60_000);

  afterAll(async () => {
    await conn?.close();
    await env?.daemon.stop();
  });

  it('defines, starts, refreshes a dir pool; creates, clones, uploads, downloads and deletes volumes', async () => {
    const dir = join(env.daemon.dir, 'pool');
    mkdirSync(dir);
    await conn.storagePoolEventRegisterAny(StoragePoolEventId.LIFECYCLE);
    const started = waitForEvent(conn, (e) => e.kind === 'storage-pool-lifecycle' && e.pool.name === 'hp');
    const pool = await conn.storagePoolDefineXml(`<pool type='dir'><name>hp</name><target><path>${dir}</path></target></pool>`);
    await conn.storagePoolCreate(pool);
    await started;
    expect((await conn.listAllStoragePools()).map((p) => p.name)).toEqual(
      env.daemon.virsh(['pool-list', '--all', '--name']).split('\n').map((l) => l.trim()).filter(Boolean),
    );
    expect(await conn.storagePoolGetXmlDesc(pool)).toBe(env.daemon.virsh(['pool-dumpxml', 'hp']));
    expect((await conn.storagePoolGetInfo(pool)).state).toBe(2); // running
    await conn.storagePoolRefresh(pool);

    const size = 3 * 1024 * 1024 + 123; // several stream packets, not a multiple of 256 KiB
    const vol = await conn.storageVolCreateXml(pool, `<volume><name>v1.raw</name><capacity unit='bytes'>${size}</capacity><target><format type='raw'/></target></volume>`);
    expect(vol.key).toBe(join(dir, 'v1.raw'));
    const data = randomBytes(size);
    const up = await conn.storageVolUpload(vol, 0, size);
    await new Promise<void>((resolve, reject) => {
      up.on('error', reject);
      up.end(data, () => resolve());
    });
    expect(sha(readFileSync(join(dir, 'v1.raw')))).toBe(sha(data)); // the daemon stored exactly our bytes

    const clone = await conn.storageVolCreateXmlFrom(pool, `<volume><name>v2.raw</name><capacity unit='bytes'>${size}</capacity><target><format type='raw'/></target></volume>`, vol);
    const dl = await conn.storageVolDownload(clone, 0, size);
    const parts: Buffer[] = [];
    for await (const b of dl) parts.push(b as Buffer);
    expect(sha(Buffer.concat(parts))).toBe(sha(data));

    const info = await conn.storageVolGetInfo(clone);
    expect(info.capacity).toBe(size);
    expect(await conn.storageVolGetPath(clone)).toBe(join(dir, 'v2.raw'));
    expect(await conn.storageVolGetXmlDesc(clone)).toBe(env.daemon.virsh(['vol-dumpxml', '--pool', 'hp', 'v2.raw']));
    expect((await conn.listAllVolumes(pool)).map((v) => v.name).sort()).toEqual(['v1.raw', 'v2.raw']);
    expect((await conn.storageVolLookupByPath(join(dir, 'v1.raw'))).name).toBe('v1.raw');
    await conn.storageVolDelete(clone);
    await expect(conn.storageVolLookupByName(pool, 'v2.raw')).rejects.toSatisfy(isNotFound);
    expect(env.daemon.virsh(['vol-list', '--pool', 'hp'])).not.toContain('v2.raw');
    await conn.storagePoolDestroy(pool);
    await conn.storagePoolUndefine(pool);
  }, 60_000);

  it('defines and starts a network, lists it and its XML like virsh, reads DHCP leases, gets lifecycle events', async () => {
    const xml = `<network><name>hnet</name><bridge name='hnbr0'/><ip address='192.168.250.1' netmask='255.255.255.0'><dhcp><range start='192.168.250.10' end='192.168.250.20'/></dhcp></ip></network>`;
    await conn.networkEventRegisterAny(NetworkEventId.LIFECYCLE);
    const started = waitForEvent(conn, (e) => e.kind === 'network-lifecycle' && e.net.name === 'hnet' && e.event === 2);
    const file = join(env.daemon.dir, 'hnet.xml');
    writeFileSync(file, xml);
    await env.daemon.virshAsync(['net-define', file]);
    await env.daemon.virshAsync(['net-start', 'hnet']); // independently of the code under test
    await started; // VIR_NETWORK_EVENT_STARTED
    const nets = await conn.listAllNetworks();
    expect(nets.map((n) => n.name)).toEqual(env.daemon.virsh(['net-list', '--all', '--name']).split('\n').map((l) => l.trim()).filter(Boolean));
    const net = await conn.networkLookupByName('hnet');
    expect(net.uuid).toBe(env.daemon.virsh(['net-uuid', 'hnet']).trim());
    expect(await conn.networkGetXmlDesc(net)).toBe(env.daemon.virsh(['net-dumpxml', 'hnet']));
    expect(await conn.networkGetDhcpLeases(net)).toEqual([]); // virsh net-dhcp-leases lists none either
    expect(env.daemon.virsh(['net-dhcp-leases', 'hnet']).trim()).toBe('');
    const stopped = waitForEvent(conn, (e) => e.kind === 'network-lifecycle' && e.net.name === 'hnet' && e.event === 3);
    await env.daemon.virshAsync(['net-destroy', 'hnet']);
    await stopped; // VIR_NETWORK_EVENT_STOPPED
  });

  it('creates, lists, reads, reverts and deletes snapshots like virsh sees them', async () => {
    env.defineGuest('snappy', { qcow2: true });
    const dom = await conn.domainLookupByName('snappy');
    const snap = await conn.snapshotCreateXml(dom, '<domainsnapshot><name>s1</name><description>hangar</description></domainsnapshot>');
    expect(snap).toMatchObject({ name: 's1', dom: { name: 'snappy' } });
    env.daemon.virsh(['snapshot-create-as', 'snappy', 's2']); // one made by someone else
    expect((await conn.snapshotListAll(dom)).map((s) => s.name).sort()).toEqual(
      env.daemon.virsh(['snapshot-list', 'snappy', '--name']).split('\n').map((l) => l.trim()).filter(Boolean).sort(),
    );
    expect(await conn.snapshotGetXmlDesc(snap)).toBe(env.daemon.virsh(['snapshot-dumpxml', 'snappy', 's1']));
    await conn.snapshotRevert(await conn.snapshotLookupByName(dom, 's1'));
    expect(env.daemon.virsh(['snapshot-current', 'snappy', '--name']).trim()).toBe('s1');
    await conn.snapshotDelete(snap);
    const err = await conn.snapshotLookupByName(dom, 's1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HangarError);
    expect(isNotFound(err)).toBe(true);
    expect(env.daemon.virsh(['snapshot-list', 'snappy', '--name']).trim()).toBe('s2');
  });
});
