import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** The engine itself: what it is, and the self-test job that shows the task machinery working. */

export const getEngineInfo = () => call('engine.info', {});

export const runSelfTest = (params: MethodParams<'engine.selfTest'>) => call('engine.selfTest', params);
