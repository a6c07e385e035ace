import type { DisplayState, Vm } from '../../../../engine/contract';

export interface VmFilter {
  text: string;
  state: DisplayState | '';
  hostId: string;
  /** OS profile, or '' for any. */
  os: string;
  /** Origin (template, base image or ISO it was made from), or '' for any. */
  origin: string;
}

export type VmSortKey = 'name' | 'host' | 'state' | 'vcpus' | 'memory';

/** Search matches the name, title, host or any label (`key=value` or either part); order is kept. */
export function filterVms(vms: Vm[], f: VmFilter, hostName: (id: string) => string): Vm[] {
  const q = f.text.trim().toLowerCase();
  return vms.filter((vm) => {
    if (f.state && vm.state !== f.state) return false;
    if (f.hostId && vm.hostId !== f.hostId) return false;
    if (f.os && vm.os !== f.os) return false;
    if (f.origin && vm.origin !== f.origin) return false;
    if (!q) return true;
    if (vm.name.toLowerCase().includes(q) || (vm.title ?? '').toLowerCase().includes(q)) return true;
    if (hostName(vm.hostId).toLowerCase().includes(q)) return true;
    return Object.entries(vm.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(q));
  });
}

/** One collator for every comparison: `localeCompare` builds a new one on each call. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

export function sortVms(vms: Vm[], key: VmSortKey, dir: 1 | -1, hostName: (id: string) => string): Vm[] {
  const by: Record<VmSortKey, (a: Vm, b: Vm) => number> = {
    name: (a, b) => collator.compare(a.name, b.name),
    host: (a, b) => collator.compare(hostName(a.hostId), hostName(b.hostId)),
    state: (a, b) => collator.compare(a.state, b.state),
    vcpus: (a, b) => a.vcpus - b.vcpus,
    memory: (a, b) => a.memoryKiB - b.memoryKiB,
  };
  return [...vms].sort((a, b) => dir * (by[key](a, b) || collator.compare(a.name, b.name)));
}
