/**
 * The SQLite worker thread. better-sqlite3 is synchronous, so it lives here and the engine's
 * thread (Electron's main thread in the app) only ever awaits messages. Loaded directly by Node
 * (type stripping in tests, bundled in builds), hence explicit `.ts` imports and erasable syntax.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { migrations } from './migrations.ts';
import type { DbReply, DbRequest, SqlParams } from './db-protocol.ts';

const { file } = workerData as { file: string };
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.pragma('busy_timeout = 5000');

function migrate(): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  // In version order whatever order branches appended them in (a lower number after a higher one would be skipped).
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
migrate();

const cache = new Map<string, Database.Statement>();
function stmt(sql: string): Database.Statement {
  let s = cache.get(sql);
  if (!s) {
    s = db.prepare(sql);
    cache.set(sql, s);
  }
  return s;
}
const bind = (params: SqlParams | undefined): unknown[] => (params === undefined ? [] : [params]);

function handle(req: DbRequest): unknown {
  switch (req.op) {
    case 'run': {
      const r = stmt(req.sql).run(...bind(req.params));
      return { changes: r.changes, lastInsertRowid: Number(r.lastInsertRowid) };
    }
    case 'get':
      return stmt(req.sql).get(...bind(req.params)) ?? null;
    case 'all':
      return stmt(req.sql).all(...bind(req.params));
    case 'batch':
      db.transaction(() => {
        for (const s of req.statements) stmt(s.sql).run(...bind(s.params));
      })();
      return { count: req.statements.length };
    case 'info':
      return {
        sqliteVersion: (db.prepare('select sqlite_version() as v').get() as { v: string }).v,
        userVersion: db.pragma('user_version', { simple: true }),
        journalMode: db.pragma('journal_mode', { simple: true }),
      };
    case 'close':
      db.close();
      return null;
  }
}

parentPort!.on('message', (req: DbRequest) => {
  let reply: DbReply;
  try {
    reply = { id: req.id, ok: true, value: handle(req) };
  } catch (err) {
    reply = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
  if (req.op === 'close') process.exit(0);
});
