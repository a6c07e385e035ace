import fs from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { HangarError } from '../contract/errors';
import type { ChunkOp } from '../metrics/chunk-store';
import type { DbInfo, DbOp, DbReply, SqlParams } from './db-protocol';

export type { SqlParams, SqlValue } from './db-protocol';

/**
 * Where the worker script is. From sources (tests) it is the .ts beside this file, run by Node's
 * type stripping; in a build, scripts/build.mjs emits `db-worker.cjs` beside each bundle.
 */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./db-worker.ts', here) : new URL('./db-worker.cjs', here);
}

/** Async handle on the SQLite database living in a worker thread. */
export class Db {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private closed = false;

  private constructor(file: string) {
    this.worker = new Worker(workerUrl(), { workerData: { file } });
    this.worker.on('message', (reply: DbReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new HangarError('INTERNAL', `database: ${reply.message}`));
    });
    this.worker.on('error', (err) => this.failAll(err));
    this.worker.on('exit', () => this.failAll(new Error('database worker exited')));
  }

  /**
   * Opens (creating and migrating as needed) the database file. It holds host keys, job history
   * and encrypted secrets: it is created owner-only before SQLite sees it, and SQLite gives its
   * -wal and -shm files the database's own mode. A file an older version left open is tightened.
   */
  static async open(file: string): Promise<Db> {
    if (process.platform !== 'win32') {
      await (await fs.open(file, 'a', 0o600)).close();
      await Promise.all(['', '-wal', '-shm'].map((s) => fs.chmod(file + s, 0o600).catch(() => undefined)));
    }
    const db = new Db(file);
    await db.info(); // surfaces open/migration errors here rather than on first use
    return db;
  }

  private failAll(err: Error): void {
    this.closed = true;
    for (const p of this.pending.values()) p.reject(new HangarError('INTERNAL', `database: ${err.message}`));
    this.pending.clear();
  }

  private send<T>(op: DbOp): Promise<T> {
    if (this.closed) return Promise.reject(new HangarError('INTERNAL', 'database is closed'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, ...op });
    });
  }

  run(sql: string, params?: SqlParams): Promise<{ changes: number; lastInsertRowid: number }> {
    return this.send({ op: 'run', sql, params });
  }
  get<T>(sql: string, params?: SqlParams): Promise<T | null> {
    return this.send({ op: 'get', sql, params });
  }
  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.send({ op: 'all', sql, params });
  }
  batch(statements: { sql: string; params?: SqlParams }[]): Promise<{ count: number }> {
    return this.send({ op: 'batch', statements });
  }
  /** Metrics chunk storage work, done in the worker (engine/metrics/chunk-store.ts). */
  chunks<T>(op: ChunkOp): Promise<T> {
    return this.send(op);
  }
  info(): Promise<DbInfo> {
    return this.send({ op: 'info' });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Close the database before the thread ends: terminating mid-call can crash native code.
    await this.send({ op: 'close' }).catch(() => undefined);
    this.closed = true;
    await this.worker.terminate().catch(() => undefined);
  }
}
