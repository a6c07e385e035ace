import type { LibraryCopy } from '../contract/library';
import { backingOf } from '../clone/linked-users';
import type { LibvirtConnection } from '../libvirt';
import { diskUsers } from '../storage/storage-users';

/** How deep a backing chain is followed looking for the template (a clone of a clone of it…). */
const MAX_DEPTH = 8;
/** Volume look-ups in flight at once on the host's one libvirt connection (a host may have hundreds of disks). */
const PARALLEL = 16;

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * The VM definitions on a host that use a library copy: an ISO in a drive, or a disk whose qcow2
 * backing chain reaches the template file (a linked clone). Full copies made from it do not count:
 * they stand alone, and keep running when it is deleted (seed 002 L746).
 */
export async function copyUsers(conn: LibvirtConnection, copy: Pick<LibraryCopy, 'path' | 'pool' | 'volume'>): Promise<string[]> {
  const users = await diskUsers(conn);
  const direct = (s: string) => s === copy.path || s === `${copy.pool}/${copy.volume}`;
  // Each disk's chain, one level at a time for every disk at once.
  const reaches = new Map<string, boolean>();
  let frontier = new Map<string, string>(); // disk source → the file its chain has reached so far
  for (const u of users) for (const s of u.sources) if (s.startsWith('/') && !direct(s)) frontier.set(s, s);
  for (let depth = 0; depth < MAX_DEPTH && frontier.size > 0; depth++) {
    const entries = [...frontier.entries()];
    const backings = await mapLimit(entries, PARALLEL, ([, file]) => backingOf(conn, file).catch(() => null));
    const next = new Map<string, string>();
    entries.forEach(([src], i) => {
      const b = backings[i];
      if (b === copy.path) reaches.set(src, true);
      else if (b) next.set(src, b);
    });
    frontier = next;
  }
  return users
    .filter((u) => [...u.sources].some((s) => direct(s) || reaches.get(s)))
    .map((u) => u.name)
    .sort();
}
