/**
 * Issue 7 against the lab: console bridges through the host's SSH connection, the VNC password
 * from the domain XML used by the engine alone, tickets that are single-use and bound to one VM,
 * one session per VM, the serial console both ways, and the end of a session when QEMU goes away.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CLOSE, type Vm } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { startServer, type RunningServer } from '../../../engine/server/serve';
import { firstFramebufferUpdate, openConsoleSocket, rfbHandshake } from '../../helpers/rfb-client';
import { defineDomain, labTimeouts, readLabInfo, sshRun, testGuestXml, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const NAME = `cs-${crypto.randomBytes(3).toString('hex')}`;
const VNC_PASSWORD = 'Hg-vnc-7';

describe('console bridges', () => {
  let engine: Engine;
  let testEngine: { engine: Engine; dispose(): Promise<void> } | undefined;
  let server: RunningServer;
  let staticDir: string;
  let vm: Vm;

  beforeAll(async () => {
    const xml = testGuestXml({ name: NAME, lab }).replace("<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1'/>", `<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' passwd='${VNC_PASSWORD}'/>`);
    expect(xml).toContain(VNC_PASSWORD);
    await defineDomain(h1, xml);
    await virsh(h1, ['start', NAME]);
    testEngine = await labEngine(lab, 'console');
    engine = testEngine.engine;
    staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-static-'));
    server = await startServer({ engine, logger: silentLogger, host: '127.0.0.1', port: 0, token: 'test-token', staticDir });
    await engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
    vm = await waitFor('the VM running in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.name === NAME && v.state === 'running'), 30_000, 100);
  }, 90_000);

  afterAll(async () => {
    await server?.close();
    await testEngine?.dispose();
    if (staticDir) fs.rmSync(staticDir, { recursive: true, force: true });
    await sshRun(h1, `virsh destroy ${NAME} >/dev/null 2>&1; virsh undefine ${NAME} >/dev/null 2>&1; true`).catch(() => undefined);
  });

  it('describes the consoles without revealing the VNC password', async () => {
    const info = await engine.call('console.info', { vmId: vm.id });
    expect(info.graphics).toEqual({ type: 'vnc', supported: true });
    expect(info.serials.map((s) => s.name)).toContain('serial0');
    expect(JSON.stringify(info)).not.toContain(VNC_PASSWORD);
  });

  it('bridges VNC with the password from the XML, and the framebuffer arrives', async () => {
    const t = await engine.call('console.open', { vmId: vm.id, kind: 'vnc' });
    expect(JSON.stringify(t)).not.toContain(VNC_PASSWORD);
    const s = await openConsoleSocket(server.origin, t);
    const fb = await rfbHandshake(s);
    expect(fb.width).toBeGreaterThan(0);
    expect(fb.name).toContain(NAME);
    await firstFramebufferUpdate(s, fb);
    s.ws.close();
    await s.closed;
  });

  it('refuses forged, reused and other-VM tickets', async () => {
    const forged = await openConsoleSocket(server.origin, { ticket: 'AAAA', path: `/console/${encodeURIComponent(vm.id)}` });
    expect(await forged.closed).toBe(CONSOLE_CLOSE.BAD_TICKET);

    const t = await engine.call('console.open', { vmId: vm.id, kind: 'vnc' });
    const elsewhere = await openConsoleSocket(server.origin, t, { pathOverride: `/console/${encodeURIComponent('00000000-0000-0000-0000-000000000000')}` });
    expect(await elsewhere.closed).toBe(CONSOLE_CLOSE.BAD_TICKET);
    // Shown to the wrong VM, the ticket is burnt: not even its own VM takes it now.
    const after = await openConsoleSocket(server.origin, t);
    expect(await after.closed).toBe(CONSOLE_CLOSE.BAD_TICKET);

    const t2 = await engine.call('console.open', { vmId: vm.id, kind: 'vnc' });
    const first = await openConsoleSocket(server.origin, t2);
    await rfbHandshake(first);
    const reused = await openConsoleSocket(server.origin, t2);
    expect(await reused.closed).toBe(CONSOLE_CLOSE.BAD_TICKET);
    first.ws.close();
    await first.closed;
  });

  it('refuses a socket from another origin', async () => {
    const t = await engine.call('console.open', { vmId: vm.id, kind: 'vnc' });
    const WebSocket = (await import('ws')).default;
    const ws = new WebSocket(server.origin.replace('http', 'ws') + t.path, ['binary', `hangar.console.${t.ticket}`], { headers: { origin: 'http://evil.example' } });
    const err = await new Promise<Error>((resolve) => ws.once('error', resolve));
    expect(String(err)).toMatch(/403/);
    await engine.call('console.close', { vmId: vm.id, kind: 'vnc' });
  });

  it('keeps one session per VM: a second window is refused unless it takes over', async () => {
    const t = await engine.call('console.open', { vmId: vm.id, kind: 'vnc' });
    const s = await openConsoleSocket(server.origin, t);
    await rfbHandshake(s);
    await expect(engine.call('console.open', { vmId: vm.id, kind: 'vnc' })).rejects.toMatchObject({ code: 'CONFLICT', details: { inUse: true } });
    expect((await engine.call('console.info', { vmId: vm.id })).open.vnc).toBe(true);
    const t2 = await engine.call('console.open', { vmId: vm.id, kind: 'vnc', takeOver: true });
    expect(await s.closed).toBe(CONSOLE_CLOSE.TAKEN_OVER);
    const s2 = await openConsoleSocket(server.origin, t2);
    await rfbHandshake(s2);
    s2.ws.close();
    await s2.closed;
    await waitFor('the bridge to be gone', async () => !(await engine.call('console.info', { vmId: vm.id })).open.vnc, 5_000, 50);
  });

  it('types on the serial console and reads the answer', async () => {
    const t = await engine.call('console.open', { vmId: vm.id, kind: 'serial', device: 'serial0' });
    const s = await openConsoleSocket(server.origin, t);
    const n = crypto.randomInt(1000, 9999);
    await waitFor('the guest shell to answer on serial', async () => {
      s.send(`echo hangar-$((${n}+1))\r`);
      await new Promise((r) => setTimeout(r, 700));
      return s.text().includes(`hangar-${n + 1}`);
    }, labTimeouts(lab).bootMs, 10);
    // A second window of this Hangar is told the console is open elsewhere.
    await expect(engine.call('console.open', { vmId: vm.id, kind: 'serial' })).rejects.toMatchObject({ code: 'CONFLICT', details: { inUse: true } });

    // Another client (here a second Hangar, as virsh console would be) is refused by libvirt,
    // and attaches when it forces; the first session then ends.
    const other = await labEngine(lab, 'console-other');
    try {
      await other.engine.call('hosts.add', { address: h1.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h1.hostKeyFingerprint });
      // Its own host id, so its own VM id for the same domain.
      const same = await waitFor('the VM in the other engine', async () => (await other.engine.call('vms.list', {})).vms.find((v) => v.name === NAME && v.state === 'running'), 30_000, 100);
      await expect(other.engine.call('console.open', { vmId: same.id, kind: 'serial' })).rejects.toMatchObject({ code: 'CONFLICT', details: { heldElsewhere: true } });
      await other.engine.call('console.open', { vmId: same.id, kind: 'serial', force: true });
      expect(await s.closed).toBe(CONSOLE_CLOSE.ENDED);
    } finally {
      await other.dispose();
    }
  }, 120_000);

  it('says when a VM has no graphical display', async () => {
    const bare = `${NAME}-nogfx`;
    const xml = testGuestXml({ name: bare, lab }).replace(/ *<graphics[^>]*\/>\n/, '').replace(/ *<video>.*<\/video>\n/, '');
    await defineDomain(h1, xml);
    try {
      const v = await waitFor('the new VM in the inventory', async () => (await engine.call('vms.list', {})).vms.find((x) => x.name === bare), 10_000, 100);
      const info = await engine.call('console.info', { vmId: v.id });
      expect(info.graphics).toBeNull();
      expect(info.running).toBe(false);
      await expect(engine.call('console.open', { vmId: v.id, kind: 'vnc' })).rejects.toMatchObject({ code: 'CONFLICT', details: { notRunning: true } });
    } finally {
      await virsh(h1, ['undefine', bare]).catch(() => undefined);
    }
  });

  it('gives an SSH command through the host for a VM on the NAT network', async () => {
    const r = await waitFor('an address from the guest agent or a DHCP lease', async () => {
      const c = await engine.call('vms.sshCommand', { vmId: vm.id });
      return c.command ? c : null;
    }, labTimeouts(lab).bootMs, 500);
    expect(r.command).toMatch(new RegExp(`^ssh -J root@${h1.address.replace(/\./g, "\\.")} -- 192\\.168\\.\\d+\\.\\d+$`));
    expect(r.addresses[0]?.source).toMatch(/agent|lease/);
  }, 90_000);

  it('ends the session when QEMU goes away, and a new one opens after the VM is back', async () => {
    const t = await engine.call('console.open', { vmId: vm.id, kind: 'vnc' });
    const s = await openConsoleSocket(server.origin, t);
    await rfbHandshake(s);
    await virsh(h1, ['destroy', NAME]);
    expect(await s.closed).toBe(CONSOLE_CLOSE.ENDED);
    await waitFor('stopped in the inventory', async () => (await engine.call('vms.list', {})).vms.find((v) => v.id === vm.id && v.state === 'stopped'), 10_000, 50);
    await expect(engine.call('console.open', { vmId: vm.id, kind: 'vnc' })).rejects.toMatchObject({ code: 'CONFLICT', details: { notRunning: true } });
    await virsh(h1, ['start', NAME]);
    await waitFor('running again', async () => (await engine.call('vms.list', {})).vms.find((v) => v.id === vm.id && v.state === 'running'), 20_000, 100);
    const t2 = await engine.call('console.open', { vmId: vm.id, kind: 'vnc' });
    const s2 = await openConsoleSocket(server.origin, t2);
    const fb = await rfbHandshake(s2);
    await firstFramebufferUpdate(s2, fb);
    s2.ws.close();
  }, 60_000);
});
