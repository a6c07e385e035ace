import { sleep } from '../common/abort';
import { HangarError } from '../contract/errors';
import type { Vm, VmAction } from '../contract/vms';
import type { JobHandler, JobSpec } from '../jobs/job-runner';
import { domainAccel, parseDomainXml } from '../xml/domain-read';
import { CreateFlag, DomainState, DomainXmlFlag, ShutdownFlag, type DomainRef, type LibvirtConnection } from '../libvirt';
import { describeStartFailure, startFailureError, type StartFailure } from './start-failure';
import { pendingChanges } from './vm-details';

export interface VmActionDeps {
  libvirt(hostId: string): LibvirtConnection;
  /** The user's setting: how long a guest gets to power off. */
  shutdownTimeoutMs(): number;
  setTransition(vmId: string, t: 'starting' | 'stopping' | null): void;
  /** Whether the probe found KVM usable on the host (null: not known). */
  hostKvmUsable?(hostId: string): boolean | null;
  /** Why the VM's last start failed, shown with its state until a start succeeds (null clears). */
  startFailed?(vmId: string, failure: StartFailure | null): void;
}

/** Starts the domain; a failure is kept with the VM in words, with the fix when there is one. */
async function start(conn: LibvirtConnection, dom: DomainRef, vm: Vm, flags: number, deps: VmActionDeps): Promise<void> {
  try {
    await conn.domainCreate(dom, flags);
    deps.startFailed?.(vm.id, null);
  } catch (err) {
    const e = HangarError.from(err);
    if (e.code === 'CANCELLED' || e.code === 'UNREACHABLE') throw err;
    const xml = await conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE).catch(() => '');
    const f = describeStartFailure(e, domainAccel(xml), deps.hostKvmUsable?.(vm.hostId) ?? null);
    deps.startFailed?.(vm.id, f);
    throw startFailureError(e, vm.name, f);
  }
}

const TRANSITION: Partial<Record<VmAction, 'starting' | 'stopping'>> = { start: 'starting', startPaused: 'starting', shutdown: 'stopping', forceOff: 'stopping', save: 'stopping' };

/** Whether the saved definition differs from what runs: then only a power cycle applies it. */
async function hasPendingChanges(conn: LibvirtConnection, dom: DomainRef): Promise<boolean> {
  const [live, saved] = await Promise.all([conn.domainGetXmlDesc(dom, 0), conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE)]);
  return pendingChanges(parseDomainXml(live), parseDomainXml(saved)).length > 0;
}

/** A guest still booting misses a power-button press: press again this often while waiting. */
const ACPI_REPEAT_MS = 10_000;

/**
 * Presses the ACPI power button and waits for the guest to power off, polling gently and pressing
 * again now and then; the job's signal cancels the wait.
 */
async function shutdownAndWait(conn: LibvirtConnection, uuid: string, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let pressedAt = 0;
  while (Date.now() < deadline) {
    const dom = await conn.domainLookupByUuid(uuid);
    const st = await conn.domainGetState(dom);
    if (st.state === DomainState.SHUTOFF) return true;
    if (Date.now() - pressedAt >= ACPI_REPEAT_MS) {
      await conn.domainShutdown(dom, ShutdownFlag.ACPI_POWER_BTN);
      pressedAt = Date.now();
    }
    await sleep(500, signal);
  }
  return false;
}

/** One lifecycle action on one VM, as a job. */
export function vmActionJob(vm: Vm, action: VmAction, deps: VmActionDeps): { spec: JobSpec; handler: JobHandler } {
  const spec: JobSpec = {
    kind: `vm.${action}`,
    title: { key: `job.vm.${action}`, args: { name: vm.name } },
    target: { kind: 'vm', id: vm.id },
    hostId: vm.hostId,
    cancellable: action === 'shutdown' || action === 'reboot',
  };
  const handler: JobHandler = async (ctx) => {
    const conn = deps.libvirt(vm.hostId);
    const dom = await conn.domainLookupByUuid(vm.uuid);
    const transition = TRANSITION[action];
    if (transition) deps.setTransition(vm.id, transition);
    try {
      switch (action) {
        case 'start':
        case 'startPaused':
          await start(conn, dom, vm, action === 'startPaused' ? CreateFlag.PAUSED : 0, deps);
          return;
        case 'shutdown': {
          ctx.progress(null, { key: 'job.vm.waitingForGuest' });
          if (!(await shutdownAndWait(conn, vm.uuid, deps.shutdownTimeoutMs(), ctx.signal))) {
            throw new HangarError('TIMEOUT', `${vm.name} did not shut down within ${deps.shutdownTimeoutMs() / 1000} s: the guest may ignore the power button. Force off to stop it.`, { offer: 'forceOff' });
          }
          return;
        }
        case 'forceOff':
          await conn.domainDestroy(dom, 0);
          return;
        case 'reboot':
          // A guest reboot keeps the running configuration: with changes pending, power-cycle instead.
          if (await hasPendingChanges(conn, dom)) {
            ctx.progress(null, { key: 'job.vm.powerCycle' });
            if (!(await shutdownAndWait(conn, vm.uuid, deps.shutdownTimeoutMs(), ctx.signal))) {
              throw new HangarError('TIMEOUT', `${vm.name} did not shut down within ${deps.shutdownTimeoutMs() / 1000} s for its power cycle. Force it off, then start it.`, { offer: 'forceOff' });
            }
            await conn.domainCreate(await conn.domainLookupByUuid(vm.uuid), 0);
            return { powerCycled: true };
          }
          await conn.domainReboot(dom, 0);
          return;
        case 'save':
          await conn.domainManagedSave(dom, 0);
          return;
        case 'autostartOn':
        case 'autostartOff':
          await conn.domainSetAutostart(dom, action === 'autostartOn');
          return;
        case 'reset':
          await conn.domainReset(dom);
          return;
        case 'pause':
          await conn.domainSuspend(dom);
          return;
        case 'resume':
          await conn.domainResume(dom);
          return;
      }
    } finally {
      if (transition) deps.setTransition(vm.id, null);
    }
  };
  return { spec, handler };
}
