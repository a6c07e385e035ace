import { useEffect, useState } from 'react';
import type { MetricsGroup, MetricsQueryResult, MetricsTarget } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { useEngine } from '../../stores/engine-store';
import { resolveRange, type TimeRange } from './ranges';
import { queryMetrics } from '../../api/metrics';

export interface MetricsView {
  result: MetricsQueryResult | null;
  /** The window shown, epoch ms (slides with live data). */
  window: [number, number];
  error: HangarError | null;
  loading: boolean;
}

const byKey = (groups: readonly MetricsGroup[]) => new Map(groups.map((g) => [g.key, g]));

/**
 * A chart's data for a target and range. Ranges that end now follow the live samples: at raw
 * resolution each sample is appended (and the oldest dropped); coarser views re-query each minute.
 */
export function useMetrics(target: MetricsTarget | null, range: TimeRange): MetricsView {
  const client = useEngine((s) => s.client);
  // Asked again when the connection comes back: a reconnect loses the live samples in between.
  const online = useEngine((s) => s.status === 'connected');
  const [view, setView] = useState<MetricsView>(() => {
    const r = resolveRange(range);
    return { result: null, window: [r.from, r.to], error: null, loading: true };
  });
  const targetKey = JSON.stringify(target);
  const rangeKey = JSON.stringify(range);

  useEffect(() => {
    if (!client || !target || !online) return;
    let cancelled = false;
    const { from, to, live } = resolveRange(range);
    let windowMs = to - from;
    const load = () =>
      queryMetrics({ target, from: live ? Date.now() - windowMs : from, ...(live ? {} : { to }) }).then(
        (result) => !cancelled && setView({ result, window: live ? [Date.now() - windowMs, Date.now()] : [from, to], error: null, loading: false }),
        (e: unknown) => !cancelled && setView({ result: null, window: [from, to], error: HangarError.from(e), loading: false }),
      );
    setView((v) => ({ ...v, window: [from, to], loading: true }));
    void load();
    if (!live) return () => void (cancelled = true);
    const filter = target.kind === 'vm' ? { vmId: target.vmId } : { hostId: target.kind === 'host' ? target.hostId : 'fleet' };
    const unsub = client.subscribe('metrics.sample', filter, (s) => {
      setView((v) => {
        if (!v.result) return v;
        const groups = byKey(v.result.groups);
        let changed = false;
        const now = Date.now();
        const cutoff = now - windowMs;
        // Raw views append each sample; bucketed views show it as their newest bucket.
        const raw = v.result.resolution === 'raw';
        const at = raw ? s.at : Math.floor(s.at / v.result.stepMs) * v.result.stepMs;
        for (const e of s.entities) {
          // The subscription carries only this target's entities: one not seen yet (a new NIC, or
          // a store that was empty when the chart opened) starts its own series here.
          const g = groups.get(e.key) ?? { key: e.key, kind: e.kind, label: e.label, t: [], avg: e.values.map(() => []), max: e.values.map(() => []) };
          changed = true;
          const keep = g.t.findIndex((x) => x >= cutoff);
          const drop = keep < 0 ? g.t.length : keep;
          const same = !raw && g.t.length > 0 && g.t[g.t.length - 1] === at ? 1 : 0;
          const end = g.t.length - same;
          groups.set(e.key, {
            ...g,
            t: [...g.t.slice(drop, end), at],
            avg: g.avg.map((col, i) => [...col.slice(drop, end), e.values[i] ?? null]),
            max: g.max.map((col, i) => [...col.slice(drop, end), e.values[i] ?? null]),
          });
        }
        return changed ? { ...v, window: [cutoff, now], result: { ...v.result, groups: [...groups.values()] } } : v;
      });
    });
    // Coarser views (and new devices) catch up by asking again.
    const timer = setInterval(() => void load(), 60_000);
    return () => {
      cancelled = true;
      unsub();
      clearInterval(timer);
      windowMs = 0;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed by value
  }, [client, online, targetKey, rangeKey]);

  return view;
}
