import { Collection } from '../events/collection';

/**
 * A collection of per-host libvirt objects known by name (pools, networks): ids are `hostId/name`.
 * A whole-host fetch replaces that host's items (what vanished is removed); an event updates one.
 */
export class HostObjects<T extends { id: string; hostId: string; name: string }> {
  readonly items = new Collection<T>();

  static id(hostId: string, name: string): string {
    return `${hostId}/${name}`;
  }

  onHost(hostId: string): T[] {
    return this.items.values().filter((x) => x.hostId === hostId);
  }

  find(hostId: string, name: string): T | undefined {
    return this.items.get(HostObjects.id(hostId, name));
  }

  replaceHost(hostId: string, fresh: T[]): void {
    const keep = new Set(fresh.map((x) => x.id));
    this.items.remove(this.onHost(hostId).filter((x) => !keep.has(x.id)).map((x) => x.id));
    const changed = fresh.filter((x) => JSON.stringify(this.items.get(x.id)) !== JSON.stringify(x));
    this.items.upsert(changed);
  }

  /** One object as it is now, or null when it is gone. */
  put(hostId: string, name: string, item: T | null): void {
    if (item === null) this.items.remove([HostObjects.id(hostId, name)]);
    else if (JSON.stringify(this.items.get(item.id)) !== JSON.stringify(item)) this.items.upsert([item]);
  }

  dropHost(hostId: string): void {
    this.items.remove(this.onHost(hostId).map((x) => x.id));
  }
}
