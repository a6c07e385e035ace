import type { DisplayState } from '../contract/vms';
import { DomainState } from '../libvirt';

/** virDomainShutoffReason values that change what a person should see. */
const SHUTOFF_CRASHED = 3;
const SHUTOFF_SAVED = 4;
const SHUTOFF_FAILED = 6;
/** virDomainPausedReason: paused because a migration is in progress. */
const PAUSED_MIGRATION = 2;

/**
 * DESIGN §5: libvirt's state and reason, plus what a job in flight is doing, as one display state.
 * Transitional states come from jobs (`pending`), never from guesses.
 */
export function displayState(state: number, reason: number, pending?: 'starting' | 'stopping' | 'migrating'): DisplayState {
  if (pending) return pending;
  switch (state) {
    case DomainState.RUNNING:
    case DomainState.BLOCKED:
      return 'running';
    case DomainState.PAUSED:
      return reason === PAUSED_MIGRATION ? 'migrating' : 'paused';
    case DomainState.SHUTDOWN:
      return 'stopping';
    case DomainState.SHUTOFF:
      if (reason === SHUTOFF_CRASHED) return 'crashed';
      if (reason === SHUTOFF_SAVED) return 'suspended';
      if (reason === SHUTOFF_FAILED) return 'error';
      return 'stopped';
    case DomainState.CRASHED:
      return 'crashed';
    case DomainState.PMSUSPENDED:
      return 'suspended';
    default:
      return 'unknown';
  }
}
