import type { EvacuationAction, EvacuationStep, MaintenancePlan, MigrationCheck } from '../contract/migration';
import type { Message } from '../contract/message';

/** A VM on the host being emptied, with what the migration pre-flight said of it (or why it could not be asked). */
export interface PlanInput {
  vmId: string;
  name: string;
  /** The pre-flight with storage copy allowed: its `disksToCopy` tells local disks from shared ones. */
  check: MigrationCheck | null;
  checkError: Message | null;
}

const msg = (key: string, args?: Message['args']): Message => ({ key, ...(args ? { args } : {}) });

/** Why no host can take it, in the placement's own words: the first host's first reason names it best. */
function refusalOf(check: MigrationCheck): Message {
  const first = check.refused[0];
  return first?.reasons[0] ?? msg('maintenance.blocked.noHost');
}

/** The action the VM gets unless the user chose another, and whether the chosen one can apply. */
function actionFor(input: PlanInput, override: EvacuationAction | undefined): { action: EvacuationAction | null; blocked: Message | null } {
  const c = input.check!;
  const local = c.disksToCopy.length > 0;
  if (!c.live) {
    // A stopped VM only ever has its definition (and its local disks) moved.
    return { action: 'moveDefinition', blocked: null };
  }
  const chosen = override ?? (local ? 'migrateCopy' : 'migrate');
  if (chosen === 'moveDefinition') return { action: chosen, blocked: msg('maintenance.blocked.running', { name: input.name }) };
  if (chosen === 'migrate' && local) return { action: chosen, blocked: msg('maintenance.blocked.localDisks', { name: input.name, disks: c.disksToCopy.map((d) => d.target).join(', ') }) };
  return { action: chosen, blocked: null };
}

/**
 * The evacuation plan, VM by VM, before anything moves: running on shared storage → migrate, with
 * local disks → migrate with storage copy, a VM the user wants shut down → ACPI shutdown (force off
 * after the timeout) and its definition moved, stopped → its definition moved. A VM that cannot
 * leave is named with the reason. Targets are among the pre-flight's candidates (placement's
 * order), spread: the one given fewest VMs of this plan so far.
 */
export function planEvacuation(hostId: string, inputs: readonly PlanInput[], overrides: Readonly<Record<string, EvacuationAction>>): MaintenancePlan {
  const given = new Map<string, number>();
  const steps = inputs.map<EvacuationStep>((input) => {
    const base = { vmId: input.vmId, name: input.name, state: 'pending' as const, error: null };
    if (!input.check) return { ...base, action: null, targetHostId: null, blocked: input.checkError ?? msg('maintenance.blocked.noHost') };
    const { action, blocked } = actionFor(input, overrides[input.vmId]);
    if (blocked) return { ...base, action, targetHostId: null, blocked };
    const vmBlocker = input.check.blockers[0];
    const candidates = input.check.candidates.filter((c) => c.hostId !== hostId);
    // A shutdown needs no other host: with none, the VM stays here, stopped.
    if (action === 'shutdown' && (vmBlocker || candidates.length === 0)) return { ...base, action, targetHostId: null, blocked: null };
    if (vmBlocker) return { ...base, action, targetHostId: null, blocked: vmBlocker.reason };
    if (candidates.length === 0) return { ...base, action, targetHostId: null, blocked: refusalOf(input.check) };
    const target = candidates.reduce((best, c) => ((given.get(c.hostId) ?? 0) < (given.get(best.hostId) ?? 0) ? c : best));
    given.set(target.hostId, (given.get(target.hostId) ?? 0) + 1);
    return { ...base, action, targetHostId: target.hostId, blocked: null };
  });
  return { hostId, steps };
}

/** Whether the plan can start: nothing is blocked. */
export const blockedSteps = (plan: MaintenancePlan): EvacuationStep[] => plan.steps.filter((s) => s.blocked !== null);
