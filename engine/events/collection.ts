import type { CollectionFeed } from '../contract/collection';

/**
 * An in-memory, versioned collection: the read model behind a collection topic. Every change
 * bumps the version and emits one delta, so a subscriber gets a snapshot and then deltas in order.
 */
export class Collection<T extends { id: string }> {
  private version = 0;
  private readonly items = new Map<string, T>();
  private readonly listeners = new Set<(delta: CollectionFeed<T>) => void>();

  get(id: string): T | undefined {
    return this.items.get(id);
  }
  values(): T[] {
    return [...this.items.values()];
  }

  upsert(items: T[]): void {
    if (items.length === 0) return;
    for (const item of items) this.items.set(item.id, item);
    this.emit({ kind: 'delta', version: ++this.version, upsert: items, remove: [] });
  }

  remove(ids: string[]): void {
    const removed = ids.filter((id) => this.items.delete(id));
    if (removed.length === 0) return;
    this.emit({ kind: 'delta', version: ++this.version, upsert: [], remove: removed });
  }

  snapshot(): CollectionFeed<T> {
    return { kind: 'snapshot', version: this.version, items: this.values() };
  }

  onDelta(listener: (delta: CollectionFeed<T>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(delta: CollectionFeed<T>): void {
    for (const l of this.listeners) l(delta);
  }
}
