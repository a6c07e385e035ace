import type { Vm } from '../contract/vms';
import { Collection } from '../events/collection';
import { DomainState, isNotFound, type LibvirtConnection, type LibvirtEvent } from '../libvirt';
import type { Logger } from '../logger';
import type { StartFailure } from '../vms/start-failure';
import { displayState, stateReason } from './display-state';
import type { DomainSummary } from '../xml/domain-read';
import { parseDomainXml } from '../xml/domain-read';
import { fetchHostInventory, type ParseCache } from './fetch-inventory';

const vmId = (hostId: string, uuid: string) => `${hostId}:${uuid}`;

function toVm(hostId: string, d: DomainSummary, state: number, reason: number, pending?: 'starting' | 'stopping' | 'migrating', failure?: StartFailure, addresses: string[] = []): Vm {
  const shown = displayState(state, reason, pending);
  // A start that failed leaves the domain off (libvirt: shut off, failed): say why next to it.
  const failed = failure && (shown === 'error' || shown === 'stopped') ? failure : null;
  return {
    id: vmId(hostId, d.uuid),
    hostId,
    uuid: d.uuid,
    name: d.name,
    title: d.title,
    description: d.description,
    state: shown,
    stateReason: failed?.reason ?? null,
    stateFix: failed?.fix ?? null,
    libvirtReason: pending ? null : stateReason(state, reason),
    vcpus: d.vcpus,
    memoryKiB: d.currentMemoryKiB,
    osType: d.osType,
    os: d.hangar?.os ?? null,
    arch: d.arch,
    disks: d.disks.length,
    nics: d.nics.length,
    hasGraphics: d.graphics.length > 0,
    labels: d.hangar?.labels ?? {},
    group: d.hangar?.group ?? null,
    origin: d.hangar?.origin ?? null,
    managedByHangar: d.hangar !== null,
    // A stopped guest has no address; a running one keeps its last known until the next lookup.
    addresses: state === DomainState.RUNNING || state === DomainState.PAUSED || state === DomainState.BLOCKED ? addresses : [],
  };
}

/** Events that can change what the VM list shows: refetch that one domain. */
const DOMAIN_EVENTS = new Set<LibvirtEvent['kind']>([
  'domain-lifecycle',
  'domain-device-added',
  'domain-device-removed',
  'domain-metadata-change',
  'domain-reboot',
  'domain-job-completed',
]);

/**
 * The `vms` collection: every domain on every connected host. A full fetch when a host (re)connects,
 * then one domain at a time as libvirt's events say it changed (coalesced per domain).
 */
export class VmInventory {
  readonly vms = new Collection<Vm>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly parseCaches = new Map<string, ParseCache>();
  /** Transitional states from jobs in flight, by VM id. */
  private readonly transitions = new Map<string, 'starting' | 'stopping' | 'migrating'>();
  /** Why each VM's last start failed, until a start succeeds (in memory: libvirt keeps no reason). */
  private readonly failures = new Map<string, StartFailure>();

  constructor(
    private readonly logger: Logger,
    private readonly connFor: (hostId: string) => LibvirtConnection,
  ) {}

  async hostConnected(hostId: string, conn: LibvirtConnection): Promise<void> {
    const inv = await fetchHostInventory(conn, this.cacheFor(hostId));
    const seen = new Set<string>();
    const vms = inv.domains.map((d) => {
      const id = vmId(hostId, d.summary.uuid);
      seen.add(id);
      return this.withFailure(toVm(hostId, d.summary, d.state, d.reason, this.transitions.get(id), this.failures.get(id), this.vms.get(id)?.addresses));
    });
    this.vms.upsert(vms);
    this.vms.remove(this.vms.values().filter((v) => v.hostId === hostId && !seen.has(v.id)).map((v) => v.id));
  }

  /** The host cannot be reached: its VMs are still there, but their state is Unknown. */
  hostLost(hostId: string): void {
    this.vms.upsert(this.vms.values().filter((v) => v.hostId === hostId && v.state !== 'unknown').map((v) => ({ ...v, state: 'unknown' as const })));
  }

  hostRemoved(hostId: string): void {
    this.parseCaches.delete(hostId);
    const ids = this.vms.values().filter((v) => v.hostId === hostId).map((v) => v.id);
    this.vms.remove(ids);
  }

  onEvent(hostId: string, ev: LibvirtEvent): void {
    if (DOMAIN_EVENTS.has(ev.kind) && 'dom' in ev) this.scheduleRefresh(hostId, ev.dom.uuid);
  }

  /** Events come in bursts (define + start + resume): one refetch after the burst. */
  private scheduleRefresh(hostId: string, uuid: string): void {
    const id = vmId(hostId, uuid);
    if (this.pending.has(id)) return;
    this.pending.set(
      id,
      setTimeout(() => {
        this.pending.delete(id);
        void this.refresh(hostId, uuid).catch((err: unknown) => this.logger.warn('vm refresh failed', { id, error: String(err) }));
      }, 30),
    );
  }

  /** Marks a VM as starting/stopping/migrating while a job acts on it; null clears it. */
  setTransition(id: string, t: 'starting' | 'stopping' | 'migrating' | null): void {
    const vm = this.vms.get(id);
    if (t) {
      this.transitions.set(id, t);
      if (vm) this.vms.upsert([{ ...vm, state: t }]);
      return;
    }
    this.transitions.delete(id);
    if (vm) this.scheduleRefresh(vm.hostId, vm.uuid); // the job is over: show what libvirt says now
  }

  /** The guest's addresses changed (guest-addresses.ts): one delta, and only when they did. */
  setAddresses(id: string, addresses: string[]): void {
    const vm = this.vms.get(id);
    if (!vm || vm.addresses.join(' ') === addresses.join(' ')) return;
    this.vms.upsert([{ ...vm, addresses }]);
  }

  /** A VM that runs (whoever started it) has left its failed start behind: forget the reason. */
  private withFailure(vm: Vm): Vm {
    if (vm.state === 'running' || vm.state === 'paused') this.failures.delete(vm.id);
    return vm;
  }

  /** Keeps (or with null, forgets) why a VM's start failed; the next refresh shows it. */
  setStartFailure(id: string, failure: StartFailure | null): void {
    if (failure) this.failures.set(id, failure);
    else this.failures.delete(id);
  }

  get(id: string): Vm | undefined {
    return this.vms.get(id);
  }

  /** The last parsed XML of every domain on a host (e.g. to see who else uses a disk). */
  summariesOn(hostId: string): DomainSummary[] {
    return [...this.cacheFor(hostId).values()].map((e) => e.summary);
  }

  private cacheFor(hostId: string): ParseCache {
    let cache = this.parseCaches.get(hostId);
    if (!cache) this.parseCaches.set(hostId, (cache = new Map()));
    return cache;
  }

  async refresh(hostId: string, uuid: string): Promise<void> {
    const id = vmId(hostId, uuid);
    const c = this.connFor(hostId);
    try {
      const dom = await c.domainLookupByUuid(uuid);
      const [xml, st] = await Promise.all([c.domainGetXmlDesc(dom, 0), c.domainGetState(dom)]);
      const summary = parseDomainXml(xml);
      this.cacheFor(hostId).set(uuid, { xml, summary });
      this.vms.upsert([this.withFailure(toVm(hostId, summary, st.state, st.reason, this.transitions.get(id), this.failures.get(id), this.vms.get(id)?.addresses))]);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.cacheFor(hostId).delete(uuid);
      this.vms.remove([id]);
    }
  }
}

