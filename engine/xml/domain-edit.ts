import { HangarError } from '../contract/errors';
import { el, renderXml, type XmlEl } from './build';
import { attributes, child, element, elements, insertAfter, parseXml, removeChild, serializeXml, setAttributes, setText, textOf, type XmlElement } from './lossless';
import { HANGAR_METADATA_NS, hangarMetadataEl } from './metadata';

/**
 * Edits of a domain's persistent XML, made on a lossless tree and written back whole: libvirt
 * validates what it is given, and nothing Hangar does not touch changes, byte for byte (a
 * `&#10;` in a foreign metadata attribute, a `&apos;` in a disk path, comments and CDATA).
 */
function root(xml: string): { doc: ReturnType<typeof parseXml>; domain: XmlElement } {
  const doc = parseXml(xml);
  const domain = doc.find((n): n is XmlElement => n.kind === 'element');
  if (domain?.name !== 'domain') throw new HangarError('INVALID_PARAMS', 'Not a domain XML');
  return { doc, domain };
}

/** A new lossless element from a built one: compact, as it is spliced into a formatted document. */
const fresh = (e: XmlEl): XmlElement => element(renderXml(e, { pretty: false }));

/** Sets an element's text (and attributes), creating it after `after` (or at the end) if missing. */
function setChild(parent: XmlElement, tag: string, text: string, attrs?: Record<string, string | null>, after?: string): void {
  let c = child(parent, tag);
  if (!c) {
    c = fresh(el(tag));
    insertAfter(parent, (after && child(parent, after)) || null, [c]);
  }
  if (attrs) setAttributes(c, attrs);
  setText(c, text);
}

export interface DomainEdits {
  memoryMiB?: number | undefined;
  vcpus?: number | undefined;
  description?: string | undefined;
  /** Hangar's metadata: replaced whole when given (labels, group; origin and creation kept). */
  labels?: Record<string, string> | undefined;
  group?: string | null | undefined;
  /** Boot devices in order, e.g. ['cdrom', 'hd']. */
  bootOrder?: string[] | undefined;
  firmware?: 'bios' | 'efi' | undefined;
  /** The domain type, and a CPU that type can run: the host's CPU needs KVM, TCG emulates qemu64. */
  accel?: 'kvm' | 'tcg' | undefined;
}


/** Hangar's element in <metadata> (whatever prefix it was written with). */
export function hangarNode(d: XmlElement): XmlElement | null {
  const meta = child(d, 'metadata');
  return (meta && elements(meta).find((n) => attributes(n).some((a) => a.name.startsWith('xmlns') && a.value === HANGAR_METADATA_NS))) ?? null;
}

/** Reads a text child of Hangar's element (origin, created-at…) so a rewrite keeps it. */
export function hangarText(n: XmlElement, name: string): string | null {
  const el = elements(n).find((c) => c.name.replace(/^.*:/, '') === name);
  return el ? textOf(el) : null;
}

/** Memory and vCPUs as a stopped VM's new configuration; current memory follows the maximum. */
export function applyEdits(xml: string, e: DomainEdits): string {
  const { doc, domain: d } = root(xml);
  if (e.memoryMiB !== undefined) {
    const kib = String(e.memoryMiB * 1024);
    setChild(d, 'memory', kib, { unit: 'KiB' }, 'uuid');
    setChild(d, 'currentMemory', kib, { unit: 'KiB' }, 'memory');
  }
  if (e.vcpus !== undefined) {
    // The count is the maximum and the current number alike: a `current` below it would hide it.
    setChild(d, 'vcpu', String(e.vcpus), { current: null }, 'currentMemory');
  }
  if (e.description !== undefined) setChild(d, 'description', e.description, undefined, 'uuid');
  if (e.labels !== undefined || e.group !== undefined) {
    const old = hangarNode(d);
    const keep = (name: string) => (old ? hangarText(old, name) : null);
    const labels = e.labels ?? {};
    const group = e.group === undefined ? keep('group') : e.group;
    const node = fresh(hangarMetadataEl({ labels, group, os: keep('os'), origin: keep('origin'), createdBy: keep('created-by'), createdAt: keep('created-at') }));
    let meta = child(d, 'metadata');
    if (old && meta) meta.children.splice(meta.children.indexOf(old), 1, node);
    else {
      if (!meta) insertAfter(d, child(d, 'uuid') ?? child(d, 'name') ?? null, [(meta = fresh(el('metadata')))]);
      insertAfter(meta, null, [node]);
    }
  }
  const os = child(d, 'os');
  if (os && e.bootOrder !== undefined) {
    const boots = elements(os).filter((n) => n.name === 'boot');
    const anchor = boots.length ? (elements(os)[elements(os).indexOf(boots[0]!) - 1] ?? null) : (child(os, 'type') ?? null);
    for (const b of boots) removeChild(os, b);
    const added = e.bootOrder.map((dev) => fresh(el('boot', { dev })));
    if (anchor) insertAfter(os, anchor, added);
    else os.children.unshift(...added);
  }
  if (os && e.firmware !== undefined) setAttributes(os, { firmware: e.firmware === 'efi' ? 'efi' : null });
  if (e.accel !== undefined) {
    setAttributes(d, { type: e.accel === 'kvm' ? 'kvm' : 'qemu' });
    const cpu = fresh(e.accel === 'kvm' ? el('cpu', { mode: 'host-passthrough' }) : el('cpu', { mode: 'custom', match: 'exact' }, el('model', {}, 'qemu64')));
    const old = child(d, 'cpu');
    if (old) {
      insertAfter(d, old, [cpu]);
      removeChild(d, old);
    } else insertAfter(d, child(d, 'features') ?? child(d, 'os') ?? null, [cpu]);
  }
  return serializeXml(doc);
}
