/** Messages between the engine and the SQLite worker thread. */
import type { ChunkOp } from '../metrics/chunk-store';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = SqlValue[] | Record<string, SqlValue>;

export type DbOp =
  | { op: 'run'; sql: string; params?: SqlParams }
  | { op: 'get'; sql: string; params?: SqlParams }
  | { op: 'all'; sql: string; params?: SqlParams }
  /** Several writes in one transaction: how batched writes stay cheap. */
  | { op: 'batch'; statements: { sql: string; params?: SqlParams }[] }
  | { op: 'info' }
  /** Metrics chunks: encoded, decoded and compacted in the worker (engine/metrics/chunk-store.ts). */
  | ChunkOp
  | { op: 'close' };

export type DbRequest = { id: number } & DbOp;
export type DbReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; message: string };

export interface DbInfo {
  sqliteVersion: string;
  userVersion: number;
  journalMode: string;
}
