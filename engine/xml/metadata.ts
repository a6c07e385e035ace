import { el, type XmlEl } from './build';

/** The namespace of Hangar's own `<metadata>` element inside a domain's XML (DESIGN §4). */
export const HANGAR_METADATA_NS = 'https://hangar.dev/xmlns/domain/1';

export interface HangarMetadata {
  labels: Record<string, string>;
  group: string | null;
  /** The OS profile chosen at creation (linux, windows, legacy). */
  os: string | null;
  description: string | null;
  origin: string | null;
  createdBy: string | null;
  createdAt: string | null;
}

/** Hangar's element for `<metadata>`, written alike by a new domain and by an edit that rewrites it. */
export function hangarMetadataEl(m: Omit<HangarMetadata, 'description'>): XmlEl {
  const h = (name: string, value: string | null) => (value ? el(`h:${name}`, {}, value) : null);
  return el(
    'h:vm',
    { 'xmlns:h': HANGAR_METADATA_NS },
    el('h:labels', {}, ...Object.entries(m.labels).map(([key, v]) => el('h:label', { key }, v))),
    h('group', m.group),
    h('os', m.os),
    h('origin', m.origin),
    h('created-by', m.createdBy),
    h('created-at', m.createdAt),
  );
}

/** libosinfo's namespace: virt-manager and virt-install read the guest's OS from it. */
export const LIBOSINFO_NS = 'http://libosinfo.org/xmlns/libvirt/domain/1.0';

/** `<libosinfo:libosinfo><libosinfo:os id="…"/></libosinfo:libosinfo>` for `<metadata>`. */
export function libosinfoMetadataEl(osId: string): XmlEl {
  return el('libosinfo:libosinfo', { 'xmlns:libosinfo': LIBOSINFO_NS }, el('libosinfo:os', { id: osId }));
}
