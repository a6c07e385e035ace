/**
 * Issue 4 "done when": a test guest defined on host 1 boots and prints its banner on the serial
 * console, and a graceful shutdown (virsh shutdown -> ACPI power button) powers it off within 30 s.
 * Also: DHCP on its virtio NIC, text on the VGA console (VNC shows pixels), the guest agent.
 * Everything is observed with virsh over ssh on the host.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  defineDomain, labTimeouts, readLabInfo, readSerialLog, sshExec, sshRun, testGuestXml, typeOnSerial, virsh, waitFor,
} from '../../lab/lab-info';

const lab = readLabInfo();
const host = lab.hosts[0]!;
const NAME = `lab-guest-${process.pid}`;
const t = labTimeouts(lab);

describe(`test guest on ${host.name} (${lab.accel})`, () => {
  afterAll(async () => {
    await sshExec(host, `virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; true`);
  });

  it('boots and prints its banner on the serial console', async () => {
    await defineDomain(host, testGuestXml({ name: NAME, lab }), { lab });
    const started = Date.now();
    await virsh(host, ['start', NAME]);
    const log = await waitFor('the banner on the serial console', async () => {
      const s = await readSerialLog(host, NAME);
      return s.includes(lab.guest.banner) ? s : null;
    }, t.bootMs, 200);
    console.log(`[lab] guest banner after ${((Date.now() - started) / 1000).toFixed(1)} s (${lab.accel})`);
    expect(log).toContain(lab.guest.banner);
    expect((await virsh(host, ['domstate', NAME])).trim()).toBe('running');
  });

  it('has a login-free shell on the serial console', async () => {
    await typeOnSerial(host, NAME, 'echo SHELL-$((40+2))');
    await waitFor('the shell to answer', async () => (await readSerialLog(host, NAME)).includes('SHELL-42'), 20_000);
  });

  it('gets an address by DHCP on its virtio NIC', async () => {
    const leases = await waitFor('a DHCP lease', async () => {
      const out = await virsh(host, ['domifaddr', NAME, '--source', 'lease']);
      return /192\.168\.122\.\d+/.test(out) ? out : null;
    }, 30_000, 500);
    expect(leases).toMatch(/ipv4\s+192\.168\.122\.\d+\/24/);
  });

  it('draws text on the VGA console (a screenshot has pixels)', async () => {
    // fbcon comes up a moment after the banner; wait for a screenshot that is not blank
    await waitFor('a non-blank VGA screen', async () => {
      const r = await sshRun(host, `f=$(mktemp) && virsh screenshot ${NAME} "$f" >/dev/null && od -An -v -tu1 "$f" | tr -s ' ' '\\n' | sort -u | wc -l; rm -f "$f"`);
      // a PPM of one flat colour has only a handful of distinct byte values (header + colour)
      return Number(r.trim()) > 20;
    }, 30_000, 1000);
  });

  it('runs the guest agent (when the guest has one)', async () => {
    if (!lab.guest.guestAgent) return;
    const out = await waitFor('the guest agent', async () => {
      const r = await sshExec(host, `virsh qemu-agent-command ${NAME} '{"execute":"guest-get-host-name"}'`);
      return r.code === 0 ? r.stdout : null;
    }, 30_000, 500);
    expect(out).toContain('hangar-guest');
  });

  it('powers off within 30 s on a graceful (ACPI) shutdown', async () => {
    const started = Date.now();
    await virsh(host, ['shutdown', NAME, '--mode', 'acpi']);
    await waitFor('the guest to power off', async () => (await virsh(host, ['domstate', NAME])).trim() === 'shut off', 30_000, 250);
    const secs = (Date.now() - started) / 1000;
    console.log(`[lab] ACPI shutdown took ${secs.toFixed(1)} s`);
    expect(secs).toBeLessThan(30);
    expect((await virsh(host, ['domstate', NAME, '--reason'])).trim()).toBe('shut off (shutdown)');
    expect(await readSerialLog(host, NAME)).toContain('HANGAR-TEST-GUEST POWER BUTTON');
  });
});
