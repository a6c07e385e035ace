import { create, type StoreApi, type UseBoundStore } from 'zustand';
import type { CollectionFeed } from '../../../engine/contract';
import type { HangarClient } from '../api/client';

export interface CollectionState<T> {
  byId: Record<string, T>;
  version: number;
  /** False until the first snapshot arrived: lets a page tell "loading" from "empty". */
  loaded: boolean;
}

type CollectionTopic = 'jobs' | 'hosts' | 'vms' | 'alerts' | 'pools' | 'networks' | 'library';

/**
 * A zustand read model of one collection topic: the snapshot, then deltas applied in order. A
 * version gap means events were missed, so it resubscribes and starts again from a snapshot.
 */
export function createCollectionStore<T extends { id: string }>() {
  const useStore: UseBoundStore<StoreApi<CollectionState<T>>> = create<CollectionState<T>>(() => ({ byId: {}, version: -1, loaded: false }));

  function bind(client: HangarClient, topic: CollectionTopic): void {
    let off = () => {};
    const onFeed = (feed: CollectionFeed<T>) => {
      if (feed.kind === 'snapshot') {
        // For the first-render benchmarks (bench:relaunch, bench:ui-list): when the data arrived.
        if (!useStore.getState().loaded) performance.mark(`hangar:${topic}-snapshot`);
        useStore.setState({ byId: Object.fromEntries(feed.items.map((x) => [x.id, x])), version: feed.version, loaded: true });
        return;
      }
      const { version, byId } = useStore.getState();
      if (feed.version !== version + 1) {
        off();
        off = client.subscribe(topic, {}, onFeed as never);
        return;
      }
      const next = { ...byId };
      for (const x of feed.upsert) next[x.id] = x;
      for (const id of feed.remove) delete next[id];
      useStore.setState({ byId: next, version: feed.version });
    };
    off = client.subscribe(topic, {}, onFeed as never);
  }

  return { useStore, bind };
}
