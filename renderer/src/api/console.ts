import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** Consoles: what a VM offers, open and close a session, and a still picture of its screen. */

export const consoleInfo = (vmId: string) => call('console.info', { vmId });

export const openConsole = (params: MethodParams<'console.open'>) => call('console.open', params);

export const closeConsole = (params: MethodParams<'console.close'>) => call('console.close', params);

export const consoleThumbnail = (vmId: string) => call('console.thumbnail', { vmId });
