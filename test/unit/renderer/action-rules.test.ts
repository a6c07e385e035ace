import { describe, expect, it } from 'vitest';
import { DISPLAY_STATES, type DisplayState } from '../../../engine/contract';
import { whyNot, type VmButton } from '../../../renderer/src/features/vms/action-rules';
import { en } from '../../../renderer/src/i18n/en';
import { ko } from '../../../renderer/src/i18n/ko';

const BUTTONS: VmButton[] = ['start', 'startPaused', 'shutdown', 'forceOff', 'reboot', 'reset', 'pause', 'resume', 'save', 'delete'];
const enabled = (s: DisplayState) => BUTTONS.filter((a) => whyNot(a, s) === null);

describe('actions by state', () => {
  it('enables only what the state allows, in every display state', () => {
    expect(enabled('running')).toEqual(['shutdown', 'forceOff', 'reboot', 'reset', 'pause', 'save', 'delete']);
    expect(enabled('stopped')).toEqual(['start', 'startPaused', 'delete']);
    expect(enabled('error')).toEqual(['start', 'startPaused', 'delete']);
    expect(enabled('crashed')).toEqual(['start', 'startPaused', 'delete']);
    expect(enabled('paused')).toEqual(['forceOff', 'reset', 'resume', 'save', 'delete']);
    expect(enabled('suspended')).toEqual(['start', 'delete']);
    expect(enabled('stopping')).toEqual(['forceOff']);
    expect(enabled('starting')).toEqual([]);
    expect(enabled('migrating')).toEqual([]);
    expect(enabled('unknown')).toEqual([]);
  });
  it('says why in both languages', () => {
    expect(whyNot('reset', 'stopped')).toBe('vm.why.runningOrPaused');
    expect(whyNot('resume', 'running')).toBe('vm.why.paused');
    for (const s of DISPLAY_STATES) {
      for (const a of BUTTONS) {
        const key = whyNot(a, s);
        if (!key) continue;
        expect(en).toHaveProperty([key]);
        expect(ko).toHaveProperty([key]);
      }
    }
  });
});
