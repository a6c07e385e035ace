import type { DisplayState, VmAction } from '../../../../engine/contract';

/**
 * Which power actions make sense in each display state, for the VM list's row button and menu
 * (issue 19). Pure, so the rule is tested once and every state is covered. The first valid
 * action is the row's primary button (Start or Shut down, as Cockpit puts it).
 */
const VALID: Record<DisplayState, readonly VmAction[]> = {
  running: ['shutdown', 'reboot', 'pause', 'save', 'reset', 'forceOff'],
  stopped: ['start', 'startPaused'],
  paused: ['resume', 'save', 'forceOff'],
  // A saved (managed-save) VM resumes where it was with Start; Force off would only drop the image.
  suspended: ['start', 'startPaused'],
  crashed: ['start', 'forceOff'],
  error: ['start', 'forceOff'],
  starting: ['forceOff'],
  stopping: ['forceOff'],
  // libvirt refuses power changes mid-migration; the migration job is what to cancel.
  migrating: [],
  // The host cannot be reached: nothing can be asked of the VM.
  unknown: [],
};

/** Power actions the list offers at all (autostart switches live on the Overview). */
export const LIST_ACTIONS: readonly VmAction[] = ['start', 'startPaused', 'shutdown', 'reboot', 'pause', 'resume', 'save', 'reset', 'forceOff'];

export function listActionsFor(state: DisplayState): { primary: VmAction | null; others: VmAction[] } {
  const valid = VALID[state];
  return { primary: valid[0] ?? null, others: valid.slice(1) };
}

export function isListActionValid(action: VmAction, state: DisplayState): boolean {
  return VALID[state].includes(action);
}
