/**
 * Issue 5: Hangar's libvirt client drives live migration between two lab hosts both ways libvirt
 * offers: peer-to-peer (the source daemon talks to the destination) and client-managed
 * (begin → prepare → perform → finish → confirm, so the hosts need not trust each other).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHostLibvirt, type HostLibvirt } from '../../../engine/hosts/host-libvirt';
import { DomainXmlFlag, MigrateFlag, MigrateParam, param } from '../../../engine/libvirt';
import { SshPool, type HostKeyStore, type PinnedKey } from '../../../engine/ssh';
import { defineDomain, labTimeouts, readLabInfo, readSerialLog, sshRun, testGuestXml, virsh, waitFor, type LabHost, type LabInfo } from '../../lab/lab-info';

const lab: LabInfo = readLabInfo();
const [h1, h2] = lab.hosts as [LabHost, LabHost | undefined];
const NAME = `mig-${crypto.randomBytes(3).toString('hex')}`;

describe.skipIf(!h2)('migration with Hangar’s libvirt client', () => {
  let pool: SshPool;
  let src: HostLibvirt;
  let dst: HostLibvirt;

  beforeAll(async () => {
    const pins = new Map<string, PinnedKey>();
    const store: HostKeyStore = { get: async (r) => pins.get(r.endpoint), pin: async (r, k) => void pins.set(r.endpoint, k) };
    pool = new SshPool({ hostKeys: store, knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText: `Host 10.66.0.*\n  User root\n  IdentityFile ${lab.keyPath}\n` } });
    const open = (h: LabHost) => openHostLibvirt(pool.connection(h.name, { address: h.address }));
    [src, dst] = await Promise.all([open(h1), open(h2!)]);
    // A diskless test guest (direct kernel boot from a path every host sees).
    await defineDomain(h1, testGuestXml({ name: NAME, network: null, lab }));
    await virsh(h1, ['start', NAME]);
    await waitFor('the guest banner', async () => (await readSerialLog(h1, NAME)).includes(lab.guest.banner), labTimeouts(lab).bootMs, 250);
  });
  afterAll(async () => {
    for (const h of [h1, h2!]) await sshRun(h, `virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; true`).catch(() => undefined);
    await Promise.all([src?.conn.close(), dst?.conn.close()]);
    await pool?.closeAll();
  });

  it('migrates peer-to-peer: one perform3 on the source', async () => {
    const dom = await src.conn.domainLookupByName(NAME);
    const flags = MigrateFlag.LIVE | MigrateFlag.PEER2PEER | MigrateFlag.PERSIST_DEST | MigrateFlag.UNDEFINE_SOURCE;
    await src.conn.migratePerform3(dom, `qemu+ssh://${h2!.address}/system`, [], new Uint8Array(), flags);
    expect((await virsh(h2!, ['domstate', NAME, '--reason'])).trim()).toBe('running (migrated)');
    expect((await virsh(h1, ['list', '--all', '--name'])).split('\n')).not.toContain(NAME);
  });

  it('migrates back client-managed: begin3, prepare3, perform3, finish3, confirm3', async () => {
    const flags = MigrateFlag.LIVE | MigrateFlag.PERSIST_DEST | MigrateFlag.UNDEFINE_SOURCE;
    // Now lab2 is the source and lab1 the destination.
    const from = dst;
    const to = src;
    const dom = await from.conn.domainLookupByName(NAME);
    const begin = await from.conn.migrateBegin3(dom, [], flags);
    const persistent = await from.conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE | DomainXmlFlag.SECURE | DomainXmlFlag.MIGRATABLE);
    const xmlParams = [param.string(MigrateParam.DEST_XML, begin.xml), param.string(MigrateParam.PERSIST_XML, persistent)];
    const prep = await to.conn.migratePrepare3(xmlParams, begin.cookieOut, flags);
    expect(prep.uriOut).toMatch(/^tcp:/);
    const uri = [param.string(MigrateParam.URI, prep.uriOut!)];
    let performCookie: Uint8Array;
    try {
      performCookie = await from.conn.migratePerform3(dom, null, [...xmlParams, ...uri], prep.cookieOut, flags);
    } catch (err) {
      await to.conn.migrateFinish3([param.string(MigrateParam.DEST_NAME, NAME), ...uri], new Uint8Array(), flags, true).catch(() => undefined);
      throw err;
    }
    const fin = await to.conn.migrateFinish3([param.string(MigrateParam.DEST_NAME, NAME), ...uri], performCookie, flags, false);
    expect(fin.dom.name).toBe(NAME);
    await from.conn.migrateConfirm3(dom, [...xmlParams, ...uri], fin.cookieOut, flags, false);
    expect((await virsh(h1, ['domstate', NAME, '--reason'])).trim()).toBe('running (migrated)');
    expect((await virsh(h2!, ['list', '--all', '--name'])).split('\n')).not.toContain(NAME);
  });
});
