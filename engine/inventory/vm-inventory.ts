import type { Vm } from '../contract/vms';
import { Collection } from '../events/collection';
import { DomainState, isNotFound, type LibvirtConnection, type LibvirtEvent } from '../libvirt';
import type { Logger } from '../logger';
import type { StartFailure } from '../vms/start-failure';
import { displayState, stateReason } from './display-state';
import type { DomainSummary } from '../xml/domain-read';
import { activity, eventLoop } from '../perf/event-loop';
import { fetchHostInventory, type DomainRecord, type FetchOptions, type ParseCache } from './fetch-inventory';
import { parseDomains } from '../xml/parse-pool';
import { mergeCopies } from './merge-copies';

function toVm(hostId: string, d: DomainSummary, state: number, reason: number, pending?: 'starting' | 'stopping' | 'migrating', failure?: StartFailure, addresses: string[] = []): Vm {
  const shown = displayState(state, reason, pending);
  // A start that failed leaves the domain off (libvirt: shut off, failed): say why next to it.
  const failed = failure && (shown === 'error' || shown === 'stopped') ? failure : null;
  return {
    id: d.uuid,
    hostId,
    uuid: d.uuid,
    otherCopies: [],
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

/** A copy no longer live: Unknown now, with what it was when last seen. */
const lastKnown = (vm: Vm, at: number): Vm => ({ ...vm, state: 'unknown', lastSeen: { at, state: vm.state } });

/** VMs per published delta at most while a host's inventory comes in, and how long one may wait. */
const PUBLISH_CHUNK = 250;
const PUBLISH_EVERY_MS = 250;

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
 * The `vms` collection: every VM of every connected host, one per libvirt UUID (DESIGN §8). Each
 * host's definition is kept as a copy and the copies of one UUID merge into the VM (merge-copies.ts),
 * so a VM that moves between hosts stays the same entry. A full fetch when a host (re)connects, then
 * one domain at a time as libvirt's events say it changed (coalesced per host and domain).
 */
export class VmInventory {
  readonly vms = new Collection<Vm>();
  /** Each host's definition, by UUID then host id. */
  private readonly copies = new Map<string, Map<string, Vm>>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly parseCaches = new Map<string, ParseCache>();
  /** Transitional states from jobs in flight, by VM id, for the copy the job acts on. */
  private readonly transitions = new Map<string, { hostId: string; t: 'starting' | 'stopping' | 'migrating' }>();
  /** Why each VM's last start failed, until a start succeeds (in memory: libvirt keeps no reason). */
  private readonly failures = new Map<string, { hostId: string; failure: StartFailure }>();
  /** The guest's addresses, by VM id: only the copy that runs has any. */
  private readonly addresses = new Map<string, string[]>();

  constructor(
    private readonly logger: Logger,
    private readonly connFor: (hostId: string) => LibvirtConnection,
    /** The host's name for activity labels (the stall log and Diagnostics say which host). */
    private readonly hostName: (hostId: string) => string = (id) => id,
  ) {}

  /** Hosts whose copies come from libvirt now (connected); the others' copies are last-known. */
  private readonly liveHosts = new Set<string>();

  async hostConnected(hostId: string, conn: LibvirtConnection, opts: FetchOptions = {}): Promise<void> {
    this.liveHosts.add(hostId);
    const name = this.hostName(hostId);
    const seen = new Set<string>();
    let changed: string[] = [];
    let shownAt = Date.now();
    const show = (): void => {
      const end = eventLoop.begin(`inventory publish ${name}`);
      try {
        this.publish(changed);
      } finally {
        end();
      }
      changed = [];
      shownAt = Date.now();
    };
    // The records come in groups as they are parsed: shown as they come, a few hundred at a time.
    const take = (records: DomainRecord[]): void => {
      for (const d of records) {
        const id = d.summary.uuid;
        seen.add(id);
        // Listed as before by a reconcile, with a live copy: nothing to show again.
        const copy = this.copies.get(id)?.get(hostId);
        if (d.unchanged && copy && !copy.lastSeen) continue;
        this.setCopy(toVm(hostId, d.summary, d.state, d.reason, this.transitionOf(hostId, id), this.failureOf(hostId, id), this.addresses.get(id)));
        changed.push(id);
      }
      if (changed.length >= PUBLISH_CHUNK || (changed.length && Date.now() - shownAt >= PUBLISH_EVERY_MS)) show();
    };
    await activity(`${opts.onlyChanged ? 'inventory reconcile' : 'inventory fetch'} ${name}`, () => fetchHostInventory(conn, this.cacheFor(hostId), { ...opts, onRecords: take }));
    // What the host no longer has goes; what is left to show is shown.
    for (const uuid of this.uuidsOn(hostId)) {
      if (seen.has(uuid)) continue;
      this.copies.get(uuid)?.delete(hostId);
      changed.push(uuid);
    }
    show();
  }

  /**
   * The periodic reconcile: libvirt lists every domain with its state in two calls, and only the
   * domains that are new or whose listing changed are fetched again (events keep the rest current).
   */
  reconcile(hostId: string, conn: LibvirtConnection): Promise<void> {
    return this.hostConnected(hostId, conn, { onlyChanged: true });
  }

  /** The host cannot be reached: its VMs are still there, but their state is Unknown; what it was last is kept. */
  hostLost(hostId: string): void {
    this.liveHosts.delete(hostId);
    const touched = this.uuidsOn(hostId).filter((uuid) => !this.copies.get(uuid)!.get(hostId)!.lastSeen);
    for (const uuid of touched) this.setCopy(lastKnown(this.copies.get(uuid)!.get(hostId)!, Date.now()));
    this.publish(touched);
  }

  /**
   * Warm start (warm-start.ts): a host's copies as last persisted, seen at `seenAt`, shown (state
   * Unknown, `lastSeen` saying what it was) until the host's live fetch replaces them.
   */
  loadKnown(hostId: string, known: Vm[], seenAt: number): void {
    if (this.liveHosts.has(hostId)) return;
    // A VM with one copy (the usual case) is that copy: no merge to compute, 10,000 of them at start.
    const single: Vm[] = [];
    const merge: string[] = [];
    for (const vm of known) {
      if (this.copies.get(vm.uuid)?.has(hostId)) continue;
      const copy: Vm = { ...vm, id: vm.uuid, hostId, otherCopies: [], state: 'unknown', lastSeen: { at: seenAt, state: vm.state } };
      this.setCopy(copy);
      if (this.copies.get(vm.uuid)!.size > 1) merge.push(vm.uuid);
      else single.push(copy);
    }
    this.vms.upsert(single);
    this.publish(merge);
  }

  /** Every host's copy of a VM (what warm-start.ts persists). */
  copiesOf(uuid: string): Vm[] {
    return [...(this.copies.get(uuid)?.values() ?? [])];
  }

  hostRemoved(hostId: string): void {
    this.liveHosts.delete(hostId);
    this.parseCaches.delete(hostId);
    const touched = this.uuidsOn(hostId);
    for (const uuid of touched) this.copies.get(uuid)?.delete(hostId);
    this.publish(touched);
  }

  onEvent(hostId: string, ev: LibvirtEvent): void {
    if (DOMAIN_EVENTS.has(ev.kind) && 'dom' in ev) this.scheduleRefresh(hostId, ev.dom.uuid);
  }

  /** Events come in bursts (define + start + resume): one refetch after the burst. */
  private scheduleRefresh(hostId: string, uuid: string): void {
    // Per copy: a migration changes the copies on two hosts at once, and both must be fetched.
    const key = `${hostId}/${uuid}`;
    if (this.pending.has(key)) return;
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        void this.refresh(hostId, uuid).catch((err: unknown) => this.logger.warn('vm refresh failed', { hostId, uuid, error: String(err) }));
      }, 30),
    );
  }

  /** Marks a VM as starting/stopping/migrating while a job acts on it; null clears it. */
  setTransition(id: string, t: 'starting' | 'stopping' | 'migrating' | null): void {
    const vm = this.vms.get(id);
    if (t) {
      if (!vm) return;
      this.transitions.set(id, { hostId: vm.hostId, t });
      const c = this.copies.get(id)?.get(vm.hostId);
      if (c) this.setCopy({ ...c, state: t });
      this.publish([id]);
      return;
    }
    const was = this.transitions.get(id);
    this.transitions.delete(id);
    if (was) this.scheduleRefresh(was.hostId, id); // the job is over: show what libvirt says now
  }

  /** The guest's addresses changed (guest-addresses.ts): one delta, and only when they did. */
  setAddresses(id: string, addresses: string[]): void {
    const vm = this.vms.get(id);
    if (!vm || vm.addresses.join(' ') === addresses.join(' ')) return;
    this.addresses.set(id, addresses);
    const c = this.copies.get(id)?.get(vm.hostId);
    if (c) this.setCopy({ ...c, addresses });
    this.publish([id]);
  }

  /** Keeps (or with null, forgets) why a VM's start failed; the next refresh shows it. */
  setStartFailure(id: string, failure: StartFailure | null): void {
    const hostId = this.vms.get(id)?.hostId;
    if (failure && hostId) this.failures.set(id, { hostId, failure });
    else this.failures.delete(id);
  }

  private transitionOf(hostId: string, id: string) {
    const x = this.transitions.get(id);
    return x?.hostId === hostId ? x.t : undefined;
  }

  private failureOf(hostId: string, id: string) {
    const x = this.failures.get(id);
    return x?.hostId === hostId ? x.failure : undefined;
  }

  get(id: string): Vm | undefined {
    return this.vms.get(id);
  }

  /**
   * What the inventory knows of each domain on a host, with libvirt's own state and reason codes
   * (the health checks read this instead of fetching and parsing every XML again).
   */
  domainsOn(hostId: string): Array<{ summary: DomainSummary; state: number | null; reason: number | null }> {
    return [...(this.parseCaches.get(hostId)?.values() ?? [])].map((e) => ({ summary: e.summary, state: e.state ?? null, reason: e.reason ?? null }));
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
    const id = uuid;
    const c = this.connFor(hostId);
    try {
      const dom = await c.domainLookupByUuid(uuid);
      const [xml, st] = await Promise.all([c.domainGetXmlDesc(dom, 0), c.domainGetState(dom)]);
      const [parsed] = await parseDomains([xml]);
      if (!parsed || 'error' in parsed) throw new Error(`domain ${uuid}: ${parsed?.error ?? 'no parse result'}`);
      const summary = parsed.summary;
      this.cacheFor(hostId).set(uuid, { xml, summary, name: dom.name, id: dom.id, state: st.state, reason: st.reason });
      this.setCopy(toVm(hostId, summary, st.state, st.reason, this.transitionOf(hostId, id), this.failureOf(hostId, id), this.addresses.get(id)));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.cacheFor(hostId).delete(uuid);
      this.copies.get(uuid)?.delete(hostId);
    }
    this.publish([uuid]);
  }

  private uuidsOn(hostId: string): string[] {
    return [...this.copies].filter(([, byHost]) => byHost.has(hostId)).map(([uuid]) => uuid);
  }

  private setCopy(vm: Vm): void {
    let byHost = this.copies.get(vm.uuid);
    if (!byHost) this.copies.set(vm.uuid, (byHost = new Map()));
    byHost.set(vm.hostId, vm);
  }

  /** Merges the copies of these UUIDs into the collection: one delta for all of them. */
  private publish(uuids: Iterable<string>): void {
    const upsert: Vm[] = [];
    const remove: string[] = [];
    for (const uuid of uuids) {
      const byHost = this.copies.get(uuid);
      const vm = byHost ? mergeCopies([...byHost.values()], this.vms.get(uuid)?.hostId) : undefined;
      if (!vm) {
        this.copies.delete(uuid);
        this.addresses.delete(uuid);
        if (this.vms.get(uuid)) remove.push(uuid);
        continue;
      }
      // A VM that runs (whoever started it) has left its failed start behind: forget the reason.
      if (vm.state === 'running' || vm.state === 'paused') this.failures.delete(uuid);
      if (vm.addresses.length === 0) this.addresses.delete(uuid);
      upsert.push(vm);
    }
    if (upsert.length) this.vms.upsert(upsert);
    if (remove.length) this.vms.remove(remove);
  }
}
