import type { DisplayState } from '../contract/vms';
import { DomainState, PausedReason, ShutoffReason } from '../libvirt';


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
      return reason === PausedReason.MIGRATION ? 'migrating' : 'paused';
    case DomainState.SHUTDOWN:
      return 'stopping';
    case DomainState.SHUTOFF:
      if (reason === ShutoffReason.CRASHED) return 'crashed';
      if (reason === ShutoffReason.SAVED) return 'suspended';
      if (reason === ShutoffReason.FAILED) return 'error';
      return 'stopped';
    case DomainState.CRASHED:
      return 'crashed';
    case DomainState.PMSUSPENDED:
      return 'suspended';
    default:
      return 'unknown';
  }
}

/** libvirt's reason codes per state, in the words `virsh domstate --reason` uses (index = code). */
const REASONS: Partial<Record<number, readonly string[]>> = {
  [DomainState.RUNNING]: ['unknown', 'booted', 'migrated', 'restored', 'from snapshot', 'unpaused', 'migration canceled', 'save canceled', 'wakeup', 'crashed', 'post-copy'],
  [DomainState.PAUSED]: ['unknown', 'user', 'migrating', 'saving', 'dumping', 'I/O error', 'watchdog', 'from snapshot', 'shutting down', 'creating snapshot', 'starting up', 'post-copy', 'post-copy failed'],
  [DomainState.SHUTDOWN]: ['unknown', 'user'],
  [DomainState.SHUTOFF]: ['unknown', 'shutdown', 'destroyed', 'crashed', 'migrated', 'saved', 'failed', 'from snapshot', 'daemon'],
  [DomainState.CRASHED]: ['unknown', 'panicked'],
  [DomainState.PMSUSPENDED]: ['unknown'],
};

/** Why the domain is in its state, as libvirt says it; null when libvirt does not know. */
export function stateReason(state: number, reason: number): string | null {
  const r = REASONS[state]?.[reason];
  return r && r !== 'unknown' ? r : null;
}
