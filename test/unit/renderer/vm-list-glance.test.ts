import { describe, expect, it } from 'vitest';
import { DISPLAY_STATES, type DisplayState } from '../../../engine/contract';
import { whyNot } from '../../../renderer/src/features/vms/action-rules';
import { LIST_ACTIONS, listActionsFor } from '../../../renderer/src/features/vms/list-actions-by-state';
import { DEFAULT_COLUMNS, gridTemplate, moveColumn, parseColumns, toggleColumn, VM_COLUMNS } from '../../../renderer/src/features/vms/vm-columns';

describe('row actions by state (issue 19)', () => {
  const expected: Record<DisplayState, string | null> = {
    running: 'shutdown',
    stopped: 'start',
    paused: 'resume',
    suspended: 'start',
    crashed: 'start',
    error: 'start',
    starting: null,
    stopping: 'forceOff',
    migrating: null,
    unknown: null,
  };
  it.each(DISPLAY_STATES)('%s: the primary action and a menu of only valid others', (state) => {
    const { primary, others } = listActionsFor(state);
    expect(primary).toBe(expected[state]);
    expect(others).not.toContain(primary);
    for (const a of LIST_ACTIONS) expect(whyNot(a, state) === null).toBe(a === primary || others.includes(a));
  });
  it('never offers Start to a running VM nor Shut down to a stopped one', () => {
    expect(listActionsFor('running').others).not.toContain('start');
    expect(listActionsFor('stopped').others).not.toContain('shutdown');
    expect(listActionsFor('paused')).toEqual({ primary: 'resume', others: ['save', 'reset', 'forceOff'] });
  });
});

describe('VM list columns', () => {
  it('repairs a saved choice: unknown and repeated ids dropped, new columns appended, name always shown', () => {
    const cols = parseColumns(JSON.stringify([{ id: 'ip', shown: true }, { id: 'bogus' }, { id: 'name', shown: false }, { id: 'ip', shown: false }, { id: 'title', shown: false }]));
    expect(cols.slice(0, 3)).toEqual([
      { id: 'ip', shown: true },
      { id: 'name', shown: true },
      { id: 'title', shown: false },
    ]);
    expect(cols.map((c) => c.id).sort()).toEqual([...VM_COLUMNS].sort());
    expect(parseColumns('not json')).toEqual(DEFAULT_COLUMNS);
    expect(parseColumns('{"a":1}')).toEqual(DEFAULT_COLUMNS);
  });
  it('moves and toggles, and builds the grid template', () => {
    const moved = moveColumn(DEFAULT_COLUMNS, 'ip', -1);
    expect(moved.findIndex((c) => c.id === 'ip')).toBe(VM_COLUMNS.indexOf('ip') - 1);
    expect(moveColumn(DEFAULT_COLUMNS, 'name', -1)).toEqual(DEFAULT_COLUMNS);
    expect(toggleColumn(DEFAULT_COLUMNS, 'name')).toEqual(DEFAULT_COLUMNS);
    expect(toggleColumn(DEFAULT_COLUMNS, 'title').find((c) => c.id === 'title')?.shown).toBe(false);
    expect(gridTemplate(['name', 'state']).split(' ')[0]).toBe('36px');
  });
});
