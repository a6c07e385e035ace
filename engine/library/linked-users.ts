import type { LibraryCopy } from '../contract/library';
import { backingOf } from '../clone/linked-users';
import type { LibvirtConnection } from '../libvirt';
import { diskUsers } from '../storage/storage-users';

/** How deep a backing chain is followed looking for the template (a clone of a clone of it…). */
const MAX_DEPTH = 8;

/**
 * The VM definitions on a host that use a library copy: an ISO in a drive, or a disk whose qcow2
 * backing chain reaches the template file (a linked clone). Full copies made from it do not count:
 * they stand alone, and keep running when it is deleted (seed 002 L746).
 */
export async function copyUsers(conn: LibvirtConnection, copy: Pick<LibraryCopy, 'path' | 'pool' | 'volume'>): Promise<string[]> {
  const users: string[] = [];
  const chainCache = new Map<string, boolean>();
  const reaches = async (path: string): Promise<boolean> => {
    if (path === copy.path || path === `${copy.pool}/${copy.volume}`) return true;
    const cached = chainCache.get(path);
    if (cached !== undefined) return cached;
    let p: string | null = path;
    let found = false;
    for (let depth = 0; p && depth < MAX_DEPTH; depth++) {
      p = await backingOf(conn, p).catch(() => null);
      if (p === copy.path) {
        found = true;
        break;
      }
    }
    chainCache.set(path, found);
    return found;
  };
  for (const u of await diskUsers(conn)) {
    for (const s of u.sources) {
      if (await reaches(s)) {
        users.push(u.name);
        break;
      }
    }
  }
  return users.sort();
}
