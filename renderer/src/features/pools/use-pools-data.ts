import { useCallback, useEffect, useState } from 'react';
import type { ApiToken, Lease, LeaseHistoryRecord, LeasePool, PoolCapacity } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { leaseHistory, listApiTokens, listLeasePools, listLeases, poolCapacity } from '../../api/pools';

export interface PoolsData {
  pools: LeasePool[];
  capacity: Record<string, PoolCapacity | HangarError>;
  leases: Lease[];
  history: LeaseHistoryRecord[];
  tokens: ApiToken[];
  error: HangarError | null;
  loaded: boolean;
}

const EMPTY: PoolsData = { pools: [], capacity: {}, leases: [], history: [], tokens: [], error: null, loaded: false };

/**
 * The Pools page's read model, asked again every few seconds while the page is open (leases
 * change state as they provision, are released and expire); `refresh` after a change.
 */
export function usePoolsData(intervalMs = 3000): PoolsData & { refresh(): void } {
  const [data, setData] = useState<PoolsData>(EMPTY);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    const load = async () => {
      try {
        const [{ pools }, { leases }, { records }, { tokens }] = await Promise.all([listLeasePools(), listLeases({}), leaseHistory({ limit: 2000 }), listApiTokens()]);
        const caps = await Promise.all(pools.map((p) => poolCapacity(p.os).then((c) => c, (e: unknown) => HangarError.from(e))));
        if (live) setData({ pools, leases, history: records, tokens, capacity: Object.fromEntries(pools.map((p, i) => [p.os, caps[i]!])), error: null, loaded: true });
      } catch (e) {
        if (live) setData((d) => ({ ...d, error: HangarError.from(e), loaded: true }));
      }
    };
    void load();
    const timer = setInterval(() => void load(), intervalMs);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [intervalMs, tick]);
  return { ...data, refresh };
}

/** Now, every second: for countdowns. */
export function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}
