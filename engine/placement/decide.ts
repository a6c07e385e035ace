import type { HostCapacity, HostRefusal, PlacementStrategy } from '../contract/placement';
import type { Message } from '../contract/message';
import { hostCapacity } from './capacity';
import type { PlacementHost, PlacementRequest, PlacementSnapshot } from './request';

/** A preferred rule outweighs the strategy (whose score is at most 1): one kept rule beats any balance. */
const SOFT_RULE_WEIGHT = 10;
const PREFERRED_TAG_WEIGHT = 5;

export interface HostVerdict {
  host: PlacementHost;
  capacity: HostCapacity | null;
  /** Why the host cannot take the VM; empty when it can. */
  reasons: Message[];
  /** What a preferred rule could not keep there, said if the host is chosen. */
  warnings: Message[];
  /** Preferences kept (positive) or broken (negative). */
  weight: number;
}

export type Decision =
  | { ok: true; host: PlacementHost; capacity: HostCapacity; warnings: Message[]; verdicts: HostVerdict[] }
  | { ok: false; refusals: HostRefusal[]; verdicts: HostVerdict[] };

const m = (key: string, args: Record<string, string | number> = {}): Message => ({ key, args });

/** Where each member of a group is: the hosts it runs on, or is defined on while stopped. */
function memberHosts(snap: PlacementSnapshot, groupId: string, uuids: Set<string>, self?: string): Map<string, string[]> {
  const where = new Map<string, string[]>();
  const add = (hostId: string, name: string) => where.set(hostId, [...(where.get(hostId) ?? []), name]);
  for (const uuid of uuids) {
    if (uuid === self) continue;
    const copies = snap.vms.filter((v) => v.uuid === uuid);
    const active = copies.filter((v) => v.active);
    for (const v of active.length ? active : copies) add(v.hostId, v.name);
  }
  for (const r of snap.reservations) if (r.groupIds.includes(groupId)) add(r.hostId, r.vmName);
  return where;
}

/** The filters that do not depend on capacity: state, maintenance, tags and taints, pool, network, volumes, CPU. */
function staticReasons(req: PlacementRequest, host: PlacementHost, snap: PlacementSnapshot, warnings: Message[]): Message[] {
  const why: Message[] = [];
  const name = host.name;
  if (req.excludeHostIds?.includes(host.id)) return [m('placement.why.excluded', { host: name })];
  if (host.state !== 'connected') return [m('placement.why.notConnected', { host: name, state: host.state })];
  if (host.maintenance && host.maintenance !== 'none') why.push(m('placement.why.maintenance', { host: name }));
  const f = host.facts;
  if (!f) return [...why, m('placement.why.noFacts', { host: name })];
  const need = req.requiredTags ?? [];
  const missing = need.filter((t) => !host.tags.includes(t));
  if (missing.length) why.push(m('placement.why.missingTags', { host: name, tags: missing.join(', ') }));
  const taints = snap.settings(host.id).taints.filter((t) => !need.includes(t));
  if (taints.length) why.push(m('placement.why.tainted', { host: name, tags: taints.join(', ') }));
  if (req.pool && !f.pools.some((p) => p.name === req.pool)) why.push(m('placement.why.noPool', { host: name, pool: req.pool }));
  else if (req.pool && !f.pools.some((p) => p.name === req.pool && p.active)) why.push(m('placement.why.poolInactive', { host: name, pool: req.pool }));
  if (req.network && !host.networkFallback && !f.networks.some((n) => n.name === req.network)) why.push(m('placement.why.noNetwork', { host: name, network: req.network }));
  for (const v of snap.volumeProblems.get(host.id) ?? []) {
    why.push(v.error ? m('placement.why.volumeUnchecked', { host: name, pool: v.pool, volume: v.volume, error: v.error }) : m('placement.why.noVolume', { host: name, pool: v.pool, volume: v.volume }));
  }
  if (req.vcpus > f.cpus) why.push(m('placement.why.moreVcpusThanCpus', { host: name, vcpus: req.vcpus, cpus: f.cpus }));
  // CPU compatibility: a VM defined for the host it goes to (create) takes that host's CPU. A VM
  // that exists (a move) is compatible for sure only with the same model; the facts hold no
  // feature flags, so any other model is not refused but said to be unchecked.
  if (req.cpuModel && f.cpuModel !== req.cpuModel) warnings.push(m('placement.warn.cpuUnchecked', { host: name, model: f.cpuModel, vmModel: req.cpuModel }));
  return why;
}

function groupsOf(req: PlacementRequest, snap: PlacementSnapshot) {
  const asked = new Set(req.affinityGroupIds ?? []);
  return snap.groups.filter((g) => asked.has(g.id) || (req.vmUuid !== undefined && g.members.some((x) => x.vmUuid === req.vmUuid)));
}

/** Affinity and anti-affinity: a hard rule refuses a host, a soft one weighs against it and warns. */
function affinity(req: PlacementRequest, host: PlacementHost, snap: PlacementSnapshot, v: HostVerdict): void {
  for (const g of groupsOf(req, snap)) {
    const where = memberHosts(snap, g.id, new Set(g.members.map((x) => x.vmUuid)), req.vmUuid);
    if (where.size === 0) continue;
    if (g.kind === 'antiAffinity') {
      const here = where.get(host.id);
      if (!here) continue;
      const args = { host: host.name, group: g.name, vms: here.join(', ') };
      if (g.enforcement === 'hard') v.reasons.push(m('placement.why.antiAffinity', args));
      else {
        v.weight -= SOFT_RULE_WEIGHT * here.length;
        v.warnings.push(m('placement.warn.antiAffinity', args));
      }
    } else {
      if (where.has(host.id)) continue;
      const hosts = [...where.keys()].map((id) => snap.hosts.find((h) => h.id === id)?.name ?? id).join(', ');
      const args = { host: host.name, group: g.name, hosts };
      if (g.enforcement === 'hard') v.reasons.push(m('placement.why.affinity', args));
      else {
        v.weight -= SOFT_RULE_WEIGHT;
        v.warnings.push(m('placement.warn.affinity', args));
      }
    }
  }
}

/** Spread: the larger the share of memory left free after placing, the better; pack: the smaller. */
function strategyScore(strategy: PlacementStrategy, c: HostCapacity, req: PlacementRequest): number {
  const share = (free: number, alloc: number) => (alloc > 0 ? Math.max(0, free) / alloc : 0);
  const left = (share(c.memory.free - req.memoryMiB, c.memory.allocatable) * 3 + share(c.vcpus.free - req.vcpus, c.vcpus.allocatable)) / 4;
  return strategy === 'spread' ? left : 1 - left;
}

/**
 * The decision, from one snapshot: each host passes the filters, has the capacity and keeps the
 * hard rules, or is refused with every reason; among those left, the strategy's score plus the
 * weights of preferred rules picks one (ties: by name, so the choice is stable).
 */
export function decide(req: PlacementRequest, snap: PlacementSnapshot): Decision {
  const hosts = req.onlyHostIds ? snap.hosts.filter((h) => req.onlyHostIds!.includes(h.id)) : snap.hosts;
  const strategy = req.strategy ?? snap.defaultStrategy;
  const verdicts: HostVerdict[] = hosts.map((host) => {
    const v: HostVerdict = { host, capacity: null, reasons: [], warnings: [], weight: 0 };
    v.reasons.push(...staticReasons(req, host, snap, v.warnings));
    if (host.state !== 'connected' || !host.facts || req.excludeHostIds?.includes(host.id)) return v;
    const c = hostCapacity(host, snap.settings(host.id), snap.vms, snap.reservations, req.vmUuid);
    v.capacity = c;
    if (c.memory.free < req.memoryMiB) {
      v.reasons.push(m('placement.why.memory', { host: host.name, need: req.memoryMiB, free: Math.max(0, c.memory.free), allocatable: c.memory.allocatable, committed: c.memory.committed, reserved: c.memory.reserved }));
    }
    // More vCPUs than the host has CPUs is said once, as that, not again as a capacity shortfall.
    if (c.vcpus.free < req.vcpus && req.vcpus <= host.facts.cpus) {
      v.reasons.push(m('placement.why.vcpus', { host: host.name, need: req.vcpus, free: Math.max(0, c.vcpus.free), allocatable: c.vcpus.allocatable, committed: c.vcpus.committed, reserved: c.vcpus.reserved }));
    }
    affinity(req, host, snap, v);
    const preferred = (req.preferredTags ?? []).filter((t) => host.tags.includes(t)).length;
    v.weight += PREFERRED_TAG_WEIGHT * preferred + strategyScore(strategy, c, req);
    return v;
  });
  const fit = verdicts.filter((v) => v.reasons.length === 0 && v.capacity);
  if (fit.length === 0) {
    const refusals = verdicts.map((v) => ({ hostId: v.host.id, host: v.host.name, reasons: v.reasons }));
    return { ok: false, refusals, verdicts };
  }
  const best = fit.reduce((a, b) => (b.weight > a.weight || (b.weight === a.weight && b.host.name < a.host.name) ? b : a));
  return { ok: true, host: best.host, capacity: best.capacity!, warnings: best.warnings, verdicts };
}
