/**
 * A private libvirtd for integration tests, isolated from any system libvirt.
 *
 * It runs in its own mount, network and PID namespaces (`unshare`): /etc/libvirt, /run,
 * /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are bind-mounted from a temp dir, so
 * nothing of the host's libvirt state is read or written; networks it creates live in its own
 * network namespace; and killing the namespace's init takes every qemu it started down with it.
 * Only the UNIX socket is shared, through a directory outside the namespace's private mounts.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PrivateDaemon {
  dir: string;
  socket: string;
  /** virsh URI reaching this daemon's qemu driver. */
  virshUri: string;
  /** Runs virsh against the daemon (qemu driver unless uri given); throws on failure. */
  virsh(args: string[], uri?: string): string;
  /** Same, without blocking the event loop (for timing events against an independent command). */
  virshAsync(args: string[], uri?: string): Promise<string>;
  /** Restarts libvirtd in place (same state and socket; running qemus survive, as on a host). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  log(): string;
}

/** Why the integration tests cannot run here, or null when they can. */
export function unavailableReason(): string | null {
  if (process.platform !== 'linux') return 'needs Linux';
  if (process.getuid?.() !== 0) return 'needs root (private libvirtd in namespaces)';
  for (const bin of ['libvirtd', 'virsh', 'unshare', 'setpriv', 'nsenter', 'qemu-system-x86_64']) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return `${bin} is not installed`;
  }
  return null;
}

/**
 * Whether test guests use KVM. Opt-in (HANGAR_TEST_KVM=1): a /dev/kvm that opens is no proof that
 * nested KVM boots a guest (on this CI's VMs it hangs), while TCG always works, only slower.
 */
export function useKvm(): boolean {
  return process.env['HANGAR_TEST_KVM'] === '1' && spawnSync('sh', ['-c', 'exec 3<>/dev/kvm']).status === 0;
}

const CACHE_DIR = join(tmpdir(), 'hangar-libvirt-cache'); // qemu capability probe cache, reused across runs

function libvirtdConf(sockDir: string): string {
  return [
    `unix_sock_dir = "${sockDir}"`,
    'unix_sock_rw_perms = "0770"',
    'auth_unix_rw = "none"',
    'auth_unix_ro = "none"',
    'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"',
    '',
  ].join('\n');
}

// Root-owned qemu with no cgroups, no security driver and no virtlogd: the test host has none of
// the machinery a production host has, and the namespaces already isolate the daemon.
const QEMU_CONF = [
  'user = "root"',
  'group = "root"',
  'dynamic_ownership = 0',
  'remember_owner = 0',
  'security_driver = "none"',
  'cgroup_controllers = [ ]',
  'namespaces = [ ]',
  'stdio_handler = "file"',
  '',
].join('\n');

export async function startPrivateDaemon(): Promise<PrivateDaemon> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-libvirtd-'));
  const paths = {
    etc: join(dir, 'etc'),
    run: join(dir, 'run'),
    lib: join(dir, 'lib'),
    log: join(dir, 'log'),
    sock: join(dir, 'sock'),
  };
  for (const p of Object.values(paths)) mkdirSync(p, { recursive: true });
  mkdirSync(join(paths.etc, 'qemu'), { recursive: true });
  mkdirSync(join(paths.run, 'lock'), { recursive: true }); // /var/lock points here; console pty locks
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(join(paths.etc, 'libvirtd.conf'), libvirtdConf(paths.sock));
  writeFileSync(join(paths.etc, 'qemu.conf'), QEMU_CONF);
  writeFileSync(join(paths.etc, 'libvirt.conf'), '');

  const script = [
    'set -e',
    'mount --make-rprivate /',
    `mount --bind ${paths.etc} /etc/libvirt`,
    `mount --bind ${paths.run} /run`,
    `mount --bind ${paths.lib} /var/lib/libvirt`,
    `mount --bind ${CACHE_DIR} /var/cache/libvirt`,
    `mount --bind ${paths.log} /var/log/libvirt`,
    'ip link set lo up',
    // sh stays PID 1 of the namespace so it reaps daemonised qemu processes (libvirt waits for
    // a killed qemu to vanish, which a zombie never does), and restarts libvirtd when killed.
    'while :; do libvirtd & echo $! > /run/hangar-libvirtd.pid; wait $! || true; sleep 0.2; done',
  ].join('\n');
  // setpriv --pdeathsig: if this test process dies without stop(), unshare dies with it, and
  // --kill-child then takes the whole namespace (libvirtd, qemus) down too.
  const child: ChildProcess = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', 'unshare', '--mount', '--net', '--pid', '--fork', '--kill-child', '--mount-proc', 'sh', '-c', script],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));

  const socket = join(paths.sock, 'libvirt-sock');
  const waitForSocket = async (): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (!existsSync(socket)) {
      if (child.exitCode !== null) throw new Error(`private libvirtd exited (${child.exitCode}): ${output}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`private libvirtd did not create ${socket}: ${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitForSocket();

  /** Host pid of the namespace's init (the sh), the child of unshare. */
  const initPid = (): number => {
    const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' });
    const pid = Number.parseInt(r.stdout.trim(), 10);
    if (!Number.isFinite(pid)) throw new Error('private libvirtd namespace is gone');
    return pid;
  };
  const virshUri = `qemu:///system?socket=${socket}`;
  const daemon: PrivateDaemon = {
    dir,
    socket,
    virshUri,
    virsh(args, uri = virshUri) {
      const r = spawnSync('virsh', ['-q', '-c', uri, ...args], { encoding: 'utf8', timeout: 60_000 });
      if (r.status !== 0) throw new Error(`virsh ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
      return r.stdout;
    },
    virshAsync(args, uri = virshUri) {
      return new Promise((resolve, reject) => {
        execFile('virsh', ['-q', '-c', uri, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`virsh ${args.join(' ')} failed: ${stderr || err.message}`));
          else resolve(stdout);
        });
      });
    },
    async restart() {
      // The pid file holds the namespace's pid; nsenter into the namespace to signal it.
      const r = spawnSync('nsenter', ['-t', String(initPid()), '-p', '-m', 'sh', '-c', 'kill $(cat /run/hangar-libvirtd.pid)']);
      if (r.status !== 0) throw new Error(`cannot restart libvirtd: ${r.stderr.toString()}`);
      const deadline = Date.now() + 10_000;
      while (existsSync(socket) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
      await waitForSocket();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        // unshare ignores SIGTERM while it waits; SIGKILL it and --kill-child takes the namespace down.
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
    log() {
      return output;
    },
  };
  return daemon;
}
