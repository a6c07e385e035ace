import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** The engine itself: the self-test job that shows the task machinery working. */

export const runSelfTest = (params: MethodParams<'engine.selfTest'>) => call('engine.selfTest', params);
