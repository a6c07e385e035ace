/**
 * Issue 4 "done when": `lab:down` leaves no namespace, bridge, mount or daemon behind. Also: `down`
 * is idempotent, the guest cache survives it, `up` twice is fine and `up` recovers from a crashed
 * lab. The lab is brought back up at the end, so the order of test files does not matter.
 * Runs only when this run's global setup brought the lab up (a lab someone else started is not
 * taken down under them), or with HANGAR_LAB_TEST_DOWN=1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { LAB_JSON_PATH, LAB_SCRIPT, readLabInfo, sshRun } from '../../lab/lab-info';
import { labLeftovers } from '../../lab/leftovers';

const holder = String(inject('hangarLabHolder'));
// Only a lab this run brought up, and only while no other runner shares it (checked again at the
// moment it would go down, since another runner may have joined since the run began).
const ours = inject('hangarLabBroughtUp') === true || process.env.HANGAR_LAB_TEST_DOWN === '1';
const othersHold = (): boolean => JSON.parse(lab('holders').out.trim().split('\n').at(-1) ?? '[]').some((p: number) => String(p) !== holder);

function lab(...args: string[]): { code: number; out: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [LAB_SCRIPT, ...args], { encoding: 'utf8', timeout: 600_000 });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}`, ms: Date.now() - t0 };
}

describe.skipIf(!ours)('lab lifecycle', () => {
  it('down leaves nothing behind, keeps the guest cache, and is idempotent', (ctx) => {
    if (othersHold()) return ctx.skip('another runner shares the lab: it is not taken down under them');
    const before = readLabInfo();
    expect(labLeftovers().length).toBeGreaterThan(0); // the detector does see a running lab

    const down = lab('down', '--holder', holder);
    expect(down.code, down.out).toBe(0);
    expect(labLeftovers()).toEqual([]);
    expect(fs.existsSync(LAB_JSON_PATH)).toBe(false);
    expect(fs.existsSync(before.guest.kernel)).toBe(true);
    expect(fs.existsSync(before.guest.initrd)).toBe(true);

    const again = lab('down', '--holder', holder);
    expect(again.code, again.out).toBe(0);
    expect(labLeftovers()).toEqual([]);

    // back up as this run's holder, so the last runner out still takes it down
    const up = lab('acquire', '--hosts', String(before.hosts.length), '--holder', holder);
    expect(up.code, up.out).toBe(0);
    console.log(`[lab] down ${down.ms} ms, warm up ${up.ms} ms`);
  });

  it('up twice keeps the running lab', async () => {
    const first = readLabInfo();
    const up = lab('up', '--hosts', String(first.hosts.length));
    expect(up.code, up.out).toBe(0);
    expect(up.out).toContain('already up');
    expect(readLabInfo().hosts.map((h) => h.uuid)).toEqual(first.hosts.map((h) => h.uuid));
  });

  it('up after a crash (daemons killed, namespaces left) cleans up and comes back healthy', async (ctx) => {
    if (othersHold()) return ctx.skip('another runner shares the lab: it is not crashed under them');
    const before = readLabInfo();
    const h = before.hosts[0]!;
    // simulate a crash: SIGKILL the host's libvirtd and sshd, leave everything else as it was
    for (const f of ['libvirtd.pid', 'sshd.pid']) {
      const pid = Number(fs.readFileSync(`${h.stateDir}/run/${f}`, 'utf8'));
      process.kill(pid, 'SIGKILL');
    }
    expect(lab('status').code).not.toBe(0);
    const up = lab('up', '--hosts', String(before.hosts.length));
    expect(up.code, up.out).toBe(0);
    expect(lab('status').code).toBe(0);
    const after = readLabInfo();
    for (const x of after.hosts) expect((await sshRun(x, 'virsh hostname', { lab: after })).trim()).toBe(x.name);
  });
});
