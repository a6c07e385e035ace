import fs from 'node:fs/promises';
import path from 'node:path';
import { APP_VERSION } from './app-version';
import { CONTRACT_VERSION } from './contract';
import type { ServerMsg } from './contract/envelope';
import type { TopicFilter, TopicName, TopicPayload } from './contract/events';
import type { EngineInfo } from './contract/engine-info';
import type { MethodName, MethodParams, MethodResult } from './contract/methods';
import { EventHub } from './events/event-hub';
import { JobRepo } from './jobs/job-repo';
import { JobRunner } from './jobs/job-runner';
import { selfTestJob } from './jobs/self-test';
import type { Logger } from './logger';
import { dispatch } from './rpc/dispatch';
import type { Handlers } from './rpc/handlers';
import { openSession, type Session } from './rpc/session';
import type { SecretCipher } from './secrets/secret-cipher';
import { SecretStore } from './secrets/secret-store';
import { SettingsService } from './settings/settings-service';
import { Db } from './store/db';

export interface EngineOptions {
  dataDir: string;
  secrets: SecretCipher;
  logger: Logger;
  runtime: EngineInfo['runtime'];
}

export interface Engine {
  readonly dataDir: string;
  /** In-process transport: the same validation and handlers as IPC and WebSocket. */
  call<M extends MethodName>(method: M, params: MethodParams<M>, signal?: AbortSignal): Promise<MethodResult<M>>;
  subscribe<T extends TopicName>(topic: T, filter: TopicFilter<T>, listener: (payload: TopicPayload<T>) => void): () => void;
  /** A client conversation for a message-based transport (IPC, WebSocket). */
  openSession(send: (msg: ServerMsg) => void): Session;
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
    'engine.selfTest': (p) =>
      jobs.start(
        { kind: 'engine.selfTest', title: { key: 'job.selfTest.title', args: { steps: p.steps } }, cancellable: true },
        selfTestJob(p),
      ),
    'jobs.list': async (p) => ({ jobs: await jobs.list(p.limit, p.states) }),
    'jobs.get': async (p) => jobs.get(p.jobId),
    'jobs.cancel': (p) => jobs.cancel(p.jobId),
    'settings.get': async () => settings.get(),
    'settings.update': (p) => settings.update(p),
  };

  opts.logger.info('engine started', { dataDir: opts.dataDir, runtime: opts.runtime, sqlite: dbInfo.sqliteVersion });

  return {
    dataDir: opts.dataDir,
    call: (method, params, signal) =>
      dispatch(handlers, method, params, { signal: signal ?? new AbortController().signal }) as Promise<never>,
    subscribe: (topic, filter, listener) => hub.subscribe(topic, filter, listener),
    openSession: (send) => openSession({ handlers, hub, logger: opts.logger }, send),
    async close() {
      await jobs.close();
      await db.close();
      opts.logger.info('engine stopped');
    },
  };
}
