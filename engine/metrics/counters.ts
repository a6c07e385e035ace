/**
 * Turning one domain's bulk-stats record (virConnectGetAllDomainStats typed parameters) into the
 * cumulative counters the rate math needs. Pure; one pass over the parameters, no per-field lookups
 * by string building, because it runs for every domain every round.
 */
import type { TypedParam } from '../libvirt/protocol/types';

export interface DevCounters {
  name: string;
  /** disk: rd.bytes, wr.bytes, rd.reqs, wr.reqs; nic: rx.bytes, tx.bytes, rx.pkts, tx.pkts. */
  c: [number, number, number, number];
}

export interface DomainCounters {
  /** cpu.time, ns. */
  cpuTime: number | null;
  vcpus: number;
  /** Sum of vcpu.<n>.wait, ns. */
  vcpuWait: number | null;
  /** KiB. */
  balloonCurrent: number | null;
  balloonRss: number | null;
  balloonAvailable: number | null;
  balloonUnused: number | null;
  /** Cumulative KiB swapped in/out, as the guest reports through the balloon. */
  swapIn: number | null;
  swapOut: number | null;
  disks: DevCounters[];
  nics: DevCounters[];
}

const DISK_FIELDS: Record<string, number> = { 'rd.bytes': 0, 'wr.bytes': 1, 'rd.reqs': 2, 'wr.reqs': 3 };
const NIC_FIELDS: Record<string, number> = { 'rx.bytes': 0, 'tx.bytes': 1, 'rx.pkts': 2, 'tx.pkts': 3 };

function dev(list: DevCounters[], i: number): DevCounters {
  let d = list[i];
  if (!d) {
    d = { name: '', c: [0, 0, 0, 0] };
    list[i] = d;
  }
  return d;
}

export function parseDomainStats(params: readonly TypedParam[]): DomainCounters {
  const out: DomainCounters = {
    cpuTime: null,
    vcpus: 0,
    vcpuWait: null,
    balloonCurrent: null,
    balloonRss: null,
    balloonAvailable: null,
    balloonUnused: null,
    swapIn: null,
    swapOut: null,
    disks: [],
    nics: [],
  };
  for (const p of params) {
    const f = p.field;
    const v = p.value;
    switch (f.charCodeAt(0)) {
      case 99: // c
        if (f === 'cpu.time' && typeof v === 'number') out.cpuTime = v;
        break;
      case 118: // v
        if (typeof v !== 'number') break;
        if (f === 'vcpu.current') out.vcpus = v;
        else if (f.endsWith('.wait')) out.vcpuWait = (out.vcpuWait ?? 0) + v;
        break;
      case 98: {
        // b: balloon.* or block.<n>.*
        if (f.startsWith('balloon.')) {
          if (typeof v !== 'number') break;
          const k = f.slice(8);
          if (k === 'current') out.balloonCurrent = v;
          else if (k === 'rss') out.balloonRss = v;
          else if (k === 'available') out.balloonAvailable = v;
          else if (k === 'unused') out.balloonUnused = v;
          else if (k === 'swap_in') out.swapIn = v;
          else if (k === 'swap_out') out.swapOut = v;
        } else if (f.startsWith('block.')) devField(out.disks, f, 6, v, DISK_FIELDS);
        break;
      }
      case 110: // n
        if (f.startsWith('net.')) devField(out.nics, f, 4, v, NIC_FIELDS);
        break;
    }
  }
  // Devices libvirt numbered but whose name never came (should not happen) are dropped.
  out.disks = out.disks.filter((d) => d && d.name);
  out.nics = out.nics.filter((d) => d && d.name);
  return out;
}

function devField(list: DevCounters[], f: string, prefix: number, v: number | boolean | string, fields: Record<string, number>): void {
  const dot = f.indexOf('.', prefix);
  if (dot < 0) return; // block.count / net.count
  const i = Number(f.slice(prefix, dot));
  if (!Number.isInteger(i)) return;
  const rest = f.slice(dot + 1);
  if (rest === 'name') {
    if (typeof v === 'string') dev(list, i).name = v;
    return;
  }
  const slot = fields[rest];
  if (slot !== undefined && typeof v === 'number') dev(list, i).c[slot] = v;
}
