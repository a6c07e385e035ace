/**
 * Typed access to the test lab (test/lab/state/lab.json, written by `node test/lab/lab.mjs up`) and
 * an independent oracle for tests: the system `ssh` client with the lab key (BatchMode, strict host
 * key checking against the known_hosts file the lab wrote), running commands such as `virsh` on a
 * lab host. Nothing here goes through Hangar's own code.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LAB_DIR = path.dirname(fileURLToPath(import.meta.url));
export const LAB_STATE_DIR = path.join(LAB_DIR, 'state');
export const LAB_JSON_PATH = path.join(LAB_STATE_DIR, 'lab.json');
export const LAB_SCRIPT = path.join(LAB_DIR, 'lab.mjs');
/** Written by `lab.mjs acquire` when it brought the lab up: the holder's pid (the last one out takes it down). */
export const LAB_BROUGHT_UP_BY_PATH = path.join(LAB_STATE_DIR, 'brought-up-by-holder');

export interface LabHost {
  /** lab1, lab2, …: also the host's hostname */
  name: string;
  /** 10.66.0.11, .12, … on the lab bridge */
  address: string;
  sshPort: number;
  user: string;
  /** private key that logs in as root on every host */
  keyPath: string;
  /** SHA256:… as OpenSSH prints it */
  hostKeyFingerprint: string;
  /** the host's public ed25519 host key (OpenSSH format) */
  hostKeyPath: string;
  /** libvirt host_uuid (what `virsh capabilities` reports) */
  uuid: string;
  /** this host's private state (libvirt dirs, logs, pid files) on the laptop side */
  stateDir: string;
}

export interface LabGuest {
  /** kernel for direct boot (<kernel>): an ELF vmlinux with a PVH note when it could be extracted */
  kernel: string;
  /** the Debian bzImage the vmlinux came from */
  bzImage: string;
  initrd: string;
  /** kernel command line for the serial + VGA consoles */
  cmdline: string;
  /** printed on the serial console (and VGA) once the guest is up */
  banner: string;
  /** small bootable ISO */
  iso: string;
  /** true when the ISO boots the test guest itself (grub-mkrescue), false for the grub rescue ISO */
  isoBootsGuest: boolean;
  /** qcow2 base image (the hybrid ISO as a disk: boots the test guest via GRUB) */
  baseImage: string;
  /** qemu-guest-agent runs in the guest (virtio-serial channel org.qemu.guest_agent.0) */
  guestAgent: boolean;
}

export interface LabInfo {
  hosts: LabHost[];
  laptopAddress: string;
  subnet: string;
  bridge: string;
  keyPath: string;
  publicKeyPath: string;
  knownHostsPath: string;
  accel: 'kvm' | 'tcg';
  accelReason: string;
  /** libvirt domain type to use for guests: kvm or qemu (TCG) */
  domainType: 'kvm' | 'qemu';
  guest: LabGuest;
  /** the `shared` pool's directory: the same path on every host and on the laptop side */
  sharedPoolPath: string;
  /** libvirt treats the shared pool as shared storage (so live migration needs no --unsafe) */
  sharedPoolIsSharedFs: boolean;
  sharedPoolBackingPath: string;
  stateDir: string;
  cacheDir: string;
  /** extra bench-NNNN domains defined per host (--domains) */
  domainsPerHost: number;
  benchDomainsPerHost: number;
  startedAt: string;
}

/** Reads lab.json; throws a clear error when the lab is not up. */
export function readLabInfo(file: string = LAB_JSON_PATH): LabInfo {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`the test lab is not up (no ${file}); run: sudo node test/lab/lab.mjs up`);
  }
  return JSON.parse(text) as LabInfo;
}

/** A host by name, index or itself. */
export function labHost(host: LabHost | string | number, lab: LabInfo = readLabInfo()): LabHost {
  if (typeof host === 'object') return host;
  const h = typeof host === 'number' ? lab.hosts[host] : lab.hosts.find((x) => x.name === host || x.address === host);
  if (!h) throw new Error(`no lab host ${host}`);
  return h;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** written to the remote command's stdin */
  input?: string;
  /** default 60 s */
  timeoutMs?: number;
  lab?: LabInfo;
}

/** ssh(1) arguments for a lab host: lab key only, BatchMode, strict host key checking. */
export function sshArgs(host: LabHost | string | number, lab: LabInfo = readLabInfo()): string[] {
  const h = labHost(host, lab);
  return [
    '-F', '/dev/null',
    '-i', h.keyPath,
    '-p', String(h.sshPort),
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${lab.knownHostsPath}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
    `${h.user}@${h.address}`,
  ];
}

/** Runs a shell command on a lab host over ssh; resolves with its exit code and output. */
export function sshExec(host: LabHost | string | number, command: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const lab = opts.lab ?? readLabInfo();
  const args = [...sshArgs(host, lab), command];
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ssh ${labHost(host, lab).name} '${command}' timed out after ${opts.timeoutMs ?? 60000} ms`));
    }, opts.timeoutMs ?? 60000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Quotes one word for a POSIX shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Runs `virsh ARGS` on a lab host (qemu:///system there); returns stdout, throws on failure. */
export async function virsh(host: LabHost | string | number, args: string[] | string, opts: ExecOptions = {}): Promise<string> {
  const cmd = typeof args === 'string' ? `virsh ${args}` : ['virsh', ...args].map(shellQuote).join(' ');
  const r = await sshExec(host, cmd, opts);
  if (r.code !== 0) throw new Error(`${cmd} on ${labHost(host, opts.lab).name} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Like sshExec but throws on a non-zero exit; returns stdout. */
export async function sshRun(host: LabHost | string | number, command: string, opts: ExecOptions = {}): Promise<string> {
  const r = await sshExec(host, command, opts);
  if (r.code !== 0) throw new Error(`'${command}' on ${labHost(host, opts.lab).name} failed (${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Where testGuestXml() makes libvirt log a guest's serial console (on the host that runs it). */
export function serialLogPath(domain: string): string {
  return `/var/log/libvirt/qemu/${domain}-serial.log`;
}

export interface TestGuestOptions {
  name: string;
  memoryMiB?: number;
  vcpus?: number;
  uuid?: string;
  /** qcow2 disk (absolute path on the host, e.g. in the shared pool) attached as vda with cache=none */
  disk?: string;
  /** libvirt network for a virtio NIC (default "default"); null for no NIC */
  network?: string | null;
  /** add the guest agent channel (default: when the guest has the agent) */
  agent?: boolean;
  /** serial console log file (default serialLogPath(name)) */
  serialLog?: string;
  lab?: LabInfo;
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;');

/**
 * Domain XML for the lab's test guest (direct kernel boot of the Debian kernel + busybox initramfs):
 * serial console logged to a file, VNC graphics on 127.0.0.1 with a VGA card, ACPI (so a graceful
 * shutdown works), optional disk, NIC and guest-agent channel.
 */
export function testGuestXml(opts: TestGuestOptions): string {
  const lab = opts.lab ?? readLabInfo();
  const g = lab.guest;
  const network = opts.network === undefined ? 'default' : opts.network;
  const agent = opts.agent ?? g.guestAgent;
  const log = opts.serialLog ?? serialLogPath(opts.name);
  return `<domain type='${lab.domainType}'>
  <name>${xmlEscape(opts.name)}</name>
${opts.uuid ? `  <uuid>${opts.uuid}</uuid>\n` : ''}  <memory unit='MiB'>${opts.memoryMiB ?? 256}</memory>
  <vcpu>${opts.vcpus ?? 1}</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${xmlEscape(g.kernel)}</kernel>
    <initrd>${xmlEscape(g.initrd)}</initrd>
    <cmdline>${xmlEscape(g.cmdline)}</cmdline>
  </os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
${opts.disk ? `    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' cache='none'/>
      <source file='${xmlEscape(opts.disk)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
` : ''}${network ? `    <interface type='network'>
      <source network='${xmlEscape(network)}'/>
      <model type='virtio'/>
    </interface>
` : ''}    <serial type='pty'>
      <log file='${xmlEscape(log)}' append='off'/>
      <target port='0'/>
    </serial>
    <console type='pty'><target type='serial' port='0'/></console>
${agent ? `    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
` : ''}    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

/** Defines a domain on a host from XML (through stdin, no temp file on the laptop). */
export async function defineDomain(host: LabHost | string | number, xml: string, opts: ExecOptions = {}): Promise<void> {
  await sshRun(host, 'f=$(mktemp) && cat > "$f" && virsh define "$f" >/dev/null; rc=$?; rm -f "$f"; exit $rc', { ...opts, input: xml });
}

/** Polls until fn() returns a truthy value; throws with `what` after timeoutMs. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Reads a guest's serial log on the host that runs it ('' when it does not exist yet). */
export async function readSerialLog(host: LabHost | string | number, domain: string, opts: ExecOptions = {}): Promise<string> {
  const r = await sshExec(host, `cat ${shellQuote(serialLogPath(domain))} 2>/dev/null`, opts);
  return r.stdout;
}

/**
 * Types a line on a running guest's serial console (through the pty libvirt gave it; the guest's
 * output lands in its serial log). Use a marker in the command to find its output.
 */
export async function typeOnSerial(host: LabHost | string | number, domain: string, line: string, opts: ExecOptions = {}): Promise<void> {
  await sshRun(
    host,
    `p=$(virsh ttyconsole ${shellQuote(domain)}) && exec 3<>"$p" && stty -F "$p" raw -echo && sleep 1 && printf '%s\\r' ${shellQuote(line)} >&3 && sleep 1`,
    opts,
  );
}

/** Generous time limits that scale with the acceleration the lab got. */
export function labTimeouts(lab: LabInfo = readLabInfo()): { bootMs: number; shutdownMs: number; migrateMs: number } {
  return lab.accel === 'kvm' ? { bootMs: 20_000, shutdownMs: 30_000, migrateMs: 60_000 } : { bootMs: 60_000, shutdownMs: 30_000, migrateMs: 120_000 };
}
