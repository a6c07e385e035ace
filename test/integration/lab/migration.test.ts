/**
 * Issue 4 "done when": live migration of a running guest whose disk is on the shared pool, from
 * host 1 to host 2, completes and the guest keeps running on host 2. Observed with virsh over ssh.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  defineDomain, labTimeouts, readLabInfo, readSerialLog, sshExec, testGuestXml, typeOnSerial, virsh, waitFor,
} from '../../lab/lab-info';

const lab = readLabInfo();
const [src, dst] = lab.hosts;
const NAME = `lab-mig-${process.pid}`;
const VOL = `${NAME}.qcow2`;
const t = labTimeouts(lab);

describe.skipIf(!dst)('live migration on the shared pool', () => {
  afterAll(async () => {
    for (const h of [src!, dst!]) {
      await sshExec(h, `virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; true`);
    }
    await sshExec(src!, `virsh vol-delete --pool shared ${VOL} >/dev/null 2>&1; true`);
  });

  it(`moves a running guest from ${src?.name} to ${dst?.name}, where it keeps running`, async () => {
    // a data disk created through libvirt on the shared pool; every host sees the same file
    await virsh(src!, ['vol-create-as', 'shared', VOL, '64M', '--format', 'qcow2']);
    const disk = (await virsh(src!, ['vol-path', '--pool', 'shared', VOL])).trim();
    expect(disk).toBe(`${lab.sharedPoolPath}/${VOL}`);
    await virsh(dst!, ['pool-refresh', 'shared']);
    expect((await virsh(dst!, ['vol-path', '--pool', 'shared', VOL])).trim()).toBe(disk);

    await defineDomain(src!, testGuestXml({ name: NAME, disk, lab }), { lab });
    await virsh(src!, ['start', NAME]);
    await waitFor('the banner on host 1', async () => (await readSerialLog(src!, NAME)).includes(lab.guest.banner), t.bootMs, 250);
    // the guest sees its disk
    await typeOnSerial(src!, NAME, 'echo DISK-$(cat /sys/block/vda/size)');
    await waitFor('the disk in the guest', async () => (await readSerialLog(src!, NAME)).includes(`DISK-${(64 * 1024 * 1024) / 512}`), 20_000);

    const args = ['migrate', '--live', '--persistent', '--undefinesource', '--verbose'];
    if (!lab.sharedPoolIsSharedFs) args.push('--unsafe');
    const started = Date.now();
    // peer-to-peer style: host 1's virsh talks to host 2 over ssh as root with the lab key
    await virsh(src!, [...args, NAME, `qemu+ssh://${dst!.address}/system`], { timeoutMs: t.migrateMs });
    const secs = (Date.now() - started) / 1000;
    console.log(`[lab] live migration ${src!.name} -> ${dst!.name} took ${secs.toFixed(1)} s (${lab.accel})`);

    expect((await virsh(dst!, ['domstate', NAME, '--reason'])).trim()).toBe('running (migrated)');
    const left = await sshExec(src!, `virsh domstate ${NAME}`);
    expect(left.code).not.toBe(0); // gone from host 1 (--undefinesource)

    // still alive on host 2: its shell answers there
    await typeOnSerial(dst!, NAME, 'echo ALIVE-ON-DST-$((6*7))');
    await waitFor('the guest to answer on host 2', async () => (await readSerialLog(dst!, NAME)).includes('ALIVE-ON-DST-42'), 20_000);
    expect((await virsh(dst!, ['domstate', NAME])).trim()).toBe('running');
  });
});
