import type { Job } from '../../../engine/contract';
import { createCollectionStore } from './collection-store';

const jobs = createCollectionStore<Job>();
export const useJobs = jobs.useStore;
export const bindJobs = (client: Parameters<typeof jobs.bind>[0]) => jobs.bind(client, 'jobs');

export const sortedJobs = (byId: Record<string, Job>): Job[] =>
  Object.values(byId).sort((a, b) => b.createdAt - a.createdAt || b.id.localeCompare(a.id));
