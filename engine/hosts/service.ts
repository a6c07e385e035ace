import type { EventHub } from '../events/event-hub';
import { libvirtCleaner } from '../jobs/artifact-cleaner';
import type { JobRunner } from '../jobs/job-runner';
import type { Logger } from '../logger';
import type { Service } from '../rpc/service';
import type { SecretStore } from '../secrets/secret-store';
import type { SshEnvironment } from '../ssh';
import type { Db } from '../store/db';
import { HostCredentials } from './credentials';
import { hostJob } from './host-jobs';
import { HostKeyRepo } from './host-key-repo';
import { HostManager } from './host-manager';
import { HostRepo } from './host-repo';
import type { LocalLibvirt } from './local-host';

/**
 * The fleet: hosts added, tested, connected and removed through the contract, the `hosts` topic,
 * and the links every other service reaches a host through. Hosts connect in `open`, once the
 * services that follow them are listening.
 */
export function hostsService(deps: {
  db: Db;
  hub: EventHub;
  secrets: SecretStore;
  jobs: JobRunner;
  logger: Logger;
  ssh: Partial<Omit<SshEnvironment, 'hostKeys' | 'credentials'>> | undefined;
  local: LocalLibvirt | null;
}): Service & { readonly fleet: HostManager } {
  const { db, hub } = deps;
  const credentials = new HostCredentials(deps.secrets);
  const hosts = new HostManager(new HostRepo(db), credentials, deps.jobs, deps.logger, { ...deps.ssh, hostKeys: new HostKeyRepo(db), credentials }, deps.local);
  // A job's leftovers (a half-made disk, a stray definition) are cleaned up on the host they are on.
  deps.jobs.setCleaner(libvirtCleaner((hostId) => hosts.libvirt(hostId)));
  hub.defineTopic('hosts', { initial: () => hosts.hosts.snapshot() });
  hosts.hosts.onDelta((d) => hub.publish('hosts', d));
  return {
    name: 'hosts',
    fleet: hosts,
    handlers: {
      'hosts.list': async () => ({ hosts: hosts.hosts.values() }),
      'hosts.test': (p, ctx) => hosts.test(p, ctx.signal),
      'hosts.add': (p, ctx) => hosts.add(p, ctx.signal),
      'hosts.update': (p) => hostJob(deps.jobs, hosts, 'host.update', p.hostId, () => hosts.update(p.hostId, p)),
      'hosts.connect': (p) => hostJob(deps.jobs, hosts, 'host.connect', p.hostId, () => hosts.connect(p.hostId)),
      'hosts.disconnect': (p) => hostJob(deps.jobs, hosts, 'host.disconnect', p.hostId, () => hosts.disconnect(p.hostId)),
      'hosts.remove': (p) => hostJob(deps.jobs, hosts, 'host.remove', p.hostId, async () => (await hosts.remove(p.hostId), { removed: true as const })),
      'hosts.retry': (p) => hostJob(deps.jobs, hosts, 'host.retry', p.hostId, () => hosts.retry(p.hostId)),
      'hosts.replaceKey': (p) => hostJob(deps.jobs, hosts, 'host.replaceKey', p.hostId, () => hosts.replaceKey(p.hostId, { previous: p.previous, next: p.next })),
    },
    open: () => hosts.init(),
    close: () => hosts.close(),
  };
}
