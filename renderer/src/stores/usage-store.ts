import { useEffect } from 'react';
import { create } from 'zustand';
import { SERIES, type MetricsSample } from '../../../engine/contract';
import { useEngine } from './engine-store';

/** The newest CPU and memory figures of one VM or host, and a short CPU trail for a sparkline. */
export interface Usage {
  at: number;
  /** % of the VM's vCPUs (VMs) or % busy (hosts). */
  cpu: number | null;
  memUsed: number | null;
  memTotal: number | null;
  cpuTrail: number[];
  /** Hosts only: VMs defined and running, per the sampler. */
  vms?: number | null;
  running?: number | null;
}

interface UsageState {
  vm: Record<string, Usage>;
  host: Record<string, Usage>;
}

const TRAIL = 20;
const VM = { cpu: SERIES.vm.indexOf('cpu'), memUsed: SERIES.vm.indexOf('memUsed'), memTotal: SERIES.vm.indexOf('memTotal') };
const HOST = { cpu: SERIES.host.indexOf('cpu'), memUsed: SERIES.host.indexOf('memUsed'), memTotal: SERIES.host.indexOf('memTotal'), vms: SERIES.host.indexOf('vms'), running: SERIES.host.indexOf('running') };

/**
 * A read model of the live `metrics.sample` topic: the samples the metrics service already takes,
 * so the VM list, the Overview and the Hosts page show usage without one more call to a host.
 */
export const useUsage = create<UsageState>(() => ({ vm: {}, host: {} }));

const next = (prev: Usage | undefined, at: number, cpu: number | null, memUsed: number | null, memTotal: number | null): Usage => ({
  at,
  cpu,
  memUsed,
  memTotal,
  cpuTrail: [...(prev?.cpuTrail ?? []).slice(-(TRAIL - 1)), cpu ?? 0],
});

/** Applies a round's samples in one store update: a round brings one message per running VM. */
export function applySamples(state: UsageState, samples: readonly MetricsSample[]): UsageState {
  const vm = { ...state.vm };
  const host = { ...state.host };
  for (const s of samples) {
    for (const e of s.entities) {
      const v = e.values;
      if (e.kind === 'vm' && s.vmId) vm[s.vmId] = next(vm[s.vmId], s.at, v[VM.cpu] ?? null, v[VM.memUsed] ?? null, v[VM.memTotal] ?? null);
      else if (e.kind === 'host') host[s.hostId] = { ...next(host[s.hostId], s.at, v[HOST.cpu] ?? null, v[HOST.memUsed] ?? null, v[HOST.memTotal] ?? null), vms: v[HOST.vms] ?? null, running: v[HOST.running] ?? null };
    }
  }
  return { vm, host };
}

let users = 0;
let off: (() => void) | null = null;

/** Keeps the live feed open while a page that shows usage is on screen (counted, one subscription). */
export function useUsageFeed(): void {
  const client = useEngine((s) => s.client);
  useEffect(() => {
    if (!client) return;
    users++;
    if (!off) {
      let queue: MetricsSample[] = [];
      let timer: ReturnType<typeof setTimeout> | null = null;
      const stop = client.subscribe('metrics.sample', {}, (s) => {
        if (s.hostId === 'fleet') return;
        queue.push(s);
        timer ??= setTimeout(() => {
          const batch = queue;
          queue = [];
          timer = null;
          useUsage.setState((st) => applySamples(st, batch));
        }, 100);
      });
      off = () => {
        stop();
        if (timer) clearTimeout(timer);
      };
    }
    return () => {
      if (--users === 0 && off) {
        off();
        off = null;
      }
    };
  }, [client]);
}

/** The figures are stale when no round reported them for this long (a stopped VM, a lost host). */
export const isFresh = (u: Usage | undefined, intervalSec: number, now = Date.now()): u is Usage => !!u && now - u.at < Math.max(3 * intervalSec * 1000, 15_000);
