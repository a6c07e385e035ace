import { create } from 'zustand';
import type { CollectionFeed, Job } from '../../../engine/contract';
import type { HangarClient } from '../api/client';

interface JobsState {
  byId: Record<string, Job>;
  version: number;
}

export const useJobs = create<JobsState>(() => ({ byId: {}, version: -1 }));

/** Applies the `jobs` collection feed; a version gap means events were missed: resubscribe. */
export function bindJobs(client: HangarClient): void {
  let off = () => {};
  const onFeed = (feed: CollectionFeed<Job>) => {
    if (feed.kind === 'snapshot') {
      useJobs.setState({ byId: Object.fromEntries(feed.items.map((j) => [j.id, j])), version: feed.version });
      return;
    }
    const { version, byId } = useJobs.getState();
    if (feed.version !== version + 1) {
      off();
      off = client.subscribe('jobs', {}, onFeed);
      return;
    }
    const next = { ...byId };
    for (const j of feed.upsert) next[j.id] = j;
    for (const id of feed.remove) delete next[id];
    useJobs.setState({ byId: next, version: feed.version });
  };
  off = client.subscribe('jobs', {}, onFeed);
}

export const sortedJobs = (byId: Record<string, Job>): Job[] =>
  Object.values(byId).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
