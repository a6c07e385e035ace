/**
 * What a lab leaves on the machine: used after `lab down` to prove nothing is left behind.
 * Looks at the system itself (not at the lab's own records): network namespaces, the bridge and
 * veths, mounts under the state dir, and every process that runs inside a lab host's mount
 * namespace (recognised by the host's private /run tmpfs, named hangar-labN-run) or that names
 * the lab state dir on its command line.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { LAB_STATE_DIR } from './lab-info';

export function labLeftovers(): string[] {
  const out: string[] = [];
  const netns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of netns.split('\n')) {
    const n = line.split(' ')[0];
    if (n?.startsWith('hangar-')) out.push(`network namespace ${n}`);
  }
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (const line of links.split('\n')) {
    const name = line.split(': ')[1]?.split('@')[0];
    if (name && (name === 'hangarlab0' || name.startsWith('hl-'))) out.push(`network link ${name}`);
  }
  for (const line of fs.readFileSync('/proc/self/mounts', 'utf8').split('\n')) {
    const [src, mnt, type] = line.split(' ');
    if (mnt && (mnt.startsWith(LAB_STATE_DIR) || src?.startsWith('hangar-lab'))) out.push(`mount ${src} on ${mnt} (${type})`);
  }
  if (fs.existsSync('/run/hangar-lab')) out.push('directory /run/hangar-lab');
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    if (Number(pid) === process.pid) continue;
    let cmdline = '';
    let mountinfo = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      mountinfo = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
    } catch {
      continue; // gone, or a kernel thread
    }
    const inHost = / hangar-lab\d+-run /.test(mountinfo);
    // our own test runner and the commands it runs may name the state dir; lab daemons are the point
    const namesState = cmdline.includes(LAB_STATE_DIR) && !/\b(vitest|node|npm|npx)\b/.test(cmdline.split(' ')[0] ?? '');
    if (inHost || namesState) out.push(`process ${pid}: ${cmdline.slice(0, 160)}`);
  }
  return out;
}
