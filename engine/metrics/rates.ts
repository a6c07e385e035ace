/**
 * Rates from two successive counter readings. Pure functions: the sampler keeps the previous
 * reading per domain and calls these; unit tests check the arithmetic.
 */
import { MIGRATION_SERIES } from './migration';
import { SERIES } from '../contract/metrics';
import type { DevCounters, DomainCounters } from './counters';

export type Values = (number | null)[];

/** Per-second rate of a cumulative counter; null when there is no previous reading or it went back (restart). */
export function rate(prev: number | null | undefined, cur: number | null | undefined, dtSec: number): number | null {
  if (prev == null || cur == null || dtSec <= 0 || cur < prev) return null;
  return (cur - prev) / dtSec;
}

export interface VmRates {
  vm: Values;
  disks: { name: string; values: Values }[];
  nics: { name: string; values: Values }[];
}

const sumOrNull = (xs: (number | null)[]): number | null => {
  let s = 0;
  let any = false;
  for (const x of xs) {
    if (x !== null) {
      s += x;
      any = true;
    }
  }
  return any ? s : null;
};

function devRates(prev: DevCounters[] | undefined, cur: DevCounters[], dt: number): { name: string; values: Values }[] {
  return cur.map((d) => {
    const p = prev?.find((x) => x.name === d.name);
    return { name: d.name, values: [0, 1, 2, 3].map((i) => rate(p?.c[i], d.c[i], dt)) };
  });
}

/**
 * One VM's values in SERIES.vm order. `hostCpus` is the host's logical CPU count. Memory used is
 * the guest's own view when the balloon reports it (available − unused), else the QEMU process's
 * resident memory bounded by the guest's size (QEMU's own overhead is the host's cost, not the
 * guest's use), else the balloon's current size.
 */
export function vmRates(prev: DomainCounters | undefined, cur: DomainCounters, dtSec: number, hostCpus: number): VmRates {
  const cpuNsPerSec = rate(prev?.cpuTime, cur.cpuTime, dtSec);
  const vcpus = cur.vcpus || 1;
  const cpu = cpuNsPerSec === null ? null : cpuNsPerSec / 1e9 / vcpus * 100;
  const cpuHost = cpuNsPerSec === null || hostCpus <= 0 ? null : cpuNsPerSec / 1e9 / hostCpus * 100;
  const waitNs = rate(prev?.vcpuWait, cur.vcpuWait, dtSec);
  const vcpuWait = waitNs === null ? null : waitNs / 1e9 / vcpus * 100;
  const kib = (x: number | null) => (x === null ? null : x * 1024);
  const memUsed =
    cur.balloonAvailable !== null && cur.balloonUnused !== null
      ? kib(cur.balloonAvailable - cur.balloonUnused)
      : cur.balloonRss !== null
        ? kib(cur.balloonCurrent !== null ? Math.min(cur.balloonRss, cur.balloonCurrent) : cur.balloonRss)
        : kib(cur.balloonCurrent);
  const swapIn = kib(rate(prev?.swapIn, cur.swapIn, dtSec));
  const swapOut = kib(rate(prev?.swapOut, cur.swapOut, dtSec));
  const disks = devRates(prev?.disks, cur.disks, dtSec);
  const nics = devRates(prev?.nics, cur.nics, dtSec);
  const col = (list: { values: Values }[], i: number) => sumOrNull(list.map((d) => d.values[i] ?? null));
  const vm: Values = [
    cpu,
    cpuHost,
    memUsed,
    kib(cur.balloonCurrent),
    swapIn,
    swapOut,
    vcpuWait,
    col(disks, 0),
    col(disks, 1),
    col(disks, 2),
    col(disks, 3),
    col(nics, 0),
    col(nics, 1),
    col(nics, 2),
    col(nics, 3),
  ];
  // The migration series follow, from job stats (host-sampler.ts).
  if (vm.length !== SERIES.vm.length - MIGRATION_SERIES.length) throw new Error('vm series layout mismatch');
  return { vm, disks, nics };
}

/** Host CPU busy % from two nodeGetCpuStats readings (ns: kernel, user, idle, iowait, …). */
export function hostCpuBusy(prev: Record<string, number> | undefined, cur: Record<string, number>): number | null {
  if (!prev) return null;
  const total = (s: Record<string, number>) => (s.kernel ?? 0) + (s.user ?? 0) + (s.idle ?? 0) + (s.iowait ?? 0);
  const busy = (s: Record<string, number>) => (s.kernel ?? 0) + (s.user ?? 0);
  const dt = total(cur) - total(prev);
  const db = busy(cur) - busy(prev);
  if (dt <= 0 || db < 0) return null;
  return (db / dt) * 100;
}

/** Host memory used in bytes from nodeGetMemoryStats (KiB: total, free, buffers, cached). */
export function hostMemory(m: Record<string, number>): { used: number | null; total: number | null } {
  if (m.total === undefined) return { used: null, total: null };
  const free = (m.free ?? 0) + (m.buffers ?? 0) + (m.cached ?? 0);
  return { used: (m.total - free) * 1024, total: m.total * 1024 };
}
