import type { MethodParams } from '../../../engine/contract';
import { call } from './call';

/** The event history of the fleet, a host or a VM. */

export const listEvents = (q: MethodParams<'events.list'>) => call('events.list', q);
