import { describe, expect, it } from 'vitest';
import type { CollectionFeed } from '../../../engine/contract';
import { HostObjects } from '../../../engine/inventory/host-objects';

type Item = { id: string; hostId: string; name: string; v: number };
const item = (hostId: string, name: string, v = 0): Item => ({ id: HostObjects.id(hostId, name), hostId, name, v });

describe('per-host objects (pools, networks)', () => {
  it('a whole-host read replaces that host only, and an unchanged item sends no delta', () => {
    const o = new HostObjects<Item>();
    const deltas: CollectionFeed<Item>[] = [];
    o.items.onDelta((d) => deltas.push(d));
    o.replaceHost('a', [item('a', 'p1'), item('a', 'p2')]);
    o.replaceHost('b', [item('b', 'p1')]);
    deltas.length = 0;
    o.replaceHost('a', [item('a', 'p1'), item('a', 'p3')]);
    expect(deltas).toEqual([
      { kind: 'delta', version: 3, upsert: [], remove: ['a/p2'] },
      { kind: 'delta', version: 4, upsert: [item('a', 'p3')], remove: [] },
    ]);
    o.put('a', 'p1', item('a', 'p1'));
    expect(deltas).toHaveLength(2);
    o.put('a', 'p1', item('a', 'p1', 1));
    o.put('a', 'p3', null);
    expect(o.onHost('a').map((x) => x.v)).toEqual([1]);
    o.dropHost('b');
    expect(o.items.values().map((x) => x.id)).toEqual(['a/p1']);
  });
});
