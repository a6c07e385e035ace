import type { DisplayState, VmAction } from '../../../../engine/contract';

/** The buttons on a VM's page, with Delete: what the state rules below speak of. */
export type VmButton = VmAction | 'delete';

/** What a VM must be for an action, named as the tooltip names it. */
type Need = 'running' | 'paused' | 'runningOrPaused' | 'off' | 'offOrSuspended' | 'settled';

const NEEDS: Record<VmButton, Need> = {
  start: 'offOrSuspended',
  startPaused: 'off',
  shutdown: 'running',
  forceOff: 'runningOrPaused',
  reboot: 'running',
  reset: 'runningOrPaused',
  pause: 'running',
  resume: 'paused',
  save: 'runningOrPaused',
  autostartOn: 'settled',
  autostartOff: 'settled',
  delete: 'settled',
};

const OFF: readonly DisplayState[] = ['stopped', 'crashed', 'error'];
const BUSY: readonly DisplayState[] = ['starting', 'stopping', 'migrating'];

const meets = (need: Need, s: DisplayState): boolean => {
  switch (need) {
    case 'running':
      return s === 'running';
    case 'paused':
      return s === 'paused';
    case 'runningOrPaused':
      return s === 'running' || s === 'paused';
    case 'off':
      return OFF.includes(s);
    case 'offOrSuspended':
      return OFF.includes(s) || s === 'suspended';
    case 'settled':
      return !BUSY.includes(s) && s !== 'unknown';
  }
};

/**
 * Why an action cannot be taken in this display state (an i18n key, the action's name as `{action}`),
 * or null when it can. Force off stays available while a guest is shutting down: that is when a
 * person reaches for it.
 */
export type WhyNot = `vm.why.${Need | 'busy' | 'unknown'}`;

export function whyNot(action: VmButton, state: DisplayState): WhyNot | null {
  if (state === 'unknown') return 'vm.why.unknown';
  if (action === 'forceOff' && state === 'stopping') return null;
  const need = NEEDS[action];
  if (meets(need, state)) return null;
  if (BUSY.includes(state)) return 'vm.why.busy';
  return `vm.why.${need}`;
}
