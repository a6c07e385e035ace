import { describe, expect, it } from 'vitest';
import { Slots } from '../../../engine/ssh/slots';

describe('Slots (h1-hosts)', () => {
  it('queues beyond its capacity and hands slots over in order', async () => {
    const s = new Slots(2);
    const sig = new AbortController().signal;
    const a = await s.acquire(sig);
    const b = await s.acquire(sig);
    const order: string[] = [];
    const c = s.acquire(sig).then((r) => (order.push('c'), r));
    const d = s.acquire(sig).then((r) => (order.push('d'), r));
    expect(s.inUse).toBe(2);
    a();
    (await c)();
    b();
    (await d)();
    expect(order).toEqual(['c', 'd']);
    expect(s.inUse).toBe(0);
  });

  it('lowers its cap to what the server allowed, never below one', async () => {
    const s = new Slots(8);
    const sig = new AbortController().signal;
    const held = await Promise.all([s.acquire(sig), s.acquire(sig), s.acquire(sig)]);
    s.lowerTo(2);
    expect(s.capacity).toBe(2);
    let granted = false;
    const next = s.acquire(sig).then((r) => ((granted = true), r));
    held[0]!();
    await new Promise((r) => setTimeout(r, 10));
    expect(granted).toBe(false); // 2 in use: at the new cap
    held[1]!();
    (await next)();
    held[2]!();
    s.lowerTo(0);
    expect(s.capacity).toBe(1);
  });

  it('gives up waiting on abort', async () => {
    const s = new Slots(1);
    const ctrl = new AbortController();
    const first = await s.acquire(ctrl.signal);
    const waiting = s.acquire(ctrl.signal);
    ctrl.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    first();
    expect(s.inUse).toBe(0);
  });
});
