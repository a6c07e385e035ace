import { attr, list, node, readXml, text } from './parse';

/** What Hangar reads of a host's capabilities XML (connectGetCapabilities). */
export interface HostCapabilities {
  /**
   * libvirt's host UUID (`/capabilities/host/uuid`): stable across addresses, names and
   * reconnects, distinct per host (libvirtd.conf host_uuid, else SMBIOS or machine-id). Lower case.
   */
  hostUuid: string | null;
  /** Some guest architecture offers the kvm domain type (hardware acceleration). */
  kvm: boolean;
  guests: Array<{ osType: string | null; arch: string | null; domainTypes: string[] }>;
}

const ARRAY_TAGS = new Set(['guest', 'domain']);

export function readCapabilitiesXml(xml: string): HostCapabilities {
  const caps = node(readXml(xml, 'capabilities', ARRAY_TAGS).capabilities);
  const uuid = text(node(caps.host).uuid)?.trim() ?? '';
  const guests = list(caps.guest).map((g) => {
    const arch = node(g.arch);
    return { osType: text(g.os_type), arch: attr(arch, 'name'), domainTypes: list(arch.domain).map((d) => attr(d, 'type') ?? '').filter(Boolean) };
  });
  return {
    hostUuid: /^[0-9a-fA-F-]{32,36}$/.test(uuid) ? uuid.toLowerCase() : null,
    kvm: guests.some((g) => g.domainTypes.includes('kvm')),
    guests,
  };
}
