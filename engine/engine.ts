import fs from 'node:fs/promises';
import path from 'node:path';
import type { ServerMsg } from './contract/envelope';
import type { TopicFilter, TopicName, TopicPayload } from './contract/events';
import type { EngineInfo } from './contract/engine-info';
import type { MethodName, MethodParams, MethodResult } from './contract/methods';
import { consoleService } from './console/service';
import { diagnosticsService } from './diagnostics/service';
import { healthService } from './diagnostics/health/service';
import { engineInfoService } from './engine-info-service';
import { EventHub } from './events/event-hub';
import { historyService } from './history/service';
import { findLocalLibvirt, givenLocalLibvirt } from './hosts/local-host';
import { hostsService } from './hosts/service';
import { inventoryService } from './inventory/service';
import { jobsService } from './jobs/service';
import type { Logger } from './logger';
import { metricsService } from './metrics/service';
import { dispatch } from './rpc/dispatch';
import { openSession, type Session } from './rpc/session';
import { composeHandlers, type Service } from './rpc/service';
import type { SecretCipher } from './secrets/secret-cipher';
import { SecretStore } from './secrets/secret-store';
import { settingsService } from './settings/service';
import type { SshEnvironment } from './ssh';
import { storageService } from './storage/service';
import { transferService, type TransferEndpoints } from './storage/transfer/service';
import type { TransferApi } from './storage/transfer/api';
import { networksService } from './networks/service';
import { Db } from './store/db';
import { vmsService } from './vms/service';
import { placementService } from './placement/service';
import { migrationService } from './migration/service';
import { maintenanceService } from './maintenance/service';
import { migrationMover } from './maintenance/mover';
import { cloneService } from './clone/service';
import { snapshotsService } from './snapshots/service';
import { perfService } from './perf/service';
import { warmStartService } from './inventory/warm-start';
import { LOCAL_HOST_ID } from './hosts/host-manager';
import { libraryService } from './library/service';
import { leasesService } from './leases/service';
import { poolApiService, type PoolApiDeps } from './poolapi/service';
import type { WebSocket } from 'ws';

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
  /** Where clients reach transfer URLs (upload/download) when not the UI's own origin: the app's loopback server (http://). */
  transferOrigin?: () => string | null;
  /**
   * Whether background work runs: metrics sampling, the periodic health checks, the inventory
   * reconcile. The app and `hangar serve` want it (the default); a one-shot command such as
   * `hangar gather` does not, and every method still answers.
   */
  background?: boolean;
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
  /** The transfer endpoints' tickets (engine/server/transfer-http.ts) and the engine-side upload (the CLI). */
  readonly transfers: TransferApi & TransferEndpoints;
  /** The services it is made of, which methods each answers, and whether its background work runs. */
  readonly services: ReadonlyArray<{ name: string; methods: MethodName[]; background: boolean }>;
  /** What `hangar serve --pools-listen` serves: the leases engine and the API tokens. */
  readonly poolApi: PoolApiDeps;
  close(): Promise<void>;
}

/**
 * Builds the engine: Node only, never Electron; runs in the app, in `hangar serve` and in tests.
 * It only composes: each capability folder's service registers its own handlers and topics and
 * follows the fleet's events itself.
 */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const startedAt = Date.now();
  const { logger, dataDir } = opts;
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const db = await Db.open(path.join(dataDir, 'hangar.db'));
  const dbInfo = await db.info();
  const hub = new EventHub();
  const secrets = new SecretStore(db, opts.secrets);
  const local = opts.localLibvirt === 'none' ? null : opts.localLibvirt ? givenLocalLibvirt(opts.localLibvirt) : await findLocalLibvirt(logger);

  const settings = await settingsService({ db, hub });
  const current = () => settings.settings.get();
  const jobs = await jobsService({ db, hub, logger });
  const hosts = hostsService({ db, hub, secrets, jobs: jobs.runner, logger, ssh: opts.ssh, local });
  const fleet = hosts.fleet;
  const inventory = inventoryService({ hub, logger, fleet, addressIntervalMs: () => current().metricsIntervalSec * 1000 });
  const vmsOf = () => inventory.inventory.vms.values();
  // The last-known inventory from SQLite, before any host connects (issue 20: instant start).
  const warm = await warmStartService({ db, logger, fleet, inventory: inventory.inventory, localId: local ? LOCAL_HOST_ID : null });
  const history = await historyService({ db, hub, logger, fleet, vm: (id) => inventory.inventory.get(id) });
  const metrics = await metricsService({ db, hub, logger, fleet, inventory: inventory.inventory, settings: current });
  const placement = await placementService({ db, hub, logger, fleet, inventory: inventory.inventory, jobs: jobs.runner, settings: current });
  const library = await libraryService({ db, hub, fleet, jobs: jobs.runner, vm: (id) => inventory.inventory.get(id), transfer: () => transfer.transfers });
  const vms = vmsService({ fleet, inventory: inventory.inventory, jobs: jobs.runner, settings: current, placement: placement.placement, library: library.library });
  const snapshots = snapshotsService({ fleet, inventory: inventory.inventory, jobs: jobs.runner, settings: current });
  const clone = cloneService({ fleet, inventory: inventory.inventory, jobs: jobs.runner, placement: placement.placement, createVm: (p) => vms.vms.create(p), prepareSnapshot: (p) => snapshots.prepareCreate(p) });
  const consoles = consoleService({ fleet, inventory: inventory.inventory, logger, origin: opts.consoleOrigin ?? (() => null) });
  const health = await healthService({ db, hub, logger, fleet, jobs: jobs.runner, inventory: inventory.inventory });
  const diagnostics = diagnosticsService({ dataDir, fleet, vms: vmsOf, jobs: jobs.runner, history: history.log, health: health.health, settings: current });
  const storage = storageService({ fleet, hub, jobs: jobs.runner, logger, library: library.library });
  const networks = networksService({ fleet, hub, jobs: jobs.runner, logger });
  const transfer = transferService({ fleet, pools: storage.pools, jobs: jobs.runner, logger, origin: opts.transferOrigin ?? opts.consoleOrigin ?? (() => null) });
  const info = engineInfoService({ runtime: opts.runtime, dataDir, sqliteVersion: dbInfo.sqliteVersion, secrets, startedAt });

  const migration = migrationService({ fleet, inventory: inventory.inventory, jobs: jobs.runner, placement: placement.placement, settings: current, hub, logger });
  const maintenance = maintenanceService({ fleet, inventory: inventory.inventory, jobs: jobs.runner, mover: migrationMover(migration.migration) });
  const leases = leasesService({ db, fleet, inventory: inventory.inventory, jobs: jobs.runner, placement: placement.placement, logger, ...(process.env.HANGAR_LEASE_REAP_MS ? { reapIntervalMs: Number(process.env.HANGAR_LEASE_REAP_MS) } : {}) });
  const poolApi = poolApiService({ db });
  const services: Service[] = [info, settings, jobs, hosts, inventory, history, metrics, placement, vms, clone, consoles, health, diagnostics, storage, networks, migration, maintenance, snapshots, transfer, warm, library, leases, poolApi];
  services.push(perfService({ logger }));
  const { handlers, owners } = composeHandlers(services);
  for (const s of services) await s.open?.();
  const background = opts.background ?? true;
  if (background) for (const s of services) s.start?.();
  // Shutdown order matters: background work and consoles first, then running jobs (their clean-up
  // may still reach a host), then the host links, then what records their going, then the db.
  const closing: Service[] = [inventory, consoles, transfer, health, jobs, hosts, metrics, history];

  logger.info('engine started', { dataDir, runtime: opts.runtime, sqlite: dbInfo.sqliteVersion, background: background ? services.filter((s) => s.start).map((s) => s.name) : [] });

  return {
    dataDir,
    call: (method, params, signal) => dispatch(handlers, method, params, { signal: signal ?? new AbortController().signal }) as Promise<never>,
    subscribe: (topic, filter, listener) => hub.subscribe(topic, filter, listener),
    openSession: (send) => openSession({ handlers, hub, logger }, send),
    attachConsole: (vmId, ticket, ws) => consoles.consoles.attach(vmId, ticket, ws),
    transfers: transfer.transfers,
    poolApi: { leases: leases.leases, tokens: poolApi.tokens, hosts: async () => hosts.fleet.hosts.values() },
    services: services.map((s) => ({ name: s.name, methods: (Object.keys(owners) as MethodName[]).filter((m) => owners[m] === s.name), background: background && s.start !== undefined })),
    async close() {
      for (const s of closing) await s.close?.();
      for (const s of [...services].reverse()) if (!closing.includes(s)) await s.close?.();
      await db.close();
      logger.info('engine stopped');
    },
  };
}
