/**
 * Many defined (never started) domains on lab hosts, for scale work (bench:scale, the event-loop
 * integration test): one virsh session per host defines them all, and one undefines them. Every
 * name starts with the caller's prefix, so other people's domains are never touched, and a run
 * that died before its clean-up is cleaned up by the next one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { sshExec, type LabHost, type LabInfo } from '../lab/lab-info';

const pad = (n: number | string, w: number) => String(n).padStart(w, '0');

function domainXml(lab: LabInfo, name: string, uuid: string, disk: string, mac: string): string {
  return `<domain type='${lab.domainType}'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <title>Hangar scale domain ${name}</title>
  <description>Defined for a scale measurement (never started); removed when it ends.</description>
  <memory unit='MiB'>64</memory>
  <currentMemory unit='MiB'>64</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <cpu mode='host-model'/>
  <clock offset='utc'/>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='${disk}'/>
      <target dev='vda' bus='virtio'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <mac address='${mac}'/>
      <source network='default'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
    <graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>
    <video><model type='vga'/></video>
  </devices>
</domain>
`;
}

/** The names `define` makes on each host: PREFIX-0001 … */
export const bulkNames = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${pad(i + 1, 4)}`);

/** Runs a virsh script (one command a line) in one session on the host. */
async function virshScript(lab: LabInfo, h: LabHost, script: string, timeoutMs: number): Promise<{ code: number; stderr: string }> {
  return sshExec(h, 'virsh -q', { input: script, timeoutMs, lab });
}

/** Undefines every domain whose name starts with `${prefix}-` on the hosts (none there: nothing to do). */
export async function undefineBulk(lab: LabInfo, hosts: LabHost[], prefix: string): Promise<void> {
  await Promise.all(
    hosts.map(async (h) => {
      const list = await sshExec(h, 'virsh -q list --all --name', { lab, timeoutMs: 120_000 });
      const names = list.stdout.split('\n').map((s) => s.trim()).filter((n) => n.startsWith(`${prefix}-`));
      if (names.length) await virshScript(lab, h, names.map((n) => `undefine ${n}`).join('\n') + '\n', 600_000);
      fs.rmSync(path.join(h.stateDir, `${prefix}-xml`), { recursive: true, force: true });
    }),
  );
}

/**
 * Defines `count` domains named PREFIX-NNNN on each host, all sharing one tiny read-only qcow2 (a
 * defined domain is never opened). `uuidTag` is 4 hex digits that make the UUIDs this caller's own.
 */
export async function defineBulk(lab: LabInfo, hosts: LabHost[], prefix: string, count: number, uuidTag: string): Promise<void> {
  await undefineBulk(lab, hosts, prefix); // what a run that died left
  await Promise.all(
    hosts.map(async (h, hi) => {
      // The host's state dir is the same path inside its mount namespace, where virsh reads the files.
      const dir = path.join(h.stateDir, `${prefix}-xml`);
      fs.mkdirSync(dir, { recursive: true });
      const disk = path.join(dir, 'shared.qcow2');
      if (!fs.existsSync(disk) && spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '64M']).status !== 0) throw new Error('qemu-img create failed');
      let script = '';
      bulkNames(prefix, count).forEach((name, i) => {
        const n = i + 1;
        const uuid = `${uuidTag}e7a0-${pad(hi + 1, 4)}-4000-8000-${pad(n, 12)}`;
        // Unique in the fleet (caller's tag, host, number): the same MAC on two hosts is a health finding.
        const mac = `52:54:${uuidTag.slice(0, 2)}:${pad((hi + 1).toString(16), 2)}:${pad((n >> 8).toString(16), 2)}:${pad((n & 0xff).toString(16), 2)}`;
        const file = path.join(dir, `${name}.xml`);
        fs.writeFileSync(file, domainXml(lab, name, uuid, disk, mac));
        script += `define ${file}\n`;
      });
      const r = await virshScript(lab, h, script, 900_000);
      if (r.code !== 0) throw new Error(`defining ${count} domains on ${h.name} failed: ${r.stderr.slice(0, 500)}`);
    }),
  );
}
