import type { Host, MigrationCheck, Vm } from '../../../../engine/contract';

/** One host as the Migrate dialog lists it: whether it can be chosen and, if not, why (per VM when several move). */
export interface TargetRow {
  hostId: string;
  name: string;
  /** Reasons it cannot take the VM(s): each already in the user's words, or a key to translate. */
  reasons: { vm: string | null; text: TargetReason }[];
  warnings: { vm: string | null; text: TargetReason }[];
}

export type TargetReason = { kind: 'here' } | { kind: 'hereAll' } | { kind: 'message'; key: string; args?: Record<string, string | number> | undefined };

/**
 * The hosts a VM (or several) could go to, from the pre-flight checks: a host is greyed out when it
 * cannot take one of them, naming that VM when several move. A host the checks did not mention
 * (none came back yet) stays open; the engine says at submit time what it would have said here.
 */
export function targetRows(hosts: Host[], vms: Pick<Vm, 'id' | 'name' | 'hostId'>[], checks: Record<string, MigrationCheck | undefined>): TargetRow[] {
  const many = vms.length > 1;
  return [...hosts]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((h) => {
      const reasons: TargetRow['reasons'] = [];
      const warnings: TargetRow['warnings'] = [];
      // Every chosen VM is here already: said once, not per VM.
      if (many && vms.every((v) => v.hostId === h.id)) return { hostId: h.id, name: h.name, reasons: [{ vm: null, text: { kind: 'hereAll' as const } }], warnings };
      for (const vm of vms) {
        const who = many ? vm.name : null;
        if (vm.hostId === h.id) {
          reasons.push({ vm: who, text: { kind: 'here' } });
          continue;
        }
        const check = checks[vm.id];
        if (!check) continue;
        for (const r of check.refused.filter((x) => x.hostId === h.id)) for (const m of r.reasons) reasons.push({ vm: who, text: { kind: 'message', key: m.key, args: m.args } });
        for (const c of check.candidates.filter((x) => x.hostId === h.id)) for (const m of c.warnings) warnings.push({ vm: who, text: { kind: 'message', key: m.key, args: m.args } });
      }
      return { hostId: h.id, name: h.name, reasons, warnings };
    });
}

/** The pools a copied disk can go to: the chosen host's running pools, or (automatic) those every other connected host has. */
export function targetPools(hosts: Host[], sourceHostId: string, hostId: string): string[] {
  const running = (h: Host) => (h.facts?.pools ?? []).filter((p) => p.active).map((p) => p.name);
  if (hostId) {
    const h = hosts.find((x) => x.id === hostId);
    return h ? running(h).sort() : [];
  }
  const others = hosts.filter((h) => h.id !== sourceHostId && h.state === 'connected' && h.facts);
  if (others.length === 0) return [];
  return running(others[0]!)
    .filter((p) => others.every((h) => running(h).includes(p)))
    .sort();
}
