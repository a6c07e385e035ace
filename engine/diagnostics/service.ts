import { APP_VERSION } from '../app-version';
import type { Settings } from '../contract/settings';
import type { Vm } from '../contract/vms';
import type { EventLog } from '../history/event-log';
import type { FleetLinks } from '../hosts/fleet';
import type { JobRunner } from '../jobs/job-runner';
import type { Service } from '../rpc/service';
import { DiagnosticsService } from './diagnostics-service';
import { engineSide } from './gather/engine-side';
import { closeDiagPool } from './work/diag-pool';
import type { HealthService } from './health/health-service';

/** Diagnostics bundles: gathered from hosts (a job), then opened, browsed and searched with no host needed. */
export function diagnosticsService(deps: {
  dataDir: string;
  fleet: Pick<FleetLinks, 'hosts' | 'libvirt' | 'ssh'>;
  vms: () => Vm[];
  jobs: JobRunner;
  history: Pick<EventLog, 'list'>;
  health: Pick<HealthService, 'run' | 'history'>;
  settings: () => Settings;
}): Service {
  const { fleet, jobs, dataDir } = deps;
  const diagnostics = new DiagnosticsService(jobs, {
    appVersion: APP_VERSION,
    dataDir,
    hosts: () => fleet.hosts.values(),
    vms: deps.vms,
    ssh: (id) => fleet.ssh(id),
    libvirt: (id) => fleet.libvirt(id),
    engineSide: (since) =>
      engineSide({
        dataDir,
        appVersion: APP_VERSION,
        hosts: fleet.hosts.values(),
        vms: deps.vms(),
        jobs: jobs.jobs.values(),
        events: deps.history.list({ limit: 5000 }),
        alerts: deps.health.history(since),
        health: deps.health.run().catch((err: unknown) => ({ error: String(err) })),
        settings: deps.settings(),
        since,
      }),
  });
  return {
    name: 'diagnostics',
    handlers: {
      'diagnostics.gather': (p) => diagnostics.gather(p),
      'diagnostics.listBundles': async () => ({ bundles: await diagnostics.listBundles() }),
      'diagnostics.openBundle': (p) => diagnostics.openBundle(p.path),
      'diagnostics.bundleTree': async (p) => diagnostics.tree(p.bundleId),
      'diagnostics.bundleFile': async (p) => diagnostics.file(p.bundleId, p.path),
      'diagnostics.searchLogs': async (p) => diagnostics.search(p.bundleId, p),
      'diagnostics.bundleDomains': async (p) => diagnostics.domains(p.bundleId),
      'diagnostics.closeBundle': async (p) => (diagnostics.close(p.bundleId), { closed: true as const }),
    },
    close: () => closeDiagPool(),
  };
}
