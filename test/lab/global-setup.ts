/**
 * Vitest globalSetup for the integration suite: acquires the shared test lab (HANGAR_LAB_HOSTS
 * hosts, default 3, as the migration drills move guests across three hosts; `lab.mjs acquire`
 * reuses a healthy one or brings it up), waits until every host answers `virsh` over SSH, and at
 * the end releases it: the last runner out takes it down.
 * Tests can `inject('hangarLabBroughtUp')` to know whether this run brought the lab up.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { LAB_BROUGHT_UP_BY_PATH, LAB_JSON_PATH, LAB_SCRIPT, readLabInfo, sshExec, waitFor } from './lab-info';
import { labLeftovers } from './leftovers';

interface ProvideTarget {
  provide?: (key: 'hangarLabBroughtUp' | 'hangarLabHolder', value: boolean | number) => void;
}

let acquired = false;

function lab(args: string[], inherit = true): { code: number; out: string } {
  const r = spawnSync(process.execPath, [LAB_SCRIPT, ...args], {
    stdio: inherit ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

export async function setup(project?: ProvideTarget): Promise<void> {
  const pre = lab(['preflight'], false);
  if (pre.code !== 0) throw new Error(`the integration tests need the hypervisor lab, which cannot start here:\n${pre.out.trim()}`);

  const hosts = Number(process.env.HANGAR_LAB_HOSTS ?? 3);
  // Shared with any other runner on this machine: reused when it fits, brought up otherwise, and
  // taken down by the last holder out (only if a holder brought it up).
  const r = lab(['acquire', '--hosts', String(hosts), '--holder', String(process.pid)]);
  if (r.code !== 0) throw new Error('bringing the hypervisor lab up failed (see the [lab] output above)');
  acquired = true;
  process.env.HANGAR_LAB_HOLDER = String(process.pid);
  const info = readLabInfo();
  await Promise.all(
    info.hosts.map((h) =>
      waitFor(`virsh over ssh on ${h.name}`, async () => {
        const r = await sshExec(h, 'virsh -q uri', { lab: info, timeoutMs: 15_000 });
        return r.code === 0 && r.stdout.includes('qemu:///system');
      }, 60_000),
    ),
  );
  let broughtUp = false;
  try {
    broughtUp = fs.readFileSync(LAB_BROUGHT_UP_BY_PATH, 'utf8').trim() === String(process.pid);
  } catch {
    // a lab a person started, or another runner's
  }
  project?.provide?.('hangarLabBroughtUp', broughtUp);
  project?.provide?.('hangarLabHolder', process.pid);
}

export async function teardown(): Promise<void> {
  if (!acquired) return;
  acquired = false;
  const r = lab(['release', '--holder', String(process.pid)]);
  if (r.code !== 0) throw new Error('releasing the lab failed (see the [lab] output above)');
  if (lab(['holders'], false).out.trim() === '[]' && !fs.existsSync(LAB_JSON_PATH)) {
    const left = labLeftovers();
    if (left.length) throw new Error(`lab down left things behind:\n  ${left.join('\n  ')}`);
  }
}
