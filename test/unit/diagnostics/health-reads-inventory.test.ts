/**
 * Issue 20: the live health checks read the inventory's model of each host's domains; they never
 * fetch and parse every domain XML again (the fake libvirt refuses to).
 */
import { describe, expect, it } from 'vitest';
import type { Host } from '../../../engine/contract/hosts';
import { HealthService } from '../../../engine/diagnostics/health/health-service';
import type { LibvirtConnection } from '../../../engine/libvirt';
import { silentLogger } from '../../../engine/logger';
import type { Db } from '../../../engine/store/db';
import { parseDomainXml } from '../../../engine/xml/domain-read';

const summary = (name: string, n: number, agent: string) =>
  parseDomainXml(
    `<domain type='kvm'><name>${name}</name><uuid>00000000-0000-4000-8000-00000000000${n}</uuid><memory unit='MiB'>512</memory><vcpu>2</vcpu><cpu mode='host-model'/><os><type>hvm</type></os><devices>${agent}</devices></domain>`,
  );

describe('health checks on the inventory model', () => {
  it('gives the checks each VM state, reason, agent channel and CPU mode from the inventory, fetching no XML', async () => {
    const host = { id: 'h1', name: 'lab1', kind: 'local', state: 'connected', facts: null, lastError: null } as unknown as Host;
    const refuse = () => {
      throw new Error('the health checks fetched domain XML');
    };
    const conn = { listAllStoragePools: async () => [], listAllDomains: refuse, getAllXml: refuse, getAllDomainStates: refuse, domainGetXmlDesc: refuse } as unknown as LibvirtConnection;
    const health = new HealthService({
      hosts: () => [host],
      libvirt: () => conn,
      ssh: () => null,
      jobs: () => [],
      db: {} as Db,
      logger: silentLogger,
      domainsOn: () => [
        { summary: summary('no-agent', 1, ''), state: 1, reason: 1 },
        { summary: summary('agent-down', 2, `<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0' state='disconnected'/></channel>`), state: 1, reason: 1 },
        { summary: summary('io-paused', 3, ''), state: 3, reason: 5 },
        { summary: summary('off', 4, ''), state: 5, reason: 1 },
      ],
    });
    const snap = await health.snapshot();
    expect(snap.hosts[0]!.vms.map((v) => [v.name, v.state, v.reason, v.agentChannel, v.cpuMode])).toEqual([
      ['no-agent', 'running', 'booted', 'absent', 'host-model'],
      ['agent-down', 'running', 'booted', 'disconnected', 'host-model'],
      ['io-paused', 'paused', 'ioerror', 'absent', 'host-model'],
      ['off', 'shutoff', 'shutdown', 'absent', 'host-model'],
    ]);
  });
});
