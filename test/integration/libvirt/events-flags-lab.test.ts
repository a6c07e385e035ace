/**
 * Issue 14 against a lab host's real libvirt (9): every event id the inventory listens to
 * registers (none reported missing), and enum values now taken from libvirt/protocol/flags.ts
 * mean on the daemon what Hangar thinks they mean (a managed save is SHUTOFF/SAVED, shown as
 * suspended; a destroy is SHUTOFF/DESTROYED, shown as stopped).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { displayState } from '../../../engine/inventory/display-state';
import { DomainState, INVENTORY_DOMAIN_EVENTS, ShutoffReason, type LibvirtConnection } from '../../../engine/libvirt';
import type { SshPool } from '../../../engine/ssh';
import { openLabLibvirt } from './lab-libvirt';
import { defineDomain, readLabInfo, serialLogPath, sshRun, testGuestXml, virsh, type LabHost } from '../../lab/lab-info';

const lab = readLabInfo();
const h1 = lab.hosts[0] as LabHost;
const VM = `fc-libvirt-reason-${crypto.randomBytes(3).toString('hex')}`;

describe('libvirt events and flag values against a lab host', () => {
  let pool: SshPool;
  let conn: LibvirtConnection;

  beforeAll(async () => {
    ({ pool, conn } = await openLabLibvirt(lab, h1));
  }, 60_000);

  afterAll(async () => {
    await sshRun(h1, `virsh destroy ${VM} >/dev/null 2>&1; virsh managedsave-remove ${VM} >/dev/null 2>&1; virsh undefine --managed-save ${VM} >/dev/null 2>&1; rm -f /var/log/libvirt/qemu/${VM}.log '${serialLogPath(VM)}'; true`).catch(() => undefined);
    await conn?.close();
    await pool?.closeAll();
  });

  it('registers every event id the inventory listens to, one by one, none missing on libvirt 9', async () => {
    expect(await conn.getLibVersion()).toBeGreaterThanOrEqual(9_000_000);
    const { callbackIds, unsupported } = await conn.registerInventoryEvents();
    expect(unsupported).toEqual([]);
    expect(conn.unsupportedEvents).toEqual([]);
    expect(callbackIds).toHaveLength(INVENTORY_DOMAIN_EVENTS.length + 3);
    expect(new Set(callbackIds).size).toBe(callbackIds.length);
  });

  it('reads a managed save as SHUTOFF/SAVED (suspended) and a destroy as SHUTOFF/DESTROYED (stopped)', async () => {
    await defineDomain(h1, testGuestXml({ name: VM, network: null, memoryMiB: 128, lab }));
    await virsh(h1, ['start', VM]);
    const dom = await conn.domainLookupByName(VM);
    await conn.domainManagedSave(dom, 0);
    const saved = await conn.domainGetState(dom);
    expect(saved).toEqual({ state: DomainState.SHUTOFF, reason: ShutoffReason.SAVED });
    expect((await virsh(h1, ['domstate', '--reason', VM])).trim()).toBe('shut off (saved)');
    expect(displayState(saved.state, saved.reason)).toBe('suspended');

    await conn.domainCreate(dom, 0); // restores from the managed save
    await conn.domainDestroy(dom, 0);
    const destroyed = await conn.domainGetState(dom);
    expect(destroyed).toEqual({ state: DomainState.SHUTOFF, reason: ShutoffReason.DESTROYED });
    expect(displayState(destroyed.state, destroyed.reason)).toBe('stopped');
  }, 180_000);
});
