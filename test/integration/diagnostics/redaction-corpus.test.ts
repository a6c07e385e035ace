/**
 * Issue 21, finding 3: every secret shape the outside review slipped past redaction is planted on a
 * lab host — in a config file gather copies, in a binary file with a NUL byte, in a libvirt log, in
 * command output (a domain's XML through virsh, file names through ls) and in a failing command's
 * stderr and command line (the manifest) — then a gather scoped to that host runs and every
 * planted value is searched for in every byte of the unpacked bundle: zero hits.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatherResult } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { readTarGz } from '../../../engine/diagnostics/bundle/tar';
import { labEngine } from '../fleet/lab-engine';
import { defineDomain, readLabInfo, sshRun, testGuestXml, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const VM = `h6-corpus-${tag}`;
const CONF = `/etc/libvirt/h6-corpus-${tag}.conf`;
const BIN = `/etc/libvirt/h6-corpus-${tag}-bin.conf`;
const LOG = `/var/log/libvirt/qemu/h6-corpus-${tag}.log`;
const LS_DIR = `/var/lib/libvirt/qemu/h6-corpus-${tag}`;

/** One value per shape; each is unique so a hit names the shape that leaked. */
const V = {
  passwdSpaced: `h6PwSp${tag}`,
  midLine: `h6PwMid${tag}`,
  url: `h6UrlPw${tag}`,
  bearer: `h6Bearer${tag}`,
  cookie: `h6Cookie${tag}`,
  setCookie: `h6SetCk${tag}`,
  ceph: `AQh6Ceph${tag}==`,
  pem: `h6PemBody${tag}`,
  bindpw: `h6Bind${tag}`,
  vnc: `h6Vnc${tag}`,
  disk: `h6DiskPw${tag}`,
  lsName: `h6LsPw${tag}`,
};

/** Every shape, as a config file or a log would hold it. */
const corpus = (prefix: string): string =>
  [
    `${prefix}passwd = '${V.passwdSpaced}'`,
    `${prefix}2026-12-02 00:00:00.000+0000: 1: info : connecting with password=${V.midLine} to the mirror`,
    `${prefix}mirror = https://alice:${V.url}@repo.example.com/debian`,
    `${prefix}Authorization: Bearer ${V.bearer}`,
    `${prefix}Cookie: sid=${V.cookie}; theme=dark`,
    `${prefix}Set-Cookie: session=${V.setCookie}; Path=/; HttpOnly`,
    '[client.admin]',
    `\tkey = ${V.ceph}`,
    '-----BEGIN RSA PRIVATE KEY-----',
    V.pem,
    '-----END PRIVATE KEY-----',
    `bindpw ${V.bindpw}`,
    `vnc_password = "${V.vnc}"`,
    '',
  ].join('\n');

const xmlText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('redaction corpus on a lab host', () => {
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;
  let engine: Engine;
  const out = fs.mkdtempSync(path.join('/tmp', 'h6-corpus-'));

  beforeAll(async () => {
    // Configs and a binary file (NUL bytes first) where gather copies /etc/libvirt/*.conf.
    await sshRun(h1, `cat > ${CONF}`, { input: corpus('') });
    const bin = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 1, 0, 0]), Buffer.from(corpus('')), Buffer.from([0, 0xff, 0])]);
    await sshRun(h1, `base64 -d > ${BIN}`, { input: bin.toString('base64') });
    // A libvirt log gather copies (/var/log/libvirt/qemu/*.log), the shapes mid-line.
    await sshRun(h1, `cat > ${LOG}`, { input: corpus('2026-12-02T00:00:01.000Z qemu: ') });
    // Command output: `ls -laR /var/lib/libvirt/qemu` lists this file name.
    await sshRun(h1, `mkdir -p ${LS_DIR} && touch '${LS_DIR}/password=${V.lsName}'`);
    // Command output and libvirt XML: a domain whose description holds every shape, and whose disk
    // path makes `qemu-img info` fail with the secret in its command line and stderr (the manifest).
    const disk = `/var/lib/libvirt/images/h6-corpus-${tag}-password=${V.disk}.qcow2`;
    const xml = testGuestXml({ name: VM, network: null, memoryMiB: 64, disk, lab }).replace('</name>', `</name>\n  <description>${xmlText(corpus(''))}</description>`);
    await defineDomain(h1, xml);
    t = await labEngine(lab, 'h6-corpus');
    engine = t.engine;
    await engine.call('hosts.add', { address: h1.address, name: h1.name, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    await waitFor('the corpus VM in the inventory', async () => (await engine.call('vms.list', {})).vms.some((v) => v.name === VM), 30_000, 200);
  }, 120_000);

  afterAll(async () => {
    await t?.dispose();
    await sshRun(h1, `virsh undefine ${VM} >/dev/null 2>&1; rm -rf ${CONF} ${BIN} ${LOG} ${LS_DIR}; true`).catch(() => undefined);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('finds none of the planted secrets anywhere in the bundle', async () => {
    const vm = (await engine.call('vms.list', {})).vms.find((v) => v.name === VM)!;
    const { jobId } = await engine.call('diagnostics.gather', { vmIds: [vm.id], since: '1h', outputDir: out });
    const job = await waitFor('the gather', async () => {
      const j = await engine.call('jobs.get', { jobId });
      return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : null;
    }, 240_000, 250);
    expect(job.error).toBeNull();
    const r = job.result as GatherResult;
    const entries = await readTarGz(r.path);
    const root = entries[0]!.name.split('/')[0]!;
    const byName = new Map(entries.map((e) => [e.name.slice(root.length + 1), e.data]));
    const hostDir = `hosts/${h1.name}`;

    // The planted places really are in the bundle (else zero hits would prove nothing).
    const planted = [
      `${hostDir}/files${CONF}`,
      `${hostDir}/files${BIN}`,
      `${hostDir}/files${LOG}`,
      `${hostDir}/libvirt/domains/${VM}.xml`,
      `${hostDir}/vms/${VM}/dumpxml-inactive.xml`,
      `${hostDir}/libvirt/var-lib-libvirt-qemu-ls.txt`,
      'manifest.json',
      'must-gather.log',
    ];
    for (const p of planted) expect(byName.has(p), p).toBe(true);
    const hits: string[] = [];
    for (const [p, data] of byName) {
      const bytes = `${p}\n${data.toString('latin1')}`;
      for (const [shape, value] of Object.entries(V)) if (bytes.includes(value)) hits.push(`${shape} in ${p}`);
    }
    expect(hits).toEqual([]);
    expect(byName.get(`${hostDir}/files${BIN}`)!.length).toBe(10 + Buffer.byteLength(corpus('')) + 3); // binary: masked in place
    expect(byName.get(`${hostDir}/libvirt/var-lib-libvirt-qemu-ls.txt`)!.toString()).toContain('password=********');
    const manifest = JSON.parse(byName.get('manifest.json')!.toString('utf8')) as { items: Array<{ command: string; stderr: string; exitCode: number | null }> };
    const imgInfo = manifest.items.find((i) => i.command.includes('qemu-img') && i.command.includes(`h6-corpus-${tag}`));
    expect(imgInfo?.exitCode).not.toBe(0);
    expect(imgInfo?.stderr).toContain('password=********');
  }, 300_000);
});
