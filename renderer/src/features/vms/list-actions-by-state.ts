import type { DisplayState, VmAction } from '../../../../engine/contract';
import { whyNot } from './action-rules';

/**
 * The VM list's row button and menu (issue 19). Which actions are valid is the VM page's rule
 * (action-rules.ts, one rule for page, bulk and rows); this only orders them: the first valid one
 * is the row's primary button (Start, Resume or Shut down, as Cockpit puts it), the rest go in the
 * menu, and invalid ones are not offered at all.
 */
export const LIST_ACTIONS: readonly VmAction[] = ['start', 'resume', 'shutdown', 'startPaused', 'reboot', 'pause', 'save', 'reset', 'forceOff'];

export function listActionsFor(state: DisplayState): { primary: VmAction | null; others: VmAction[] } {
  const valid = LIST_ACTIONS.filter((a) => whyNot(a, state) === null);
  return { primary: valid[0] ?? null, others: valid.slice(1) };
}
