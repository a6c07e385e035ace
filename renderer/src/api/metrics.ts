import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** Metrics: series for a target over a range, and the top consumers of one metric. */

export const queryMetrics = (q: MethodParams<'metrics.query'>) => call('metrics.query', q);

export const topConsumers = (q: MethodParams<'metrics.top'>) => call('metrics.top', q);
