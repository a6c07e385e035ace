import { HangarError } from '../contract/errors';
import { kvmUsable } from '../contract/hosts';
import type { Settings } from '../contract/settings';
import type { FleetHosts } from '../hosts/fleet';
import type { VmInventory } from '../inventory/vm-inventory';
import type { JobRunner } from '../jobs/job-runner';
import type { Service } from '../rpc/service';
import type { StartFailure } from './start-failure';
import { vmActionJob } from './vm-actions';
import { VmService } from './vm-service';
import type { PlacementService } from '../placement/placement-service';
import type { LibraryResolver } from '../library/service';

/** A VM's life: the power buttons (`vms.action`), create, delete, edit and details. Every change is a job. */
export function vmsService(deps: {
  fleet: FleetHosts;
  inventory: Pick<VmInventory, 'get' | 'refresh' | 'summariesOn' | 'vms' | 'setTransition' | 'setStartFailure'>;
  jobs: Pick<JobRunner, 'start'>;
  settings: () => Settings;
  /** Chooses the host of a new VM and holds its resources until the create ends. */
  placement: Pick<PlacementService, 'place' | 'addMember'>;
  /** Templates for create, ISOs for the CD-ROM drive. */
  library?: Pick<LibraryResolver, 'template' | 'volumeOn' | 'isoPath'>;
}): Service & { readonly vms: VmService } {
  const { fleet, inventory, jobs } = deps;
  const vms = new VmService(fleet, inventory, jobs, deps.placement, deps.library);
  const actionDeps = {
    libvirt: (hostId: string) => fleet.libvirt(hostId),
    setTransition: (id: string, t: 'starting' | 'stopping' | null) => inventory.setTransition(id, t),
    hostKvmUsable: (hostId: string) => {
      const f = fleet.hosts.get(hostId)?.facts;
      return f ? kvmUsable(f) : null;
    },
    startFailed: (id: string, f: StartFailure | null) => inventory.setStartFailure(id, f),
    shutdownTimeoutMs: () => deps.settings().shutdownTimeoutSec * 1000,
  };
  return {
    name: 'vms',
    vms,
    handlers: {
      'vms.action': async (p) => {
        // Every VM is found before any job starts: one unknown id refuses the whole request.
        const targets = p.vmIds.map((id) => {
          const vm = inventory.get(id);
          if (!vm) throw new HangarError('NOT_FOUND', `No VM ${id}`);
          return vm;
        });
        // Each VM on its own: a busy one is refused (CONFLICT naming its task) without holding up the rest.
        const started = await Promise.allSettled(
          targets.map((vm) => {
            const { spec, handler } = vmActionJob(vm, p.action, actionDeps);
            return jobs.start(spec, handler);
          }),
        );
        const refs = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
        const refused = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (refused) {
          const e = HangarError.from(refused.reason);
          throw new HangarError(e.code, e.message, { ...e.details, started: refs.map((r) => r.jobId) });
        }
        return { jobs: refs };
      },
      'vms.get': (p) => vms.get(p.vmId),
      'vms.create': (p) => vms.create(p),
      'vms.delete': (p) => vms.delete(p),
      'vms.update': (p) => vms.edit('vm.update', p),
      'vms.addNic': (p) => vms.edit('vm.addNic', p),
      'vms.defineXml': (p) => vms.edit('vm.defineXml', p),
      'vms.addDisk': (p) => vms.edit('vm.addDisk', p),
      'vms.detach': (p) => vms.edit('vm.detach', p),
      'vms.resizeDisk': (p) => vms.edit('vm.resizeDisk', p),
      'vms.setMedia': (p) => vms.edit('vm.setMedia', p),
      'vms.setLink': (p) => vms.edit('vm.setLink', p),
    },
  };
}
