import type { CopyState, LibraryCopy, LibraryItem, LibraryKind } from '../contract/library';
import type { Message } from '../contract/message';
import { Collection } from '../events/collection';
import type { Db } from '../store/db';

interface ItemRow {
  id: string;
  name: string;
  kind: string;
  os_id: string;
  description: string;
  min_vcpus: number;
  min_memory_mib: number;
  min_disk_gib: number;
  bootable: number;
  format: string;
  source: string | null;
  created_at: number;
}
interface CopyRow {
  item_id: string;
  host_id: string;
  pool: string;
  volume: string;
  path: string;
  bytes: number | null;
  sha256: string | null;
  state: string;
  percent: number | null;
  error: string | null;
  shared: number;
  reach: string;
  created_at: number;
}

export type ItemFields = Omit<LibraryItem, 'copies' | 'readyOn'>;

const copyKey = (c: Pick<LibraryCopy, 'hostId' | 'pool' | 'volume'>) => `${c.hostId}/${c.pool}/${c.volume}`;

/** Where an item is usable: each Ready copy's host and every host that sees its shared pool. */
export function readyHosts(copies: readonly LibraryCopy[]): string[] {
  const hosts = new Set<string>();
  for (const c of copies) if (c.state === 'ready') for (const h of [c.hostId, ...c.reach]) hosts.add(h);
  return [...hosts].sort();
}

/**
 * The library's records in SQLite (migration 15) and, beside them, the `library` collection the
 * page follows: every write goes to the database first, then to the collection as one delta.
 */
export class LibraryStore {
  readonly items = new Collection<LibraryItem>();

  constructor(private readonly db: Db) {}

  /** Loads the records; a copy left Uploading or Verifying by an engine that stopped is an Error now. */
  async load(): Promise<void> {
    await this.db.run(`UPDATE library_copies SET state = 'error', percent = NULL, error = ? WHERE state IN ('uploading', 'verifying')`, [JSON.stringify({ key: 'library.err.interrupted' } satisfies Message)]);
    const items = await this.db.all<ItemRow>('SELECT * FROM library_items ORDER BY name');
    const copies = await this.db.all<CopyRow>('SELECT * FROM library_copies ORDER BY created_at');
    const byItem = new Map<string, LibraryCopy[]>();
    for (const c of copies) byItem.set(c.item_id, [...(byItem.get(c.item_id) ?? []), fromCopyRow(c)]);
    this.items.upsert(items.map((r) => withCopies(fromItemRow(r), byItem.get(r.id) ?? [])));
  }

  get(id: string): LibraryItem | undefined {
    return this.items.get(id);
  }

  byName(name: string): LibraryItem | undefined {
    return this.items.values().find((i) => i.name.toLowerCase() === name.toLowerCase());
  }

  async addItem(f: ItemFields): Promise<LibraryItem> {
    await this.db.run(
      `INSERT INTO library_items (id, name, kind, os_id, description, min_vcpus, min_memory_mib, min_disk_gib, bootable, format, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [f.id, f.name, f.kind, f.osId, f.description, f.minVcpus, f.minMemoryMiB, f.minDiskGiB, f.bootable ? 1 : 0, f.format, f.source, f.createdAt],
    );
    const item = withCopies(f, []);
    this.items.upsert([item]);
    return item;
  }

  async removeItem(id: string): Promise<void> {
    await this.db.batch([
      { sql: 'DELETE FROM library_copies WHERE item_id = ?', params: [id] },
      { sql: 'DELETE FROM library_items WHERE id = ?', params: [id] },
    ]);
    this.items.remove([id]);
  }

  /** Adds or replaces one copy of an item. */
  async putCopy(itemId: string, c: LibraryCopy): Promise<void> {
    await this.db.run(
      `INSERT OR REPLACE INTO library_copies (item_id, host_id, pool, volume, path, bytes, sha256, state, percent, error, shared, reach, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [itemId, c.hostId, c.pool, c.volume, c.path, c.bytes, c.sha256, c.state, c.percent, c.error ? JSON.stringify(c.error) : null, c.shared ? 1 : 0, JSON.stringify(c.reach), c.createdAt],
    );
    this.replaceCopy(itemId, c);
  }

  /**
   * A copy's state: written to the database (percent only in memory while it moves, so an upload
   * does not write SQLite per chunk), and published.
   */
  async setState(itemId: string, ref: Pick<LibraryCopy, 'hostId' | 'pool' | 'volume'>, state: CopyState, extra: Partial<Pick<LibraryCopy, 'percent' | 'error' | 'sha256' | 'bytes' | 'shared' | 'reach'>> = {}): Promise<void> {
    const old = this.get(itemId)?.copies.find((c) => copyKey(c) === copyKey(ref));
    if (!old) return;
    const next: LibraryCopy = { ...old, ...extra, state, percent: state === 'uploading' ? (extra.percent ?? old.percent ?? 0) : null, error: state === 'error' ? (extra.error ?? old.error) : null };
    const onlyPercent = old.state === state && state === 'uploading';
    if (!onlyPercent) await this.putCopy(itemId, next);
    else this.replaceCopy(itemId, next);
  }

  async removeCopy(itemId: string, ref: Pick<LibraryCopy, 'hostId' | 'pool' | 'volume'>): Promise<void> {
    await this.db.run('DELETE FROM library_copies WHERE item_id = ? AND host_id = ? AND pool = ? AND volume = ?', [itemId, ref.hostId, ref.pool, ref.volume]);
    const item = this.get(itemId);
    if (item) this.items.upsert([withCopies(item, item.copies.filter((c) => copyKey(c) !== copyKey(ref)))]);
  }

  private replaceCopy(itemId: string, c: LibraryCopy): void {
    const item = this.get(itemId);
    if (!item) return;
    const others = item.copies.filter((x) => copyKey(x) !== copyKey(c));
    this.items.upsert([withCopies(item, [...others, c])]);
  }
}

function withCopies(f: ItemFields, copies: LibraryCopy[]): LibraryItem {
  const { id, name, kind, osId, description, minVcpus, minMemoryMiB, minDiskGiB, bootable, format, source, createdAt } = f;
  return { id, name, kind, osId, description, minVcpus, minMemoryMiB, minDiskGiB, bootable, format, source, createdAt, copies, readyOn: readyHosts(copies) };
}

const fromItemRow = (r: ItemRow): ItemFields => ({
  id: r.id,
  name: r.name,
  kind: r.kind as LibraryKind,
  osId: r.os_id,
  description: r.description,
  minVcpus: r.min_vcpus,
  minMemoryMiB: r.min_memory_mib,
  minDiskGiB: r.min_disk_gib,
  bootable: r.bootable === 1,
  format: r.format,
  source: r.source,
  createdAt: r.created_at,
});

const fromCopyRow = (r: CopyRow): LibraryCopy => ({
  hostId: r.host_id,
  pool: r.pool,
  volume: r.volume,
  path: r.path,
  bytes: r.bytes,
  sha256: r.sha256,
  state: r.state as CopyState,
  percent: r.percent,
  error: r.error ? (JSON.parse(r.error) as Message) : null,
  shared: r.shared === 1,
  reach: JSON.parse(r.reach) as string[],
  createdAt: r.created_at,
});
