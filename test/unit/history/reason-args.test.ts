import { describe, expect, it } from 'vitest';
import { reasonArgs } from '../../../engine/history/service';

describe('a failed task in the history keeps its reason in words', () => {
  it('carries the Message key and args an error sent, beside the English text', () => {
    const args = reasonArgs({ code: 'CONFLICT', message: 'lab2 still has 2 VM(s)', details: { message: { key: 'maintenance.err.removeHasVms', args: { host: 'lab2', count: 2, names: 'a, b' } } } });
    expect(args).toEqual({ reason: 'lab2 still has 2 VM(s)', reasonKey: 'maintenance.err.removeHasVms', 'reason.host': 'lab2', 'reason.count': 2, 'reason.names': 'a, b' });
  });
  it('keeps only the English text when the error sent no words', () => {
    expect(reasonArgs({ code: 'LIBVIRT_ERROR', message: 'boom', details: { message: 'not a Message' } })).toEqual({ reason: 'boom' });
  });
});
