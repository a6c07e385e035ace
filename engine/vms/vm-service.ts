import type { z } from 'zod';
import { HangarError } from '../contract/errors';
import type { AddNicParams, CreateVmParams, DefineXmlParams, DeleteVmParams, UpdateVmParams, Vm, VmDetails } from '../contract/vms';
import type { JobRef } from '../contract/jobs';
import type { HostManager } from '../hosts/host-manager';
import type { VmInventory } from '../inventory/vm-inventory';
import type { JobRunner } from '../jobs/job-runner';
import { DomainXmlFlag } from '../libvirt';
import { xmlEscape } from './build-domain-xml';
import { createVmJob, pickHost, validateCreate } from './create-vm';
import { deleteVmJob, planDelete } from './delete-vm';
import { applyEdits } from './domain-xml-edit';
import { vmDetails } from './vm-details';

/** virDomainDefineFlags: validate the XML against libvirt's schema. */
const DEFINE_VALIDATE = 1;
/** virDomainDeviceModifyFlags */
const MODIFY_LIVE = 1;
const MODIFY_CONFIG = 2;

/** VM operations beyond the power buttons: create, delete, edit, details. */
export class VmService {
  constructor(
    private readonly hosts: HostManager,
    private readonly inventory: VmInventory,
    private readonly jobs: JobRunner,
  ) {}

  private vm(id: string): Vm {
    const vm = this.inventory.get(id);
    if (!vm) throw new HangarError('NOT_FOUND', `No VM ${id}`);
    return vm;
  }

  get(vmId: string): Promise<VmDetails> {
    const vm = this.vm(vmId);
    return vmDetails(vm, this.hosts.libvirt(vm.hostId));
  }

  async create(p: z.output<typeof CreateVmParams>): Promise<JobRef> {
    const all = this.hosts.hosts.values();
    const used = (hostId: string) =>
      this.inventory.vms.values().filter((v) => v.hostId === hostId && v.state !== 'stopped').reduce((a, v) => a + v.memoryKiB, 0);
    const host = p.hostId ? all.find((h) => h.id === p.hostId) : pickHost(all, p.hostTags, used);
    if (!host) throw new HangarError('NOT_FOUND', `No host ${p.hostId}`);
    const conn = this.hosts.libvirt(host.id);
    await validateCreate(p, host, conn);
    const { spec, handler } = createVmJob(p, host, () => this.hosts.libvirt(host.id));
    return this.jobs.start(spec, handler);
  }

  async delete(p: z.output<typeof DeleteVmParams>): Promise<JobRef> {
    const vm = this.vm(p.vmId);
    const conn = this.hosts.libvirt(vm.hostId);
    const { volumes } = await planDelete(p, vm, conn, this.inventory.summariesOn(vm.hostId));
    const { spec, handler } = deleteVmJob(vm, volumes, () => this.hosts.libvirt(vm.hostId));
    return this.jobs.start(spec, handler);
  }

  async update(p: z.output<typeof UpdateVmParams>): Promise<VmDetails> {
    const vm = this.vm(p.vmId);
    if ((p.memoryMiB !== undefined || p.vcpus !== undefined) && vm.state !== 'stopped') {
      throw new HangarError('CONFLICT', `Stop ${vm.name} to change its memory or vCPUs`);
    }
    const host = this.hosts.hosts.get(vm.hostId);
    const hostMiB = Math.floor((host?.facts?.memoryKiB ?? Infinity) / 1024);
    if (p.memoryMiB !== undefined && p.memoryMiB > hostMiB) throw new HangarError('INVALID_PARAMS', `${p.memoryMiB} MiB is more memory than ${host?.name} has (${hostMiB} MiB)`);
    const conn = this.hosts.libvirt(vm.hostId);
    const dom = await conn.domainLookupByUuid(vm.uuid);
    const xml = await conn.domainGetXmlDesc(dom, DomainXmlFlag.INACTIVE | DomainXmlFlag.SECURE);
    await conn.domainDefineXml(applyEdits(xml, p), 0);
    return vmDetails(vm, conn);
  }

  /** The XML must stay this VM's: same UUID (a changed name is libvirt's rename rules to judge). */
  async defineXml(p: z.output<typeof DefineXmlParams>): Promise<VmDetails> {
    const vm = this.vm(p.vmId);
    const uuid = /<uuid>\s*([0-9a-f-]{36})\s*<\/uuid>/i.exec(p.xml)?.[1];
    if (uuid?.toLowerCase() !== vm.uuid.toLowerCase()) throw new HangarError('INVALID_PARAMS', `The XML must keep this VM's <uuid>${vm.uuid}</uuid>`);
    const conn = this.hosts.libvirt(vm.hostId);
    await conn.domainDefineXml(p.xml, DEFINE_VALIDATE);
    return vmDetails(vm, conn);
  }

  async addNic(p: z.output<typeof AddNicParams>): Promise<VmDetails> {
    const vm = this.vm(p.vmId);
    const conn = this.hosts.libvirt(vm.hostId);
    const dom = await conn.domainLookupByUuid(vm.uuid);
    const xml = `<interface type='network'>${p.mac ? `<mac address='${xmlEscape(p.mac)}'/>` : ''}<source network='${xmlEscape(p.network)}'/><model type='${p.model}'/></interface>`;
    const running = vm.state === 'running' || vm.state === 'paused';
    await conn.domainAttachDevice(dom, xml, MODIFY_CONFIG | (running && p.live ? MODIFY_LIVE : 0));
    return vmDetails(vm, conn);
  }
}
