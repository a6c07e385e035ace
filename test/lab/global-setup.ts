/**
 * Vitest globalSetup for the integration suite: brings the test lab up (HANGAR_LAB_HOSTS hosts,
 * default 2) unless a healthy one is already up, waits until every host answers `virsh` over SSH,
 * and at the end takes the lab down only if it brought it up (checking nothing is left behind).
 * Tests can `inject('hangarLabBroughtUp')` to know whether the lab is theirs to take down.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { LAB_JSON_PATH, LAB_SCRIPT, readLabInfo, sshExec, waitFor } from './lab-info';
import { labLeftovers } from './leftovers';

interface ProvideTarget {
  provide?: (key: 'hangarLabBroughtUp', value: boolean) => void;
}

let broughtUp = false;

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

  const hosts = Number(process.env.HANGAR_LAB_HOSTS ?? 2);
  let reuse = false;
  if (fs.existsSync(LAB_JSON_PATH)) {
    const info = readLabInfo();
    // A busy machine can make one health probe time out: ask again before deciding the lab is
    // broken, because bringing it up anew takes down a lab that others may be using.
    for (let attempt = 0; attempt < 3 && !reuse && info.hosts.length >= hosts; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 5_000));
      reuse = lab(['status'], false).code === 0;
    }
  }
  if (reuse) {
    console.log(`[lab] using the lab that is already up (${LAB_JSON_PATH}); it stays up afterwards`);
  } else {
    const r = lab(['up', '--hosts', String(hosts)]);
    if (r.code !== 0) throw new Error('bringing the hypervisor lab up failed (see the [lab] output above)');
    broughtUp = true;
  }
  const info = readLabInfo();
  await Promise.all(
    info.hosts.map((h) =>
      waitFor(`virsh over ssh on ${h.name}`, async () => {
        const r = await sshExec(h, 'virsh -q uri', { lab: info, timeoutMs: 15_000 });
        return r.code === 0 && r.stdout.includes('qemu:///system');
      }, 60_000),
    ),
  );
  project?.provide?.('hangarLabBroughtUp', broughtUp);
}

export async function teardown(): Promise<void> {
  if (!broughtUp) return;
  broughtUp = false;
  const r = lab(['down']);
  if (r.code !== 0) throw new Error('lab down failed (see the [lab] output above)');
  const left = labLeftovers();
  if (left.length) throw new Error(`lab down left things behind:\n  ${left.join('\n  ')}`);
}
