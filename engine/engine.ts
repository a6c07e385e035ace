import fs from 'node:fs/promises';
import path from 'node:path';
import { APP_VERSION } from './app-version';
import { CONTRACT_VERSION } from './contract';
import type { ServerMsg } from './contract/envelope';
import type { TopicFilter, TopicName, TopicPayload } from './contract/events';
import type { EngineInfo } from './contract/engine-info';
import type { MethodName, MethodParams, MethodResult } from './contract/methods';
import { HangarError } from './contract/errors';
import { EventHub } from './events/event-hub';
import { HostCredentials } from './hosts/credentials';
import { HostKeyRepo } from './hosts/host-key-repo';
import { HostManager } from './hosts/host-manager';
import { HostRepo } from './hosts/host-repo';
import { VmInventory } from './inventory/vm-inventory';
import { GuestAddresses } from './inventory/guest-addresses';
import { libvirtCleaner } from './jobs/artifact-cleaner';
import { findLocalLibvirt, givenLocalLibvirt } from './hosts/local-host';
import { JobRepo } from './jobs/job-repo';
import { JobRunner } from './jobs/job-runner';
import { resumeSelfTest, selfTestJob, selfTestSpec } from './jobs/self-test';
import { hostJob } from './hosts/host-jobs';
import type { Logger } from './logger';
import { dispatch } from './rpc/dispatch';
import type { Handlers } from './rpc/handlers';
import { openSession, type Session } from './rpc/session';
import type { SecretCipher } from './secrets/secret-cipher';
import { SecretStore } from './secrets/secret-store';
import { SettingsService } from './settings/settings-service';
import type { SshEnvironment } from './ssh';
import { Db } from './store/db';
import { vmActionJob } from './vms/vm-actions';
import type { StartFailure } from './vms/start-failure';
import { kvmUsable } from './contract/hosts';
import { VmService } from './vms/vm-service';
import { describeLibvirtEvent } from './history/describe-event';
import { EventLog } from './history/event-log';
import { FINAL_JOB_STATES, leftovers, type Job } from './contract/jobs';
import { listVolumes } from './storage/list-volumes';
import type { WebSocket } from 'ws';
import { ConsoleService } from './console/console-service';
import { DiagnosticsService } from './diagnostics/diagnostics-service';
import { HealthService } from './diagnostics/health/health-service';
import { CATALOGUE } from './diagnostics/health/catalogue';
import { engineSide } from './diagnostics/gather/engine-side';
import { MetricsService } from './metrics/metrics-service';

/** How often every connected host's inventory is fetched whole, in case an event was missed. */
const RECONCILE_MS = 5 * 60_000;
/** How often the health checks run on live data (and on demand through health.run). */
const HEALTH_MS = 2 * 60_000;

export interface EngineOptions {
  dataDir: string;
  secrets: SecretCipher;
  logger: Logger;
  runtime: EngineInfo['runtime'];
  /** SSH settings (known_hosts files, ~/.ssh/config, agent); tests point them at the lab's. */
  ssh?: Partial<Omit<SshEnvironment, 'hostKeys' | 'credentials'>>;
  /**
   * The machine's own libvirt socket for the embedded local host: a path, 'none' to leave it out,
   * or undefined to look in the usual places and, where libvirt is installed but not running, to
   * start its daemon as libvirt's client would (HANGAR_LOCAL_LIBVIRT_SOCKET sets it from outside).
   */
  localLibvirt?: string;
  /** Where windows reach console sockets when that is not the origin that served the UI (Electron's loopback console server). */
  consoleOrigin?: () => string | null;
}

export interface Engine {
  readonly dataDir: string;
  /** In-process transport: the same validation and handlers as IPC and WebSocket. */
  call<M extends MethodName>(method: M, params: MethodParams<M>, signal?: AbortSignal): Promise<MethodResult<M>>;
  subscribe<T extends TopicName>(topic: T, filter: TopicFilter<T>, listener: (payload: TopicPayload<T>) => void): () => void;
  /** A client conversation for a message-based transport (IPC, WebSocket). */
  openSession(send: (msg: ServerMsg) => void): Session;
  /** A console socket arrived with a ticket from `console.open`: bridge it, or close it refused. */
  attachConsole(vmId: string, ticket: string, ws: WebSocket): void;
  close(): Promise<void>;
}

/** Builds the engine: Node only, never Electron; runs in the app, in `hangar serve` and in tests. */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const startedAt = Date.now();
  await fs.mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
  const db = await Db.open(path.join(opts.dataDir, 'hangar.db'));
  const dbInfo = await db.info();
  const hub = new EventHub();
  const secrets = new SecretStore(db, opts.secrets);
  const settings = new SettingsService(db, hub);
  await settings.init();
  const jobs = new JobRunner(new JobRepo(db), hub, opts.logger);
  await jobs.init();

  hub.defineTopic('jobs', { initial: () => jobs.jobs.snapshot() });
  jobs.jobs.onDelta((delta) => hub.publish('jobs', delta));
  hub.defineTopic('job.updated', { matches: (f, job) => !f.jobId || f.jobId === job.id });

  const credentials = new HostCredentials(secrets);
  const local = opts.localLibvirt === 'none' ? null : opts.localLibvirt ? givenLocalLibvirt(opts.localLibvirt) : await findLocalLibvirt(opts.logger);
  const hosts = new HostManager(
    new HostRepo(db),
    credentials,
    jobs,
    opts.logger,
    { ...opts.ssh, hostKeys: new HostKeyRepo(db), credentials },
    local,
  );
  jobs.setCleaner(libvirtCleaner((hostId) => hosts.libvirt(hostId)));
  const inventory = new VmInventory(opts.logger, (hostId) => hosts.libvirt(hostId));
  const history = new EventLog(db, opts.logger);
  await history.init();
  hosts.on('event', (hostId, ev) => {
    const d = describeLibvirtEvent(ev);
    if (d && 'dom' in ev) history.record({ hostId, vmUuid: ev.dom.uuid, ...d });
  });
  const hostStates = new Map<string, string>();
  hosts.hosts.onDelta((d) => {
    if (d.kind !== 'delta') return;
    for (const h of d.upsert) {
      if (hostStates.get(h.id) === h.state) continue;
      hostStates.set(h.id, h.state);
      if (h.state === 'connected' || h.state === 'unreachable' || h.state === 'disconnected') {
        history.record({ hostId: h.id, severity: h.state === 'unreachable' ? 'warning' : 'info', message: { key: `event.host.${h.state}`, args: { name: h.name, ...(h.lastError ? { error: h.lastError.message } : {}) } } });
      }
    }
  });
  // Never silent: a replaced host key is part of the host's history.
  hosts.on('keyReplaced', (hostId, change) => {
    const name = hosts.hosts.get(hostId)?.name ?? hostId;
    history.record({ hostId, severity: 'warning', message: { key: 'event.host.keyReplaced', args: { name, previous: change.previous, next: change.next } } });
  });
  // A finished task is part of the history of what it acted on. A VM's UUID is noted while the
  // VM exists (a deleted VM's task still goes to its history).
  const vmUuidOfJob = new Map<string, string>();
  hub.subscribe('job.updated', {}, (job: Job) => {
    const vm = job.target?.kind === 'vm' ? inventory.get(job.target.id) : undefined;
    if (vm) vmUuidOfJob.set(job.id, vm.uuid);
    if (!FINAL_JOB_STATES.includes(job.state)) return;
    const vmUuid = vmUuidOfJob.get(job.id) ?? null;
    vmUuidOfJob.delete(job.id);
    // A removed host has no history left to add to.
    if (!job.hostId || !hosts.hosts.get(job.hostId)) return;
    // A failure says why, in the history too (the Tasks page is not where a person looks first).
    const reason: Record<string, string> = job.state === 'failed' && job.error ? { reason: job.error.message } : {};
    history.record({ hostId: job.hostId, vmUuid, severity: job.state === 'failed' ? 'error' : 'info', message: { key: job.title.key, args: { ...job.title.args, outcome: job.state, ...reason } } });
  });
  hosts.on('connected', (hostId, conn) => {
    inventory.hostConnected(hostId, conn).catch((err: unknown) => opts.logger.warn('inventory fetch failed', { hostId, error: String(err) }));
  });
  hosts.on('event', (hostId, ev) => inventory.onEvent(hostId, ev));
  hosts.on('lost', (hostId) => inventory.hostLost(hostId));
  hosts.on('removed', (hostId) => inventory.hostRemoved(hostId));
  const metrics = new MetricsService({
    db,
    logger: opts.logger,
    intervalSec: () => settings.get().metricsIntervalSec,
    vmCount: (hostId) => (hostId ? inventory.vms.values().filter((v) => v.hostId === hostId).length : inventory.vms.values().length),
    migrating: (hostId) => inventory.vms.values().filter((v) => v.hostId === hostId && v.state === 'migrating'),
    hostShell: (hostId) => {
      const ssh = hosts.ssh(hostId);
      return ssh ? async (command) => (await ssh.exec(command, { timeoutMs: 10_000 })).stdout : null;
    },
    publish: (s) => hub.publish('metrics.sample', s),
    hostExists: (hostId) => hosts.hosts.get(hostId) !== undefined,
  });
  await metrics.init();
  hub.defineTopic('metrics.sample', { matches: (f, s) => (f.vmId ? f.vmId === s.vmId : !f.hostId || (f.hostId === s.hostId && !s.vmId)) });
  hosts.on('connected', (hostId, conn) => metrics.hostConnected(hostId, conn));
  const addresses = new GuestAddresses(inventory, opts.logger, () => settings.get().metricsIntervalSec * 1000);
  hosts.on('connected', (hostId, conn) => addresses.hostConnected(hostId, conn));
  hosts.on('lost', (hostId) => addresses.hostLost(hostId));
  hosts.on('removed', (hostId) => addresses.hostLost(hostId));
  hosts.on('event', (hostId, ev) => addresses.onEvent(hostId, ev));
  hosts.on('lost', (hostId) => metrics.hostLost(hostId));
  hosts.on('event', (hostId, ev) => metrics.onEvent(hostId, ev));
  hosts.on('removed', (hostId) => metrics.hostLost(hostId));
  hub.subscribe('settings.changed', {}, () => metrics.settingsChanged());
  hub.defineTopic('hosts', { initial: () => hosts.hosts.snapshot() });
  hosts.hosts.onDelta((d) => hub.publish('hosts', d));
  hub.defineTopic('vms', { initial: () => inventory.vms.snapshot() });
  inventory.vms.onDelta((d) => hub.publish('vms', d));
  await hosts.init();
  // The slow reconcile behind the events: anything missed is caught within this period.
  const reconcile = setInterval(() => {
    for (const h of hosts.hosts.values()) {
      if (h.state !== 'connected') continue;
      try {
        void inventory.hostConnected(h.id, hosts.libvirt(h.id)).catch((err: unknown) => opts.logger.warn('reconcile failed', { hostId: h.id, error: String(err) }));
      } catch {
        // disconnected meanwhile
      }
    }
  }, RECONCILE_MS);
  reconcile.unref();
  const vmService = new VmService(hosts, inventory, jobs);
  const consoles = new ConsoleService(hosts, inventory, opts.logger, opts.consoleOrigin ?? (() => null));
  const health = new HealthService({ hosts: () => hosts.hosts.values(), libvirt: (id) => hosts.libvirt(id), ssh: (id) => hosts.ssh(id), jobs: () => jobs.jobs.values(), db, logger: opts.logger });
  await health.init();
  hub.defineTopic('alerts', { initial: () => health.alerts.snapshot() });
  health.alerts.onDelta((d) => hub.publish('alerts', d));
  health.start(HEALTH_MS);
  // A removed host's alerts go with it now, not at the next periodic run.
  hosts.on('removed', () => void health.run().catch(() => undefined));
  // Leftovers raise their alert, and a clean-up or a keep clears it, now: not at the next run.
  let leftoverCheck: NodeJS.Timeout | null = null;
  hub.subscribe('job.updated', {}, (job: Job) => {
    if (leftoverCheck || !FINAL_JOB_STATES.includes(job.state)) return;
    if (leftovers(job).length === 0 && !health.alerts.values().some((a) => a.checkId === 'TaskLeftovers' && a.id.endsWith(`:${job.id}`))) return;
    leftoverCheck = setTimeout(() => {
      leftoverCheck = null;
      void health.run().catch(() => undefined);
    }, 500);
    leftoverCheck.unref();
  });
  const diagnostics = new DiagnosticsService(jobs, {
    appVersion: APP_VERSION,
    dataDir: opts.dataDir,
    hosts: () => hosts.hosts.values(),
    vms: () => inventory.vms.values(),
    ssh: (id) => hosts.ssh(id),
    libvirt: (id) => hosts.libvirt(id),
    engineSide: (since) => engineSide({ dataDir: opts.dataDir, appVersion: APP_VERSION, hosts: hosts.hosts.values(), vms: inventory.vms.values(), jobs: jobs.jobs.values(), events: history.list({ limit: 5000 }), alerts: health.history(since), health: health.run().catch((err: unknown) => ({ error: String(err) })), settings: settings.get(), since }),
  });

  const handlers: Handlers = {
    'engine.info': async () => ({
      appVersion: APP_VERSION,
      contractVersion: CONTRACT_VERSION,
      runtime: opts.runtime,
      platform: process.platform,
      nodeVersion: process.versions.node,
      sqliteVersion: dbInfo.sqliteVersion,
      dataDir: opts.dataDir,
      secrets: await secrets.status(),
      startedAt,
    }),
    'engine.selfTest': (p) => jobs.start(selfTestSpec(p), selfTestJob(p)),
    'jobs.list': async (p) => ({ jobs: await jobs.list(p.limit, p.states) }),
    'jobs.get': async (p) => jobs.get(p.jobId),
    'jobs.cancel': (p) => jobs.cancel(p.jobId),
    'jobs.cleanup': (p) => jobs.cleanup(p.jobId),
    'jobs.keep': (p) => jobs.keep(p.jobId),
    'settings.get': async () => settings.get(),
    'settings.update': (p) => settings.update(p),

    'hosts.list': async () => ({ hosts: hosts.hosts.values() }),
    'hosts.test': (p, ctx) => hosts.test(p, ctx.signal),
    'hosts.add': (p, ctx) => hosts.add(p, ctx.signal),
    'hosts.update': (p) => hostJob(jobs, hosts, 'host.update', p.hostId, () => hosts.update(p.hostId, p)),
    'hosts.connect': (p) => hostJob(jobs, hosts, 'host.connect', p.hostId, () => hosts.connect(p.hostId)),
    'hosts.disconnect': (p) => hostJob(jobs, hosts, 'host.disconnect', p.hostId, () => hosts.disconnect(p.hostId)),
    'hosts.remove': (p) => hostJob(jobs, hosts, 'host.remove', p.hostId, async () => (await hosts.remove(p.hostId), { removed: true as const })),
    'hosts.retry': (p) => hostJob(jobs, hosts, 'host.retry', p.hostId, () => hosts.retry(p.hostId)),
    'hosts.replaceKey': (p) => hostJob(jobs, hosts, 'host.replaceKey', p.hostId, () => hosts.replaceKey(p.hostId, { previous: p.previous, next: p.next })),

    'vms.list': async (p) => ({ vms: inventory.vms.values().filter((v) => !p.hostId || v.hostId === p.hostId) }),
    'vms.action': async (p) => {
      const vms = p.vmIds.map((id) => {
        const vm = inventory.get(id);
        if (!vm) throw new HangarError('NOT_FOUND', `No VM ${id}`);
        return vm;
      });
      const deps = {
        libvirt: (hostId: string) => hosts.libvirt(hostId),
        setTransition: (id: string, t: 'starting' | 'stopping' | null) => inventory.setTransition(id, t),
        hostKvmUsable: (hostId: string) => {
          const f = hosts.hosts.get(hostId)?.facts;
          return f ? kvmUsable(f) : null;
        },
        startFailed: (id: string, f: StartFailure | null) => inventory.setStartFailure(id, f),
        shutdownTimeoutMs: () => settings.get().shutdownTimeoutSec * 1000,
      };
      // Each VM on its own: a busy one is refused (CONFLICT naming its task) without holding up the rest.
      const started = await Promise.allSettled(
        vms.map((vm) => {
          const { spec, handler } = vmActionJob(vm, p.action, deps);
          return jobs.start(spec, handler);
        }),
      );
      const refs = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (refused) {
        const e = HangarError.from(refused.reason);
        throw new HangarError(e.code, e.message, { ...e.details, started: refs.map((r) => r.jobId) });
      }
      return { jobs: refs };
    },
    'storage.volumes': (p) => listVolumes(hosts.libvirt(p.hostId), p.pool),
    'events.list': (p) => {
      const vm = p.vmId ? inventory.get(p.vmId) : undefined;
      if (p.vmId && !vm) throw new HangarError('NOT_FOUND', `No VM ${p.vmId}`);
      return history.list({ hostId: vm?.hostId ?? p.hostId, vmUuid: vm?.uuid, limit: p.limit }).then((events) => ({ events }));
    },
    'vms.get': (p) => vmService.get(p.vmId),
    'vms.create': (p) => vmService.create(p),
    'vms.delete': (p) => vmService.delete(p),
    'vms.update': (p) => vmService.update(p),
    'vms.addNic': (p) => vmService.addNic(p),
    'vms.defineXml': (p) => vmService.defineXml(p),
    'vms.addDisk': (p) => vmService.addDisk(p),
    'vms.detach': (p) => vmService.detach(p),
    'vms.resizeDisk': (p) => vmService.resizeDisk(p),
    'vms.setMedia': (p) => vmService.setMedia(p),
    'vms.setLink': (p) => vmService.setLink(p),
    'vms.sshCommand': (p) => consoles.sshCommand(p.vmId),
    'console.info': (p) => consoles.info(p.vmId),
    'console.open': (p, ctx) => consoles.open(p, ctx.signal),
    'console.thumbnail': (p, ctx) => consoles.thumbnail(p.vmId, ctx.signal),
    'console.close': async (p) => ({ closed: consoles.close(p.vmId, p.kind, p.ticket) }),

    'diagnostics.gather': (p) => diagnostics.gather(p),
    'diagnostics.listBundles': async () => ({ bundles: await diagnostics.listBundles() }),
    'diagnostics.openBundle': (p) => diagnostics.openBundle(p.path),
    'diagnostics.bundleTree': async (p) => diagnostics.tree(p.bundleId),
    'diagnostics.bundleFile': async (p) => diagnostics.file(p.bundleId, p.path),
    'diagnostics.searchLogs': async (p) => diagnostics.search(p.bundleId, p),
    'diagnostics.bundleDomains': async (p) => diagnostics.domains(p.bundleId),
    'diagnostics.closeBundle': async (p) => (diagnostics.close(p.bundleId), { closed: true as const }),
    'health.catalogue': async () => ({ checks: CATALOGUE.checks }),
    'health.run': async () => ({ findings: await health.run() }),
    'alerts.list': async (p) => ({ alerts: health.alerts.values().filter((a) => (!p.hostId || a.hostId === p.hostId) && (!p.vmId || a.vmId === p.vmId)) }),
    'metrics.query': (p) => metrics.query(p.target, p.from, p.to, p.maxPoints),
    'metrics.top': (p) => metrics.top(p.metric, p.periodSec, p.count),
  };

  // Resumable kinds continue what the previous run left, once everything they use is up.
  jobs.registerResumer('engine.selfTestResumable', resumeSelfTest);
  await jobs.resumePending();

  opts.logger.info('engine started', { dataDir: opts.dataDir, runtime: opts.runtime, sqlite: dbInfo.sqliteVersion });

  return {
    dataDir: opts.dataDir,
    call: (method, params, signal) =>
      dispatch(handlers, method, params, { signal: signal ?? new AbortController().signal }) as Promise<never>,
    subscribe: (topic, filter, listener) => hub.subscribe(topic, filter, listener),
    openSession: (send) => openSession({ handlers, hub, logger: opts.logger }, send),
    attachConsole: (vmId, ticket, ws) => consoles.attach(vmId, ticket, ws),
    async close() {
      clearInterval(reconcile);
      consoles.closeAll();
      health.stop();
      await jobs.close();
      await hosts.close();
      addresses.close();
      await metrics.close();
      await history.flush();
      await db.close();
      opts.logger.info('engine stopped');
    },
  };
}
