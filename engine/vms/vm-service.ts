import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { AddDiskParams, AddNicParams, CreateVmParams, DefineXmlParams, DetachParams, ResizeDiskParams, SetLinkParams, SetMediaParams, DeleteVmParams, UpdateVmParams, Vm, VmDetails } from '../contract/vms';
import type { JobKind, JobRef } from '../contract/jobs';
import type { Host } from '../contract/hosts';
import type { FleetHosts } from '../hosts/fleet';
import type { VmInventory } from '../inventory/vm-inventory';
import type { JobRunner } from '../jobs/job-runner';
import type { PlacementService } from '../placement/placement-service';
import type { PlacementOutcome } from '../contract/placement';
import { DomainXmlFlag, isNotFound, type DomainRef } from '../libvirt';
import { DefineFlag, DeviceModifyFlag, DomainAffect, MetadataType } from '../libvirt';
import { checkHostLimits, createVmJob, requiredVolume, validateCreate } from './create-vm';
import { deleteVmJob, planDelete } from './delete-vm';
import { vmDetails } from './vm-details';
import { cdromXml, diskDeviceXml, nicDeviceXml } from '../xml/domain-build';
import { applyEdits } from '../xml/domain-edit';
import { domainUuidOf } from '../xml/domain-read';
import { buildVolumeXml } from '../xml/volume';
import type { LibraryResolver } from '../library/service';

// libvirt's values come from libvirt/protocol/flags.ts; the short names keep the calls below readable.
const { VALIDATE: DEFINE_VALIDATE } = DefineFlag;
const { LIVE: AFFECT_LIVE, CONFIG: AFFECT_CONFIG } = DomainAffect;
const { DESCRIPTION: METADATA_DESCRIPTION, TITLE: METADATA_TITLE } = MetadataType;
const { LIVE: MODIFY_LIVE, CONFIG: MODIFY_CONFIG, FORCE: MODIFY_FORCE } = DeviceModifyFlag;

/** VM operations beyond the power buttons: create, delete, edit, details. */
export class VmService {
  constructor(
    private readonly hosts: FleetHosts,
    private readonly inventory: Pick<VmInventory, 'get' | 'refresh' | 'summariesOn' | 'vms'>,
    private readonly jobs: Pick<JobRunner, 'start'>,
    private readonly placement: Pick<PlacementService, 'place' | 'addMember'>,
    private readonly library?: Pick<LibraryResolver, 'template' | 'volumeOn' | 'isoPath'>,
  ) {}

  private vm(id: string): Vm {
    const vm = this.inventory.get(id);
    if (!vm) throw new HangarError('NOT_FOUND', `No VM ${id}`);
    return vm;
  }

  /** After a change: the inventory learns it now (not when the event lands), and the answer uses it. */
  /** The VM an edit works on, with its connection and domain; a paused VM counts as running (its devices are live). */
  private async open(vmId: string): Promise<{ vm: Vm; conn: ReturnType<FleetHosts['libvirt']>; dom: DomainRef; running: boolean }> {
    const vm = this.vm(vmId);
    const conn = this.hosts.libvirt(vm.hostId);
    const dom = await conn.domainLookupByUuid(vm.uuid);
    return { vm, conn, dom, running: vm.state === 'running' || vm.state === 'paused' };
  }

  private async fresh(vm: Vm): Promise<VmDetails> {
    await this.inventory.refresh(vm.hostId, vm.uuid);
    return vmDetails(this.vm(vm.id), this.hosts.libvirt(vm.hostId));
  }

  get(vmId: string): Promise<VmDetails> {
    const vm = this.vm(vmId);
    return vmDetails(vm, this.hosts.libvirt(vm.hostId));
  }

  /**
   * Placement chooses the host (or checks the one asked for) and holds the VM's memory and vCPUs
   * there until the job ends; the job makes the inventory and the affinity groups know the new
   * VM before it ends, so the hold passes to the VM's own count without a gap.
   */
  async create(p: z.output<typeof CreateVmParams>): Promise<JobRef & { placement: PlacementOutcome }> {
    const chosen = p.hostId ? this.hosts.hosts.get(p.hostId) : undefined;
    if (p.hostId && !chosen) throw new HangarError('NOT_FOUND', `No host ${p.hostId}`);
    if (chosen) checkHostLimits(p, chosen);
    // A library template: only where it is Ready (nothing uses it before), with its OS's devices.
    const fromLibrary = p.source.kind === 'library' ? this.libraryTemplate(p.source.itemId, p.hostId) : null;
    const volume = requiredVolume(p);
    const placed = await this.placement.place(
      {
        memoryMiB: p.memoryMiB,
        vcpus: p.vcpus,
        ...(p.source.kind !== 'import' ? { pool: p.diskPool } : {}),
        ...(p.network ? { network: p.network } : {}),
        volumes: volume ? [volume] : [],
        requiredTags: p.hostTags,
        affinityGroupIds: p.affinityGroupIds,
        ...(p.placementStrategy ? { strategy: p.placementStrategy } : {}),
        ...(p.hostId ? { onlyHostIds: [p.hostId] } : fromLibrary ? { onlyHostIds: fromLibrary.readyOn } : {}),
      },
      p.name,
    );
    try {
      const host = this.hosts.hosts.get(placed.host.id);
      if (!host) throw new HangarError('NOT_FOUND', `No host ${placed.host.id}`);
      let origin: string | undefined;
      if (p.source.kind === 'library' && fromLibrary && this.library) {
        const base = await this.library.volumeOn(fromLibrary.id, host.id);
        origin = `library:${fromLibrary.name}`;
        p = { ...p, osId: p.osId ?? fromLibrary.osId, source: { kind: 'clone', base: { pool: base.pool, volume: base.volume }, mode: p.source.mode } };
      }
      await validateCreate(p, host, this.hosts.libvirt(host.id));
      const { spec, handler } = createVmJob(p, host, () => this.hosts.libvirt(host.id), origin);
      const ref = await this.jobs.start(spec, async (ctx) => {
        const made = (await handler(ctx)) as { uuid: string; name: string; hostId: string };
        await this.inventory.refresh(made.hostId, made.uuid).catch(() => undefined);
        // A group deleted meanwhile has nothing left to join.
        for (const g of p.affinityGroupIds) await this.placement.addMember(g, { uuid: made.uuid, name: made.name }).catch(() => undefined);
        return { ...made, placement: placed.outcome };
      });
      await placed.bind(ref.jobId);
      return { ...ref, placement: placed.outcome };
    } catch (err) {
      await placed.release();
      throw err;
    }
  }

  /** The template a create asks for, Ready on the chosen host (or somewhere, for placement to choose). */
  private libraryTemplate(itemId: string, hostId: string | undefined) {
    if (!this.library) throw new HangarError('UNSUPPORTED', 'This engine has no library');
    const item = this.library.template(itemId);
    if (hostId && !item.readyOn.includes(hostId)) {
      const host = this.hosts.hosts.get(hostId)?.name ?? hostId;
      throw new HangarError('CONFLICT', `${item.name} is not Ready on ${host}: copy it there first`, { field: 'hostId', message: { key: 'library.err.notOnHost', args: { name: item.name, host } }, readyOn: item.readyOn });
    }
    return item;
  }

  async delete(p: z.output<typeof DeleteVmParams>): Promise<JobRef> {
    const vm = this.vm(p.vmId);
    const conn = this.hosts.libvirt(vm.hostId);
    const { volumes } = await planDelete(p, vm, conn, this.inventory.summariesOn(vm.hostId));
    const { spec, handler } = deleteVmJob(vm, volumes, () => this.hosts.libvirt(vm.hostId));
    return this.jobs.start(spec, handler);
  }

  /** The changes of a VM's configuration, each run by `edit`; the contract's handler names the kind. */
  private readonly editors = {
    'vm.update': (p: z.output<typeof UpdateVmParams>) => this.updateNow(p),
    'vm.addDisk': (p: z.output<typeof AddDiskParams>) => this.addDiskNow(p),
    'vm.resizeDisk': (p: z.output<typeof ResizeDiskParams>) => this.resizeDiskNow(p),
    'vm.setMedia': (p: z.output<typeof SetMediaParams>) => this.setMediaNow(p),
    'vm.setLink': (p: z.output<typeof SetLinkParams>) => this.setLinkNow(p),
    'vm.detach': (p: z.output<typeof DetachParams>) => this.detachNow(p),
    'vm.defineXml': (p: z.output<typeof DefineXmlParams>) => this.defineXmlNow(p),
    'vm.addNic': (p: z.output<typeof AddNicParams>) => this.addNicNow(p),
  } satisfies Partial<Record<JobKind, (p: never) => Promise<VmDetails>>>;

  /**
   * A change of a VM's configuration, as a job on the VM: it waits for the VM's running task (a
   * second edit queues behind the first), reads the VM afresh when it starts, and its result is
   * the VM's details after the change.
   */
  edit<K extends keyof VmService['editors']>(kind: K, p: Parameters<VmService['editors'][K]>[0]): Promise<JobRef> {
    const vm = this.vm(p.vmId);
    const work = this.editors[kind] as (p: { vmId: string }) => Promise<VmDetails>;
    return this.jobs.start({ kind, title: { key: `job.${kind}`, args: { name: vm.name } }, target: { kind: 'vm', id: vm.id }, hostId: vm.hostId, cancellable: false }, () => work(p));
  }

  private async updateNow(p: z.output<typeof UpdateVmParams>): Promise<VmDetails> {
    const vm = this.vm(p.vmId);
    const running = vm.state === 'running' || vm.state === 'paused';
    // A VM whose start failed (Error) or that crashed runs nothing: it may change like a stopped one.
    const off = vm.state === 'stopped' || vm.state === 'error' || vm.state === 'crashed';
    if ((p.vcpus !== undefined || p.firmware !== undefined || p.accel !== undefined || (p.name !== undefined && p.name !== vm.name)) && !off) {
      throw new HangarError('CONFLICT', `Stop ${vm.name} to change its name, vCPUs, firmware or acceleration`, { message: { key: 'vm.err.stopFirst', args: { name: vm.name } } });
    }
    const host = this.hosts.hosts.get(vm.hostId);
    const hostMiB = Math.floor((host?.facts?.memoryKiB ?? Infinity) / 1024);
    if (p.memoryMiB !== undefined && p.memoryMiB > hostMiB) throw new HangarError('INVALID_PARAMS', `${p.memoryMiB} MiB is more memory than ${host?.name} has (${hostMiB} MiB)`);
    const conn = this.hosts.libvirt(vm.hostId);
    const dom = await conn.domainLookupByUuid(vm.uuid);
    const { autostart, name, title, description, vmId: _vmId, ...edits } = p;
    if (name !== undefined && name !== vm.name) {
      try {
        await conn.domainLookupByName(name);
        throw new HangarError('CONFLICT', `This host already has a VM named ${name}`, { field: 'name' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      await conn.domainRename(dom, name);
    }
    if (running && p.memoryMiB !== undefined) {
      // Live, within the configured maximum (the balloon); the saved configuration follows.
      const max = (await vmDetails(vm, conn)).maxMemoryKiB;
      if (p.memoryMiB * 1024 > max) {
        throw new HangarError('CONFLICT', `${vm.name} runs with at most ${Math.round(max / 1024)} MiB: stop it to raise memory beyond that`);
      }
      await conn.domainSetMemoryFlags(dom, p.memoryMiB * 1024, AFFECT_LIVE | AFFECT_CONFIG);
      delete edits.memoryMiB;
    }
    // Title and description are libvirt metadata: set live and saved at once, so the list shows
    // them now and not at the next power cycle.
    const impact = AFFECT_CONFIG | (running ? AFFECT_LIVE : 0);
    if (title !== undefined) await conn.domainSetMetadata(dom, METADATA_TITLE, title.trim() || null, impact);
    if (description !== undefined) await conn.domainSetMetadata(dom, METADATA_DESCRIPTION, description || null, impact);
    if (Object.values(edits).some((v) => v !== undefined)) {
      const xml = await conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE | DomainXmlFlag.SECURE);
      await conn.domainDefineXml(applyEdits(xml, edits), 0);
    }
    if (autostart !== undefined) await conn.domainSetAutostart(dom, autostart);
    return this.fresh(vm);
  }

  /** The next free target name for a bus (vdb, sdc…), from the persistent configuration. */
  private static nextTarget(used: string[], bus: string): string {
    const prefix = bus === 'virtio' ? 'vd' : bus === 'ide' ? 'hd' : 'sd';
    for (let i = 0; i < 26; i++) {
      const t = prefix + String.fromCharCode(97 + i);
      if (!used.includes(t)) return t;
    }
    throw new HangarError('CONFLICT', `No free ${bus} disk slot`);
  }

  private async addDiskNow(p: z.output<typeof AddDiskParams>): Promise<VmDetails> {
    const { vm, conn, dom, running } = await this.open(p.vmId);
    const saved = await vmDetails(vm, conn);
    const target = VmService.nextTarget(saved.disks.map((d) => d.target), p.bus);
    const pool = await conn.storagePoolLookupByName(p.pool);
    let vol;
    if (p.volume) vol = await conn.storageVolLookupByName(pool, p.volume);
    else {
      const name = `${vm.name}-${target}.qcow2`;
      vol = await conn.storageVolCreateXml(pool, buildVolumeXml({ name, capacityBytes: p.sizeGiB! * 1024 ** 3, format: 'qcow2', backing: null }), 0);
    }
    const path = await conn.storageVolGetPath(vol);
    const format = path.endsWith('.qcow2') ? 'qcow2' : 'raw';
    const xml = diskDeviceXml({ path, format, target, bus: p.bus });
    try {
      await conn.domainAttachDevice(dom, xml, MODIFY_CONFIG | (running && p.live ? MODIFY_LIVE : 0));
    } catch (err) {
      if (!p.volume) await conn.storageVolDelete(vol, 0).catch(() => undefined); // the blank disk we made
      throw err;
    }
    return this.fresh(vm);
  }

  private async resizeDiskNow(p: z.output<typeof ResizeDiskParams>): Promise<VmDetails> {
    const { vm, conn, dom, running } = await this.open(p.vmId);
    const disk = (await vmDetails(vm, conn)).disks.find((d) => d.target === p.target && d.device === 'disk');
    if (!disk?.source) throw new HangarError('NOT_FOUND', `${vm.name} has no disk ${p.target}`);
    // Seed 000: no volume edits while snapshots exist (a snapshot's disks would no longer match).
    const snapshots = (await conn.snapshotListAll(dom, 0)).length;
    if (snapshots > 0) throw new HangarError('CONFLICT', `${vm.name} has ${snapshots} snapshots: delete them before resizing a disk`, { message: { key: 'vm.err.snapshotsExist', args: { name: vm.name, count: snapshots } } });
    const vol = await conn.storageVolLookupByPath(disk.source);
    const bytes = Math.ceil(p.sizeGiB * 1024 ** 3);
    const info = await conn.storageVolGetInfo(vol);
    if (bytes < info.capacity) throw new HangarError('INVALID_PARAMS', `Disks only grow: ${p.target} is already ${(info.capacity / 1024 ** 3).toFixed(2)} GiB`);
    if (running) await conn.domainBlockResize(dom, p.target, bytes);
    else await conn.storageVolResize(vol, bytes, 0);
    return this.fresh(vm);
  }

  private async setMediaNow(p: z.output<typeof SetMediaParams>): Promise<VmDetails> {
    const { vm, conn, dom, running } = await this.open(p.vmId);
    const drive = (await vmDetails(vm, conn)).disks.find((d) => d.target === p.target && d.device === 'cdrom');
    if (!drive) throw new HangarError('NOT_FOUND', `${vm.name} has no CD-ROM drive ${p.target}`);
    let path: string | null = null;
    if (p.libraryIso) {
      if (!this.library) throw new HangarError('UNSUPPORTED', 'This engine has no library');
      path = await this.library.isoPath(p.libraryIso, vm.hostId);
    } else if (p.iso) path = await conn.storageVolGetPath(await conn.storageVolLookupByName(await conn.storagePoolLookupByName(p.iso.pool), p.iso.volume));
    const xml = cdromXml(path, drive.target, drive.bus ?? 'sata');
    const flags = AFFECT_CONFIG | (running ? AFFECT_LIVE : 0);
    // A guest that locks its tray (a mounted CD), or is too busy to open it in time, refuses a
    // polite eject: an eject then forces it, a few times while the tray still reads shut.
    for (let attempt = 0; ; attempt++) {
      try {
        await conn.domainUpdateDevice(dom, xml, flags | ((p.force || attempt > 0) && running ? MODIFY_FORCE : 0));
        break;
      } catch (err) {
        if (!running || attempt >= 3 || !/tray/i.test(HangarError.from(err).message)) throw err;
        await new Promise((r) => setTimeout(r, 1000 * attempt));
      }
    }
    return this.fresh(vm);
  }

  private async setLinkNow(p: z.output<typeof SetLinkParams>): Promise<VmDetails> {
    const { vm, conn, dom, running } = await this.open(p.vmId);
    const nic = (await vmDetails(vm, conn)).nics.find((n) => n.mac?.toLowerCase() === p.mac.toLowerCase());
    if (!nic) throw new HangarError('NOT_FOUND', `${vm.name} has no network interface ${p.mac}`);
    const xml = nicDeviceXml({ type: nic.type, mac: nic.mac, source: nic.source ?? '', model: nic.model, linkUp: p.up });
    await conn.domainUpdateDevice(dom, xml, AFFECT_CONFIG | (running ? AFFECT_LIVE : 0));
    return this.fresh(vm);
  }

  /** Removes a disk or NIC from the configuration; its volume stays (Delete offers that). */
  private async detachNow(p: z.output<typeof DetachParams>): Promise<VmDetails> {
    const { vm, conn, dom, running } = await this.open(p.vmId);
    const saved = await vmDetails(vm, conn);
    const disk = saved.disks.find((d) => d.target === p.device);
    const nic = saved.nics.find((n) => n.mac?.toLowerCase() === p.device.toLowerCase());
    let xml: string;
    if (disk) xml = diskDeviceXml({ device: disk.device, path: disk.source || null, target: disk.target });
    // libvirt parses the fragment before it matches on the MAC: a network or bridge NIC needs its source.
    else if (nic) xml = nicDeviceXml({ type: nic.type, mac: nic.mac, source: nic.source });
    else throw new HangarError('NOT_FOUND', `${vm.name} has no disk or network interface ${p.device}`);
    await conn.domainDetachDevice(dom, xml, MODIFY_CONFIG | (running && p.live ? MODIFY_LIVE : 0));
    return this.fresh(vm);
  }

  /** The XML must stay this VM's: same UUID (a changed name is libvirt's rename rules to judge). */
  private async defineXmlNow(p: z.output<typeof DefineXmlParams>): Promise<VmDetails> {
    const vm = this.vm(p.vmId);
    // From the parsed document: a `<uuid>` in a comment or in foreign metadata is not the domain's.
    // libvirt reads a UUID with or without dashes, in either case.
    const same = (a: string | null) => a?.replace(/-/g, '').toLowerCase();
    let uuid: string | null;
    try {
      uuid = domainUuidOf(p.xml);
    } catch (err) {
      throw new HangarError('INVALID_PARAMS', HangarError.from(err).message);
    }
    if (!uuid || same(uuid) !== same(vm.uuid)) throw new HangarError('INVALID_PARAMS', `The XML must keep this VM's <uuid>${vm.uuid}</uuid>`);
    const conn = this.hosts.libvirt(vm.hostId);
    await conn.domainDefineXml(p.xml, DEFINE_VALIDATE);
    return this.fresh(vm);
  }

  private async addNicNow(p: z.output<typeof AddNicParams>): Promise<VmDetails> {
    const { vm, conn, dom, running } = await this.open(p.vmId);
    const xml = nicDeviceXml({ type: 'network', mac: p.mac, source: p.network, model: p.model });
    await conn.domainAttachDevice(dom, xml, MODIFY_CONFIG | (running && p.live ? MODIFY_LIVE : 0));
    return this.fresh(vm);
  }
}
