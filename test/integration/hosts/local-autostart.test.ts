/**
 * Issue 13 item 12: on a machine with QEMU and libvirt installed but no daemon running (no
 * systemd, a container), a fresh engine with defaults still shows the local host — it starts the
 * daemon the way libvirt's own client autostarts it — and a newcomer can create and run a VM there
 * with no SSH and no lab host: a `default` pool appears, the VM gets user-mode networking, and it
 * reaches Running according to `virsh -c qemu:///session` (libvirt's own client, not Hangar).
 * The lab's base image is the guest's disk (copied into the local default pool).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../engine/contract';
import { createEngine, type Engine } from '../../../engine/engine';
import { localDaemonPlan } from '../../../engine/libvirt/local-daemon';
import { connectUnixSocket } from '../../../engine/libvirt';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';
import { readLabInfo, waitFor } from '../../lab/lab-info';

const URI = 'qemu:///session';
const VM = 'h4-local-first-vm';
const BASE = 'h4-local-base.qcow2';
const virsh = (args: string[]) => spawnSync('virsh', ['-q', '-c', URI, ...args], { encoding: 'utf8', timeout: 30_000 });
const answers = async (socket: string) => connectUnixSocket(socket, 2_000).then((s) => (s.destroy(), true), () => false);

const plan = await localDaemonPlan();
const skip = !plan ? 'libvirt is not installed here' : spawnSync('sh', ['-c', 'command -v virsh']).status !== 0 ? 'virsh is not installed' : null;

describe.skipIf(skip !== null)(`the local host where no libvirt daemon runs${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let engine: Engine | undefined;
  let dataDir = '';
  let basePath = '';
  let daemonWasRunning = true;

  afterAll(async () => {
    virsh(['destroy', VM]);
    virsh(['undefine', VM, '--remove-all-storage']);
    if (basePath) {
      fs.rmSync(basePath, { force: true });
      virsh(['pool-refresh', 'default']);
    }
    await engine?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    // Stop what we started (by the pids its pid files name), unless a guest of someone else's runs on it.
    if (!daemonWasRunning && plan && virsh(['list', '--name']).stdout.trim() === '') {
      const pidFiles = plan.mode === 'system' ? ['/run/libvirtd.pid', '/run/virtlogd.pid'] : [path.join(path.dirname(plan.socket), 'libvirtd.pid')];
      for (const pidFile of pidFiles) {
        const pid = Number(fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8').trim() : 0);
        if (pid > 1) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // gone already
          }
        }
      }
    }
  });

  it('appears within seconds, and runs a VM with no SSH', async () => {
    daemonWasRunning = await answers(plan!.socket);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-local-autostart-'));
    const started = Date.now();
    engine = await createEngine({ dataDir, secrets: aesGcmCipher(Buffer.alloc(32, 4), 't'), logger: silentLogger, runtime: 'in-process' });
    const host = await waitFor('the local host to connect', async () => (await engine!.call('hosts.list', {})).hosts.find((h) => h.kind === 'local' && h.state === 'connected'), 10_000, 50);
    const seconds = (Date.now() - started) / 1000;
    console.log(`local host connected after ${seconds.toFixed(1)} s (daemon was ${daemonWasRunning ? 'already running' : 'autostarted'})`);
    expect(seconds).toBeLessThan(10);
    expect(host.address).toBe(plan!.socket);
    expect(await answers(plan!.socket)).toBe(true);

    // A fresh daemon has no pool: the local host gets a `default` one, active.
    const facts = await waitFor('facts with the default pool', async () => (await engine!.call('hosts.list', {})).hosts.find((h) => h.id === host.id)?.facts?.pools.find((p) => p.name === 'default' && p.active), 10_000, 100);
    expect(facts).toBeTruthy();
    const poolXml = virsh(['pool-dumpxml', 'default']).stdout;
    const poolDir = poolXml.match(/<path>([^<]+)<\/path>/)?.[1];
    expect(poolDir).toBeTruthy();

    // The lab's base image as the source, in the local pool (where the daemon's QEMU may read it).
    basePath = path.join(poolDir!, BASE);
    fs.copyFileSync(readLabInfo().guest.baseImage, basePath);
    expect(virsh(['pool-refresh', 'default']).status).toBe(0);

    const updates: Job[] = [];
    engine.subscribe('job.updated', {}, (j) => updates.push(j));
    const { jobId } = await engine.call('vms.create', {
      name: VM,
      hostId: host.id,
      memoryMiB: 256,
      // Acceleration and network left at their defaults: KVM only where it can run a guest here,
      // and no libvirt network is running, so the guest gets user-mode networking.
      source: { kind: 'clone', base: { pool: 'default', volume: BASE }, mode: 'overlay' },
      start: true,
    });
    const job = await waitFor('the create job', async () => updates.find((j) => j.id === jobId && ['succeeded', 'failed', 'cancelled'].includes(j.state)), 60_000, 50);
    expect(job.error ?? null).toBeNull();
    expect(job.state).toBe('succeeded');
    expect(virsh(['domstate', VM]).stdout.trim()).toBe('running');
    // No libvirt network is running here: the guest has QEMU's user-mode networking.
    expect(virsh(['dumpxml', VM]).stdout).toMatch(/<interface type='user'>/);
    const vm = await waitFor('the VM Running in the inventory', async () => (await engine!.call('vms.list', { hostId: host.id })).vms.find((v) => v.name === VM && v.state === 'running'), 10_000, 100);
    expect(vm.hostId).toBe(host.id);
  });

  it.skipIf(process.getuid?.() !== 0)('an unprivileged user gets a session daemon of their own, with a pool, running a guest', async () => {
    // nobody, with a home and runtime dir of its own: the case of a desktop user without systemd.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-session-'));
    fs.chmodSync(dir, 0o755);
    const home = path.join(dir, 'home');
    const run = path.join(dir, 'run');
    fs.mkdirSync(home);
    fs.mkdirSync(run, { mode: 0o700 });
    fs.chownSync(home, 65534, 65534);
    fs.chownSync(run, 65534, 65534);
    try {
      const { build } = await import('esbuild');
      await build({ entryPoints: [path.join(import.meta.dirname, 'session-driver.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: path.join(dir, 'driver.mjs'), logLevel: 'warning' });
      fs.symlinkSync(path.resolve(import.meta.dirname, '../../../node_modules'), path.join(dir, 'node_modules'));
      // This Node may live under root's home, which nobody cannot enter.
      fs.copyFileSync(process.execPath, path.join(dir, 'node'));
      fs.chmodSync(path.join(dir, 'node'), 0o755);
      const vm = `h4-session-${process.pid}`;
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-i', 'PATH=/usr/bin:/bin:/usr/sbin:/sbin', `HOME=${home}`, `XDG_RUNTIME_DIR=${run}`, path.join(dir, 'node'), path.join(dir, 'driver.mjs'), vm], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { socket: string; uri: string; connectMs: number; pools: string[]; state: number };
      console.log(`session daemon autostarted and connected in ${out.connectMs} ms`);
      expect(out.socket).toBe(path.join(run, 'libvirt', 'libvirt-sock'));
      expect(out.uri).toBe('qemu:///session');
      expect(out.pools).toContain('default');
      expect(out.state).toBe(1); // running
      expect(fs.existsSync(path.join(home, '.local/share/libvirt/images'))).toBe(true);
    } finally {
      // The daemons we started (libvirtd, and the virtlogd it autostarted), by their pid files.
      for (const name of ['libvirtd.pid', 'virtlogd.pid']) {
        const pidFile = path.join(run, 'libvirt', name);
        const pid = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').trim()) : 0;
        if (pid > 1) {
          try {
            process.kill(pid, 'SIGTERM');
          } catch {
            // gone already
          }
        }
      }
      await new Promise((r) => setTimeout(r, 500));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
