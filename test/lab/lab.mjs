#!/usr/bin/env node
// Hangar test lab: real libvirt/QEMU hosts in network + mount namespaces on one Linux machine.
//
//   node test/lab/lab.mjs up [--hosts N] [--domains M]   (default 2 hosts, 0 extra domains)
//   node test/lab/lab.mjs down
//   node test/lab/lab.mjs status [--json]
//
// Root only. Everything lives under test/lab/state/ (gitignored); `down` removes all of it but
// test/lab/state/cache/ (the built test guest and probe results), so repeated runs are fast.
// Plain Node ESM, no dependencies: the namespace plumbing is in scripts/*.sh.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LAB_DIR = path.dirname(fileURLToPath(import.meta.url));
// A worktree links its state to the main checkout's, so that one lab (and one lock) serves all:
// resolve the link, or the mount table (which lists real paths) would not match SHARED.
const STATE = realOrSame(path.join(LAB_DIR, 'state'));
const CACHE = path.join(STATE, 'cache');
const HOSTS_DIR = path.join(STATE, 'hosts');
const SSH_DIR = path.join(STATE, 'ssh');
const SHARED = path.join(STATE, 'shared'); // the shared pool, as every host (and the laptop) sees it
const SHARED_DATA = path.join(STATE, 'shared-data'); // where its files really are
const LAB_JSON = path.join(STATE, 'lab.json');
const HOST_SH = path.join(LAB_DIR, 'scripts', 'host.sh');
const BUILD_GUEST_SH = path.join(LAB_DIR, 'scripts', 'build-guest.sh');
const SUBNET = '10.66.0';
const LAPTOP = `${SUBNET}.1`;
const MAX_HOSTS = 50;

/** Debian package that provides each command the lab runs. */
const REQUIRED = [
  ['ip', 'iproute2'],
  ['unshare', 'util-linux'],
  ['nsenter', 'util-linux'],
  ['libvirtd', 'libvirt-daemon-system'],
  ['virtlogd', 'libvirt-daemon-system'],
  ['virsh', 'libvirt-clients'],
  ['qemu-system-x86_64', 'qemu-system-x86'],
  ['qemu-img', 'qemu-utils'],
  ['sshd', 'openssh-server'],
  ['ssh', 'openssh-client'],
  ['ssh-keygen', 'openssh-client'],
  ['busybox', 'busybox-static'],
  ['cpio', 'cpio'],
  ['dnsmasq', 'dnsmasq-base'],
  ['iptables', 'iptables'],
  ['xz', 'xz-utils'],
  ['bindfs', 'bindfs'],
];
const REQUIRED_FILES = [
  ['/usr/lib/grub-rescue/grub-rescue-cdrom.iso', 'grub-rescue-pc'],
  ['/usr/share/libvirt/networks/default.xml', 'libvirt-daemon-config-network (pulled in by libvirt-daemon-system)'],
];
export const OPTIONAL_PACKAGES = 'grub-pc-bin grub-common xorriso mtools (ISO that boots the test guest), qemu-guest-agent (agent in the guest)';

const t0 = Date.now();
const say = (msg) => console.log(`[lab ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}`);

function which(cmd) {
  for (const dir of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

export function preflight() {
  const problems = [];
  if (process.platform !== 'linux') problems.push('the lab needs Linux');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    problems.push('the lab needs root (network/mount namespaces, bridges, libvirtd): run it as root');
  }
  const missing = new Set();
  for (const [cmd, pkg] of REQUIRED) if (!which(cmd)) missing.add(pkg);
  for (const [file, pkg] of REQUIRED_FILES) if (!fs.existsSync(file)) missing.add(pkg);
  if (!fs.readdirSync('/boot').some((f) => /^vmlinuz-.*amd64$/.test(f))) missing.add('linux-image-amd64');
  if (missing.size) {
    problems.push(`missing Debian packages: ${[...missing].join(' ')}  (apt-get install -y ${[...missing].map((p) => p.split(' ')[0]).join(' ')})`);
  }
  return problems;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0 && !opts.allowFail) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  return r;
}

function runAsync(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    if (opts.input != null) child.stdin.end(opts.input);
    else child.stdin.end();
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0 || opts.allowFail) resolve({ code, stdout: out, stderr: err });
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${out}${err}`));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function hostName(i) {
  return `lab${i + 1}`;
}
function hostAddr(i) {
  return `${SUBNET}.${11 + i}`;
}

/** Run a command inside a host's namespaces (as root of that host). */
function inHost(name, args, opts = {}) {
  return runAsync('bash', [HOST_SH, 'exec', name, ...args], opts);
}

function sshArgs(keyPath, knownHosts, addr) {
  return [
    '-i', keyPath, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=5',
    '-o', 'LogLevel=ERROR', '-F', '/dev/null', `root@${addr}`,
  ];
}

// ---------------------------------------------------------------------------------------------
// Acceleration

function detectAccel(guest) {
  const forced = process.env.HANGAR_LAB_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, reason: `forced by HANGAR_LAB_ACCEL=${forced}` };
  if (!fs.existsSync('/dev/kvm')) return { accel: 'tcg', reason: 'no /dev/kvm' };
  const hwKvm = ['kvm_intel', 'kvm_amd'].filter((m) => fs.existsSync(`/sys/module/${m}`));
  if (hwKvm.length === 0) {
    const mods = fs.readdirSync('/sys/module').filter((m) => /^kvm/.test(m));
    return { accel: 'tcg', reason: `/dev/kvm is provided by ${mods.join(', ') || 'an unknown module'}, not kvm_intel/kvm_amd` };
  }
  // /dev/kvm exists and looks like hardware KVM: prove it by booting the test guest (cached per boot).
  let bootId = 'unknown';
  try {
    bootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {}
  const probeFile = path.join(CACHE, 'accel-probe.json');
  try {
    const p = JSON.parse(fs.readFileSync(probeFile, 'utf8'));
    if (p.bootId === bootId && p.kernel === guest.kernel) return { accel: p.accel, reason: `${p.reason} (cached probe)` };
  } catch {}
  const serial = path.join(CACHE, 'accel-probe-serial.log');
  fs.rmSync(serial, { force: true });
  const start = Date.now();
  const r = spawnSync('timeout', ['20', 'qemu-system-x86_64', '-accel', 'kvm', '-m', '256', '-display', 'none', '-nic', 'none',
    '-no-reboot', '-serial', `file:${serial}`, '-kernel', guest.kernel, '-initrd', guest.initrd,
    '-append', 'console=ttyS0,115200 panic=-1 quiet hangar.probe=1'], { encoding: 'utf8', timeout: 25000 });
  let ok = false;
  try {
    ok = fs.readFileSync(serial, 'utf8').includes(guest.banner);
  } catch {}
  // the probe guest is powered off by hangar.probe=1 right after the banner; a timeout means no
  const res = ok
    ? { accel: 'kvm', reason: `test guest booted under KVM in ${((Date.now() - start) / 1000).toFixed(1)}s` }
    : { accel: 'tcg', reason: `test guest did not boot under KVM within 20 s (${(r.stderr || '').trim().split('\n').pop() || 'no output'})` };
  fs.writeFileSync(probeFile, JSON.stringify({ bootId, kernel: guest.kernel, ...res }, null, 2));
  return res;
}

// ---------------------------------------------------------------------------------------------
// State preparation

function writeFile(p, content, mode) {
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content, mode ? { mode } : undefined);
}

function libvirtdConf(uuid) {
  return `# Hangar lab host libvirtd.conf (generated)
listen_tls = 0
listen_tcp = 0
unix_sock_group = "root"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
auth_unix_ro = "none"
auth_unix_rw = "none"
host_uuid = "${uuid}"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
max_clients = 500
max_anonymous_clients = 100
max_workers = 40
max_client_requests = 20
`;
}

function qemuConf(addr) {
  return `# Hangar lab host qemu.conf (generated)
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
migration_host = "${addr}"
migration_address = "${addr}"
vnc_listen = "127.0.0.1"
spice_listen = "127.0.0.1"
stdio_handler = "logd"
`;
}

/** Template /etc/libvirt: the system's files (minus any definitions) with the lab's configs. */
function buildTemplate() {
  const tpl = path.join(STATE, 'template', 'etc-libvirt');
  fs.rmSync(tpl, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(tpl), { recursive: true });
  if (fs.existsSync('/etc/libvirt')) run('cp', ['-a', '/etc/libvirt', tpl]);
  else fs.mkdirSync(tpl);
  // no definitions from the machine's own libvirt: networks/pools/domains are defined fresh per host
  for (const sub of ['qemu', 'storage', 'nwfilter', 'secrets', 'nodedev', 'hooks']) {
    fs.rmSync(path.join(tpl, sub), { recursive: true, force: true });
  }
  fs.mkdirSync(path.join(tpl, 'qemu', 'networks', 'autostart'), { recursive: true });
  fs.mkdirSync(path.join(tpl, 'storage', 'autostart'), { recursive: true });
  writeFile(path.join(tpl, 'libvirt.conf'), 'uri_default = "qemu:///system"\n');
  writeFile(path.join(tpl, 'virtlogd.conf'), 'log_outputs = "3:file:/var/log/libvirt/virtlogd.log"\nmax_clients = 1024\n');
  return tpl;
}

function prepareHost(i, tpl, keys, hostsFile) {
  const name = hostName(i);
  const addr = hostAddr(i);
  const H = path.join(HOSTS_DIR, name);
  fs.rmSync(H, { recursive: true, force: true });
  for (const d of ['run', 'log', 'ssh', 'var-lib-libvirt/images', 'var-lib-libvirt/qemu', 'var-log-libvirt/qemu', 'var-cache-libvirt/qemu', 'root/.ssh']) {
    fs.mkdirSync(path.join(H, d), { recursive: true });
  }
  fs.chmodSync(path.join(H, 'root'), 0o700);
  fs.chmodSync(path.join(H, 'root/.ssh'), 0o700);
  run('cp', ['-a', tpl, path.join(H, 'etc-libvirt')]);
  const uuid = randomUUID();
  writeFile(path.join(H, 'etc-libvirt', 'libvirtd.conf'), libvirtdConf(uuid));
  writeFile(path.join(H, 'etc-libvirt', 'qemu.conf'), qemuConf(addr));
  writeFile(path.join(H, 'etc-hosts'), hostsFile);
  writeFile(path.join(H, 'etc-hostname'), `${name}\n`);
  // QEMU capabilities probed by an earlier run (libvirt re-validates them against the binary)
  const capsCache = path.join(CACHE, 'libvirt-qemu-capabilities');
  if (fs.existsSync(capsCache)) run('cp', ['-a', capsCache, path.join(H, 'var-cache-libvirt', 'qemu', 'capabilities')]);

  // sshd: own host key, root login by the lab key only
  const hostKey = path.join(H, 'ssh', 'ssh_host_ed25519_key');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${name}`, '-f', hostKey]);
  writeFile(path.join(H, 'ssh', 'sshd_config'), `# Hangar lab host ${name} (generated)
ListenAddress ${addr}:22
HostKey ${hostKey}
PidFile ${path.join(H, 'run', 'sshd.pid')}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AuthorizedKeysFile .ssh/authorized_keys
AllowTcpForwarding yes
AllowStreamLocalForwarding yes
X11Forwarding no
PrintMotd no
UseDNS no
MaxStartups 200:30:400
MaxSessions 100
ClientAliveInterval 30
Subsystem sftp /usr/lib/openssh/sftp-server
`);
  // the host's own root account: authorized lab key, plus the key/known_hosts to reach its peers
  const rs = path.join(H, 'root', '.ssh');
  writeFile(path.join(rs, 'authorized_keys'), keys.pub, 0o600);
  fs.copyFileSync(keys.priv, path.join(rs, 'id_ed25519'));
  fs.chmodSync(path.join(rs, 'id_ed25519'), 0o600);
  writeFile(path.join(rs, 'id_ed25519.pub'), keys.pub);
  writeFile(path.join(rs, 'config'), 'Host *\n  IdentityFile ~/.ssh/id_ed25519\n  StrictHostKeyChecking yes\n  BatchMode yes\n');
  const pubLine = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  const fp = run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`]).stdout.trim().split(/\s+/)[1];
  return { name, address: addr, sshPort: 22, user: 'root', keyPath: keys.priv, hostKeyFingerprint: fp, hostKeyPath: `${hostKey}.pub`,
    hostKeyLine: pubLine, uuid, stateDir: H };
}

// ---------------------------------------------------------------------------------------------
// Bench domains

function benchDomainXml(name, uuid, accel, disk, mac) {
  return `<domain type='${accel === 'kvm' ? 'kvm' : 'qemu'}'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <title>Hangar bench domain ${name}</title>
  <description>Defined by the Hangar test lab for scale benchmarks (not started).</description>
  <metadata><hangar:lab xmlns:hangar='https://hangar.invalid/lab'><hangar:bench/></hangar:lab></metadata>
  <memory unit='MiB'>64</memory>
  <currentMemory unit='MiB'>64</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='network'>
      <mac address='${mac}'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <input type='tablet' bus='usb'/>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
    <memballoon model='virtio'/>
  </devices>
</domain>
`;
}

async function defineBenchDomains(host, count, accel) {
  if (count <= 0) return;
  const idx = Number(host.name.replace(/\D/g, ''));
  const dir = path.join(host.stateDir, 'bench');
  fs.mkdirSync(dir, { recursive: true });
  const imagesDir = path.join(host.stateDir, 'var-lib-libvirt', 'images');
  // one tiny empty qcow2, copied per domain (a copy is far cheaper than a qemu-img process each)
  const seed = path.join(dir, 'seed.qcow2');
  if (!fs.existsSync(seed)) run('qemu-img', ['create', '-q', '-f', 'qcow2', seed, '1G']);
  let script = '';
  for (let n = 1; n <= count; n++) {
    const name = `bench-${String(n).padStart(4, '0')}`;
    const img = path.join(imagesDir, `${name}.qcow2`);
    if (!fs.existsSync(img)) fs.copyFileSync(seed, img);
    const uuid = `6a6e6761-${String(idx).padStart(4, '0')}-4000-8000-${String(n).padStart(12, '0')}`;
    const mac = `52:54:00:${(idx & 0xff).toString(16).padStart(2, '0')}:${((n >> 8) & 0xff).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`;
    const xmlPath = path.join(dir, `${name}.xml`);
    fs.writeFileSync(xmlPath, benchDomainXml(name, uuid, accel, `/var/lib/libvirt/images/${name}.qcow2`, mac));
    script += `define ${xmlPath}\n`;
  }
  script += 'pool-refresh default\n';
  const r = await inHost(host.name, ['virsh', '-q'], { input: script, allowFail: true });
  if (r.code !== 0) throw new Error(`defining bench domains on ${host.name} failed:\n${r.stderr}`);
}

// ---------------------------------------------------------------------------------------------
// up / down / status

function readLab() {
  try {
    return JSON.parse(fs.readFileSync(LAB_JSON, 'utf8'));
  } catch {
    return null;
  }
}

async function hostHealthy(lab, h) {
  const r = await runAsync('ssh', [...sshArgs(lab.keyPath ?? h.keyPath, lab.knownHostsPath, h.address), 'virsh -q uri && hostname'], {
    allowFail: true,
    timeout: 15000,
  });
  return r.code === 0 && r.stdout.includes('qemu:///system') && r.stdout.includes(h.name);
}

async function status({ json = false } = {}) {
  const lab = readLab();
  const netns = run('ip', ['netns', 'list'], { allowFail: true }).stdout.split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith('hangar-'));
  const out = { up: false, hosts: [], netns, stateDir: STATE };
  if (lab) {
    out.accel = lab.accel;
    for (const h of lab.hosts) out.hosts.push({ name: h.name, address: h.address, healthy: await hostHealthy(lab, h) });
    out.up = out.hosts.length > 0 && out.hosts.every((h) => h.healthy);
  }
  if (json) console.log(JSON.stringify(out, null, 2));
  else if (!lab && netns.length === 0) console.log('lab is down');
  else {
    console.log(`lab is ${out.up ? 'up' : 'NOT healthy'} (accel ${out.accel ?? '?'}, state ${STATE})`);
    for (const h of out.hosts) console.log(`  ${h.name}  root@${h.address}  ${h.healthy ? 'ok' : 'NOT RESPONDING'}`);
    if (!lab && netns.length) console.log(`  stale namespaces: ${netns.join(' ')}`);
  }
  return out;
}

function realOrSame(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

function mountedAt(dir) {
  try {
    return fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === dir);
  } catch {
    return false;
  }
}

/**
 * The shared pool directory. libvirt only allows live migration of a guest whose disk is a local
 * file when that file is on a filesystem it knows to be shared (NFS, GlusterFS, Ceph, ...); this
 * kernel may have no NFS, so the lab serves the directory through a FUSE passthrough (bindfs)
 * mounted with the subtype "glusterfs", which libvirt recognises as shared storage. Mounted before
 * the hosts' namespaces are made, so every host sees the same mount at the same path. Without
 * bindfs it is a plain directory and migrations need --unsafe (lab.json: sharedPoolIsSharedFs).
 */
function mountShared() {
  fs.mkdirSync(SHARED_DATA, { recursive: true });
  fs.mkdirSync(SHARED, { recursive: true });
  if (!which('bindfs')) return { shared: false, how: 'plain directory (install bindfs for shared-storage semantics)' };
  run('bindfs', ['-o', 'subtype=glusterfs,allow_other,dev,suid', SHARED_DATA, SHARED]);
  return { shared: true, how: 'bindfs FUSE mount of type fuse.glusterfs' };
}

function unmountShared() {
  for (let i = 0; i < 20 && mountedAt(SHARED); i++) {
    spawnSync('umount', [i < 10 ? SHARED : '-l', ...(i < 10 ? [] : [SHARED])], { stdio: 'ignore' });
    if (mountedAt(SHARED)) spawnSync('sleep', ['0.2']);
  }
  if (mountedAt(SHARED)) throw new Error(`could not unmount ${SHARED}`);
}

export async function down({ quiet = false } = {}) {
  if (process.getuid?.() !== 0) throw new Error('lab down needs root');
  if (!quiet) say('taking the lab down');
  run('bash', [HOST_SH, 'down']);
  unmountShared();
  for (const p of [HOSTS_DIR, SHARED, SHARED_DATA, SSH_DIR, path.join(STATE, 'template'), LAB_JSON]) fs.rmSync(p, { recursive: true, force: true });
  if (!quiet) say('lab is down (kept the guest cache in ' + CACHE + ')');
}

async function up({ hosts: nHosts = 2, domains = 0 } = {}) {
  const problems = preflight();
  if (problems.length) throw new Error(`cannot bring the lab up:\n  - ${problems.join('\n  - ')}`);
  if (!(nHosts >= 1 && nHosts <= MAX_HOSTS)) throw new Error(`--hosts must be 1..${MAX_HOSTS}`);

  // Already up with the same number of hosts and healthy? keep it (only add bench domains).
  const existing = readLab();
  if (existing && existing.hosts?.length === nHosts) {
    const ok = (await Promise.all(existing.hosts.map((h) => hostHealthy(existing, h)))).every(Boolean);
    if (ok) {
      say(`lab already up with ${nHosts} host(s) (accel ${existing.accel}); keeping it`);
      if (domains > (existing.benchDomainsPerHost ?? 0)) {
        await Promise.all(existing.hosts.map((h) => defineBenchDomains(h, domains, existing.accel)));
        existing.benchDomainsPerHost = domains;
        existing.domainsPerHost = domains;
        fs.writeFileSync(LAB_JSON, JSON.stringify(existing, null, 2) + '\n');
        say(`defined ${domains} bench domains per host`);
      }
      return existing;
    }
  }
  // Anything else (other size, a crash, a half-up lab): clean up first.
  await down({ quiet: true });

  fs.mkdirSync(CACHE, { recursive: true });
  say('building/checking the test guest (cached in ' + path.join(CACHE, 'guest') + ')');
  run('bash', [BUILD_GUEST_SH, path.join(CACHE, 'guest')], { stdio: ['ignore', 'inherit', 'inherit'] });
  const guest = JSON.parse(fs.readFileSync(path.join(CACHE, 'guest', 'guest.json'), 'utf8'));
  // guest.json names absolute paths from where it was built; a cache copied or moved from another
  // clone or worktree would point at files that no longer exist, so they are taken from here.
  for (const k of ['kernel', 'bzImage', 'initrd', 'iso', 'baseImage']) if (guest[k]) guest[k] = path.join(CACHE, 'guest', path.basename(guest[k]));
  const { accel, reason } = detectAccel(guest);
  say(`acceleration: ${accel.toUpperCase()} (${reason})`);

  // lab key pair + template
  fs.mkdirSync(SSH_DIR, { recursive: true, mode: 0o700 });
  const priv = path.join(SSH_DIR, 'id_ed25519');
  run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'hangar-lab', '-f', priv]);
  const keys = { priv, pub: fs.readFileSync(`${priv}.pub`, 'utf8') };
  const tpl = buildTemplate();
  const sharedFs = mountShared();
  say(`shared pool ${SHARED}: ${sharedFs.how}`);
  let hostsFile = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' + `${LAPTOP}\tlaptop\n`;
  for (let i = 0; i < nHosts; i++) hostsFile += `${hostAddr(i)}\t${hostName(i)}\n`;
  const hosts = [];
  for (let i = 0; i < nHosts; i++) hosts.push(prepareHost(i, tpl, keys, hostsFile));
  const knownHostsPath = path.join(SSH_DIR, 'known_hosts');
  const known = hosts.map((h) => `${h.address},${h.name} ${h.hostKeyLine}\n`).join('');
  fs.writeFileSync(knownHostsPath, known);
  for (const h of hosts) fs.writeFileSync(path.join(h.stateDir, 'root', '.ssh', 'known_hosts'), known);

  say(`starting ${nHosts} host(s) on ${SUBNET}.0/24 (laptop side ${LAPTOP})`);
  run('bash', [HOST_SH, 'bridge-up']);
  // Namespaces one after another (cheap); daemons come up in parallel. libvirt probes QEMU's
  // capabilities lazily (~8 s under TCG): the probe result is kept in the cache, and on a cold
  // cache host 1 probes first and hands the result to the others before they start.
  const capsCache = path.join(CACHE, 'libvirt-qemu-capabilities');
  const hostCaps = (h) => path.join(h.stateDir, 'var-cache-libvirt', 'qemu', 'capabilities');
  const saveCaps = (h) => {
    if (!fs.existsSync(hostCaps(h))) return;
    fs.rmSync(capsCache, { recursive: true, force: true });
    run('cp', ['-a', hostCaps(h), capsCache]);
  };
  const configure = async (h) => {
    const deadline = Date.now() + 60000;
    for (;;) {
      const r = await inHost(h.name, ['virsh', '-q', 'uri'], { allowFail: true });
      if (r.code === 0) break;
      if (Date.now() > deadline) throw new Error(`libvirtd on ${h.name} did not answer:\n${r.stderr}\n${tail(path.join(h.stateDir, 'var-log-libvirt', 'libvirtd.log'))}`);
      await sleep(100);
    }
    const r = await inHost(h.name, ['virsh', '-q'], { input: setup, allowFail: true });
    if (r.code !== 0) throw new Error(`configuring libvirt on ${h.name} failed:\n${r.stdout}${r.stderr}`);
    // warm libvirt's capabilities (what a client's first `virsh capabilities` would wait for)
    await inHost(h.name, ['virsh', '-q'], { input: 'capabilities\ndomcapabilities\n', allowFail: true });
  };
  // libvirt objects: NAT network "default", pool "default" (local), pool "shared"
  const setup = `net-define /usr/share/libvirt/networks/default.xml
net-autostart default
net-start default
pool-define-as default dir --target /var/lib/libvirt/images
pool-autostart default
pool-start default
pool-define-as shared dir --target ${SHARED}
pool-autostart shared
pool-start shared
`;
  let rest = hosts;
  if (!fs.existsSync(capsCache)) {
    const first = hosts[0];
    say('no cached QEMU capabilities yet: letting libvirt on lab1 probe QEMU first');
    run('bash', [HOST_SH, 'host-up', first.name, first.address, first.stateDir]);
    await configure(first);
    saveCaps(first);
    for (const h of hosts.slice(1)) if (fs.existsSync(capsCache)) run('cp', ['-a', capsCache, hostCaps(h)]);
    rest = hosts.slice(1);
  }
  for (const h of rest) run('bash', [HOST_SH, 'host-up', h.name, h.address, h.stateDir]);
  await Promise.all(rest.map(configure));
  // readiness as a client sees it: ssh with the lab key, strict host key checking, virsh answers
  await Promise.all(hosts.map(async (h) => {
    const deadline = Date.now() + 30000;
    while (!(await hostHealthy({ keyPath: priv, knownHostsPath }, h))) {
      if (Date.now() > deadline) throw new Error(`${h.name} does not answer virsh over ssh:\n${tail(path.join(h.stateDir, 'log', 'sshd.log'))}`);
      await sleep(200);
    }
  }));
  if (domains > 0) {
    const s = Date.now();
    await Promise.all(hosts.map((h) => defineBenchDomains(h, domains, accel)));
    say(`defined ${domains} bench domains per host in ${((Date.now() - s) / 1000).toFixed(1)}s`);
  }

  const lab = {
    hosts: hosts.map(({ hostKeyLine, ...h }) => h),
    laptopAddress: LAPTOP,
    subnet: `${SUBNET}.0/24`,
    bridge: 'hangarlab0',
    keyPath: priv,
    publicKeyPath: `${priv}.pub`,
    knownHostsPath,
    accel,
    accelReason: reason,
    domainType: accel === 'kvm' ? 'kvm' : 'qemu',
    guest: {
      kernel: guest.kernel,
      bzImage: guest.bzImage,
      initrd: guest.initrd,
      cmdline: guest.cmdline,
      banner: guest.banner,
      iso: guest.iso,
      isoBootsGuest: guest.isoBootsGuest,
      baseImage: guest.baseImage,
      guestAgent: guest.guestAgent,
    },
    sharedPoolPath: SHARED,
    sharedPoolIsSharedFs: sharedFs.shared,
    sharedPoolBackingPath: SHARED_DATA,
    stateDir: STATE,
    cacheDir: CACHE,
    domainsPerHost: domains,
    benchDomainsPerHost: domains,
    startedAt: new Date().toISOString(),
  };
  fs.writeFileSync(LAB_JSON, JSON.stringify(lab, null, 2) + '\n');
  say(`lab is up: ${hosts.map((h) => `${h.name}=root@${h.address}`).join(', ')}; accel ${accel.toUpperCase()}; ${LAB_JSON}`);
  say(`try: ssh -i ${priv} -o UserKnownHostsFile=${knownHostsPath} root@${hosts[0].address} virsh list --all`);
  return lab;
}

function tail(file, n = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function parseArgs(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const m = /^--(hosts|domains|holder)(?:=(.*))?$/.exec(a);
    if (m) {
      const v = m[2] ?? argv[++i];
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${m[1]} needs a whole number, got ${v}`);
      opts[m[1]] = n;
    } else if (a === '--json') opts.json = true;
    else if (a === '--force') opts.force = true;
    else throw new Error(`unknown option ${a}`);
  }
  return opts;
}

/** One `up`/`down` at a time on this machine (a stale lock of a dead process is taken over). */
async function withLock(fn) {
  const lock = path.join(STATE, '.lock');
  fs.mkdirSync(STATE, { recursive: true });
  const deadline = Date.now() + 15 * 60 * 1000;
  for (let warned = false; ; ) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {}
      let alive = false;
      if (pid > 0) {
        try {
          process.kill(pid, 0);
          alive = true;
        } catch {}
      }
      if (!alive && (pid > 0 || Date.now() - fs.statSync(lock).mtimeMs > 5000)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`another lab command (pid ${pid}) holds ${lock}`);
      if (!warned) say(`waiting for another lab command (pid ${pid})`);
      warned = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Sharing one lab between runners (test suites, benches, helpers working in parallel).
// A runner `acquire`s the lab for its lifetime under a holder id (its pid) and `release`s it at
// the end; a holder whose process died no longer counts. The lab is rebuilt only when nobody else
// holds it, and taken down by the last holder out, and only if a holder brought it up: a lab that a
// person started with `up` stays up.

const HOLDERS = path.join(STATE, 'holders');
const BROUGHT_UP_BY_HOLDER = path.join(STATE, 'brought-up-by-holder');

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** Live holders; files of dead ones are removed. */
export function holders() {
  let names = [];
  try {
    names = fs.readdirSync(HOLDERS);
  } catch {
    return [];
  }
  const live = [];
  for (const n of names) {
    const pid = Number(n);
    if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) live.push(pid);
    else fs.rmSync(path.join(HOLDERS, n), { force: true });
  }
  return live;
}

function holderId(opts) {
  const id = Number(opts.holder ?? process.ppid);
  if (!Number.isInteger(id) || id <= 0) throw new Error('--holder needs a process id');
  return id;
}

async function labFits(nHosts) {
  const lab = readLab();
  if (!lab || !(lab.hosts?.length >= nHosts)) return null;
  const ok = (await Promise.all(lab.hosts.map((h) => hostHealthy(lab, h)))).every(Boolean);
  return ok ? lab : null;
}

async function acquire(opts) {
  const me = holderId(opts);
  const nHosts = opts.hosts ?? 2;
  const deadline = Date.now() + 20 * 60 * 1000;
  for (let waited = false; ; ) {
    const done = await withLock(async () => {
      const others = holders().filter((p) => p !== me);
      let lab = await labFits(nHosts);
      if (!lab && others.length) {
        // A health probe can time out on a busy machine: ask again before rebuilding under others.
        await sleep(3000);
        lab = await labFits(nHosts);
      }
      if (!lab && others.length) return false; // rebuilding would take the lab from under them
      if (lab) {
        if ((opts.domains ?? 0) > (lab.benchDomainsPerHost ?? 0)) await up({ hosts: lab.hosts.length, domains: opts.domains });
        say(`sharing the lab that is up (${lab.hosts.length} host(s); ${others.length} other holder(s))`);
      } else {
        await up({ hosts: nHosts, domains: opts.domains ?? 0 });
        fs.writeFileSync(BROUGHT_UP_BY_HOLDER, String(me));
      }
      fs.mkdirSync(HOLDERS, { recursive: true });
      fs.writeFileSync(path.join(HOLDERS, String(me)), new Date().toISOString());
      return true;
    });
    if (done) return;
    if (Date.now() > deadline) throw new Error('the lab is held by other runners and does not fit this one; gave up waiting');
    if (!waited) say(`the lab does not fit (${nHosts} host(s) wanted) and other runners hold it: waiting for them`);
    waited = true;
    await sleep(5000);
  }
}

async function release(opts) {
  const me = holderId(opts);
  await withLock(async () => {
    fs.rmSync(path.join(HOLDERS, String(me)), { force: true });
    const left = holders();
    if (left.length) return say(`released; ${left.length} other holder(s) keep the lab up`);
    if (!fs.existsSync(BROUGHT_UP_BY_HOLDER)) return say('released; the lab was not brought up by a runner, so it stays up');
    fs.rmSync(BROUGHT_UP_BY_HOLDER, { force: true });
    await down();
  });
}

async function main() {
  const [cmd, ...rest] = process.argv.slice(2);
  const opts = parseArgs(rest);
  if ((cmd === 'up' || cmd === 'down') && process.getuid?.() !== 0) {
    throw new Error(`lab ${cmd} needs root (network/mount namespaces, bridges, libvirtd): run it as root`);
  }
  if (cmd === 'up') {
    const problems = preflight();
    if (problems.length) throw new Error(`cannot bring the lab up:\n  - ${problems.join('\n  - ')}`);
    await withLock(() => up(opts));
  } else if (cmd === 'down') {
    await withLock(async () => {
      const others = holders().filter((p) => p !== opts.holder);
      if (others.length && !opts.force) throw new Error(`runners are using the lab (pids ${others.join(', ')}); they take it down when the last one ends (--force to take it down anyway)`);
      fs.rmSync(BROUGHT_UP_BY_HOLDER, { force: true });
      await down();
    });
  } else if (cmd === 'acquire' || cmd === 'release') {
    if (process.getuid?.() !== 0) throw new Error(`lab ${cmd} needs root`);
    await (cmd === 'acquire' ? acquire(opts) : release(opts));
  } else if (cmd === 'holders') console.log(JSON.stringify(holders()));
  else if (cmd === 'preflight') {
    const problems = preflight();
    for (const p of problems) console.error(`[lab] ${p}`);
    if (!problems.length) console.log('[lab] preflight ok');
    process.exitCode = problems.length ? 1 : 0;
  } else if (cmd === 'status') {
    const s = await status(opts);
    process.exitCode = s.up ? 0 : 3;
  } else {
    console.error('usage: node test/lab/lab.mjs up [--hosts N] [--domains M] | down [--force] | acquire [--hosts N] [--domains M] [--holder PID] | release [--holder PID] | holders | status [--json] | preflight');
    process.exitCode = 2;
  }
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`[lab] ERROR: ${e.message}`);
    process.exit(1);
  });
}
