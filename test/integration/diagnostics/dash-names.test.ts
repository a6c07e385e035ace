/**
 * Issue 21 #6: names that start with `-` (a pool, a volume, a path) reach host commands as
 * arguments, never as options. On a real lab host: the command lines Hangar builds run there and
 * read the right objects, and a must-gather with image details collects them correctly.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatherResult } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { qemuImgInfoCommand, volListCommand } from '../../../engine/diagnostics/gather/host-items';
import { labEngine } from '../fleet/lab-engine';
import { defineDomain, readLabInfo, sshExec, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const tag = crypto.randomBytes(3).toString('hex');
const POOL = `-h5-pool-${tag}`;
const VOL = `-h5-vol-${tag}.qcow2`;
const DIR = `/var/tmp/h5-${tag}/-h5-dir`;
/** Relative to the SSH login's working directory (root's home): what `qemu-img -h…` would eat. */
const REL = `-h5-rel-${tag}/-h5-img.qcow2`;
const VM = `h5-dash-${tag}`;

describe('names that start with a dash, on a lab host', () => {
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;
  const out = fs.mkdtempSync(path.join('/tmp', 'h5-dash-'));

  beforeAll(async () => {
    await sshRun(h1, `mkdir -p ${DIR} -- ${REL.split('/')[0]} && qemu-img create -q -f qcow2 -- ${REL} 1M`);
    await virsh(h1, ['pool-create-as', `--name=${POOL}`, '--type=dir', `--target=${DIR}`]);
    await virsh(h1, ['vol-create-as', `--pool=${POOL}`, `--name=${VOL}`, '--capacity=2M', '--format=qcow2']);
    await defineDomain(h1, testGuestXml({ name: VM, network: null, agent: false, disk: `${DIR}/${VOL}` }));
  }, 60_000);

  afterAll(async () => {
    await t?.dispose();
    await sshRun(h1, `virsh undefine ${VM} >/dev/null 2>&1; virsh pool-destroy --pool=${POOL} >/dev/null 2>&1; rm -rf /var/tmp/h5-${tag} ./${REL.split('/')[0]}; true`).catch(() => undefined);
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('qemu-img info reads a path that starts with a dash instead of taking it as options', async () => {
    const r = await sshExec(h1, qemuImgInfoCommand(REL));
    expect(r.stdout).not.toMatch(/usage: qemu-img/); // `-h…` taken as an option prints the help
    expect(r.code, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as Array<{ filename: string; format: string }>;
    expect(info[0]).toMatchObject({ filename: REL, format: 'qcow2' });
  });

  it('vol-list lists a pool whose name starts with a dash', async () => {
    const r = await sshExec(h1, volListCommand(POOL));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${DIR}/${VOL}`);
  });

  it('a must-gather with image details collects the pool, the volume and the VM disk correctly', async () => {
    t = await labEngine(lab, 'h5-dash');
    const engine = t.engine;
    const host = await engine.call('hosts.add', { address: h1.address, name: h1.name, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    const vm = await waitFor('the VM in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === VM), 30_000, 100);
    const { jobId } = await engine.call('diagnostics.gather', { hostIds: [host.id], vmIds: [vm.id], images: true, since: '1h', outputDir: out });
    const job = await waitFor('the gather to finish', async () => {
      const j = await engine.call('jobs.get', { jobId });
      return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : null;
    }, 240_000, 200);
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const bundle = (job.result as GatherResult).path;
    const dir = fs.mkdtempSync(path.join(out, 'x-'));
    expect(spawnSync('tar', ['-xzf', bundle, '-C', dir]).status).toBe(0);
    const root = path.join(dir, fs.readdirSync(dir)[0]!);
    const read = (p: string) => fs.readFileSync(path.join(root, p), 'utf8');

    // The pool's listing, by its own name.
    expect(read(`hosts/${h1.name}/libvirt/vols-${POOL}.txt`)).toContain(`${DIR}/${VOL}`);
    // The volume's image details, from the pool walk.
    const img = JSON.parse(read(`images/${h1.name}/${POOL}/${VOL}-qemu-img-info.json`)) as Array<{ filename: string; 'virtual-size': number }>;
    expect(img[0]).toMatchObject({ filename: `${DIR}/${VOL}`, 'virtual-size': 2 * 1024 * 1024 });
    // The VM's disk, from its XML.
    const disk = JSON.parse(read(`hosts/${h1.name}/vms/${VM}/qemu-img-info-vda.json`)) as Array<{ filename: string }>;
    expect(disk[0]?.filename).toBe(`${DIR}/${VOL}`);
    // And the command lines say so: `--` before the path, the pool as one --pool= word.
    const manifest = JSON.parse(read('manifest.json')) as { items: Array<{ out: string; command: string; exitCode: number | null }> };
    const vols = manifest.items.find((i) => i.out === `hosts/${h1.name}/libvirt/vols-${POOL}.txt`);
    expect(vols?.command).toContain(`'--pool=${POOL}'`);
    expect(vols?.exitCode).toBe(0);
    const qi = manifest.items.find((i) => i.out === `hosts/${h1.name}/vms/${VM}/qemu-img-info-vda.json`);
    expect(qi?.command).toMatch(/ '--' \//);
    expect(qi?.exitCode).toBe(0);
    // A gather reads every domain on the host, and a shared lab may hold thousands of bench domains.
  }, 300_000);
});
