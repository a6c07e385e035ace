import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { HangarError } from '../contract/errors';
import { HANGAR_METADATA_NS } from '../inventory/domain-xml';

/**
 * Edits of a domain's persistent XML, made on a parsed tree that keeps element order, attributes
 * and namespaces, then written back whole: libvirt validates what it is given, and nothing Hangar
 * does not touch changes.
 */
type XNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const opts = { ignoreAttributes: false, attributeNamePrefix: '@_', preserveOrder: true, parseTagValue: false, parseAttributeValue: false, trimValues: false, suppressEmptyNode: true } as const;
const parser = new XMLParser(opts);
const builder = new XMLBuilder({ ...opts, format: false });

const tagOf = (n: XNode): string => Object.keys(n).find((k) => k !== ':@')!;
const children = (n: XNode): XNode[] => n[tagOf(n)] as XNode[];

function root(doc: XNode[]): XNode {
  const d = doc.find((n) => tagOf(n) === 'domain');
  if (!d) throw new HangarError('INVALID_PARAMS', 'Not a domain XML');
  return d;
}

function child(parent: XNode, tag: string): XNode | undefined {
  return children(parent).find((n) => tagOf(n) === tag);
}

/** Sets an element's text (and attributes), creating it after `after` (or at the end) if missing. */
function setText(parent: XNode, tag: string, text: string, attrs?: Record<string, string>, after?: string): void {
  let el = child(parent, tag);
  if (!el) {
    el = { [tag]: [] };
    const list = children(parent);
    const i = after ? list.findIndex((n) => tagOf(n) === after) : -1;
    list.splice(i >= 0 ? i + 1 : list.length, 0, el);
  }
  el[tag] = [{ '#text': text }];
  if (attrs) el[':@'] = Object.fromEntries(Object.entries(attrs).map(([k, v]) => [`@_${k}`, v]));
}

export function editDomainXml(xml: string, edit: (domain: XNode) => void): string {
  let doc: XNode[];
  try {
    doc = parser.parse(xml) as XNode[];
  } catch (err) {
    throw new HangarError('INVALID_PARAMS', `Malformed domain XML: ${String(err)}`);
  }
  edit(root(doc));
  return builder.build(doc) as string;
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

const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Finds Hangar's element in <metadata> (whatever prefix it was written with). */
function hangarNode(d: XNode): { list: XNode[]; index: number } | null {
  const meta = child(d, 'metadata');
  if (!meta) return null;
  const list = children(meta);
  const index = list.findIndex((n) => Object.entries(n[':@'] ?? {}).some(([k, v]) => k.startsWith('@_xmlns') && v === HANGAR_METADATA_NS));
  return index < 0 ? null : { list, index };
}

/** Reads a text child of Hangar's element (origin, created-at…) so a rewrite keeps it. */
function hangarText(n: XNode, name: string): string | null {
  const el = children(n).find((c) => tagOf(c).replace(/^.*:/, '') === name);
  const t = el ? (children(el)[0]?.['#text'] as string | undefined) : undefined;
  return t ?? null;
}

/** Memory and vCPUs as a stopped VM's new configuration; current memory follows the maximum. */
export function applyEdits(xml: string, e: DomainEdits): string {
  return editDomainXml(xml, (d) => {
    if (e.memoryMiB !== undefined) {
      const kib = String(e.memoryMiB * 1024);
      setText(d, 'memory', kib, { unit: 'KiB' }, 'uuid');
      setText(d, 'currentMemory', kib, { unit: 'KiB' }, 'memory');
    }
    if (e.vcpus !== undefined) {
      const v = child(d, 'vcpu');
      const placement = (v?.[':@']?.['@_placement'] as string | undefined) ?? 'static';
      setText(d, 'vcpu', String(e.vcpus), { placement }, 'currentMemory');
    }
    if (e.description !== undefined) setText(d, 'description', e.description, undefined, 'uuid');
    if (e.labels !== undefined || e.group !== undefined) {
      const found = hangarNode(d);
      const old = found ? found.list[found.index]! : null;
      const keep = (name: string) => (old ? hangarText(old, name) : null);
      const labels = e.labels ?? {};
      const group = e.group === undefined ? keep('group') : e.group;
      const xml =
        `<h:vm xmlns:h="${HANGAR_METADATA_NS}"><h:labels>${Object.entries(labels).map(([k, v]) => `<h:label key="${esc(k)}">${esc(v)}</h:label>`).join('')}</h:labels>` +
        (group ? `<h:group>${esc(group)}</h:group>` : '') +
        ['os', 'origin', 'created-by', 'created-at'].map((n) => (keep(n) ? `<h:${n}>${esc(keep(n)!)}</h:${n}>` : '')).join('') +
        `</h:vm>`;
      const node = (parser.parse(xml) as XNode[])[0]!;
      if (found) found.list.splice(found.index, 1, node);
      else {
        if (!child(d, 'metadata')) children(d).splice(Math.max(0, children(d).findIndex((n) => tagOf(n) === 'uuid') + 1), 0, { metadata: [] });
        children(child(d, 'metadata')!).push(node);
      }
    }
    const os = child(d, 'os');
    if (os && e.bootOrder !== undefined) {
      const list = children(os);
      const first = list.findIndex((n) => tagOf(n) === 'boot');
      const rest = list.filter((n) => tagOf(n) !== 'boot');
      const boots = e.bootOrder.map((dev) => ({ boot: [], ':@': { '@_dev': dev } }) as XNode);
      const at = first < 0 ? rest.findIndex((n) => tagOf(n) === 'type') + 1 : first;
      rest.splice(at, 0, ...boots);
      os.os = rest;
    }
    if (e.accel !== undefined) {
      d[':@'] = { ...(d[':@'] ?? {}), '@_type': e.accel === 'kvm' ? 'kvm' : 'qemu' };
      const list = children(d);
      const cpu: XNode =
        e.accel === 'kvm'
          ? { cpu: [], ':@': { '@_mode': 'host-passthrough' } }
          : { cpu: [{ model: [{ '#text': 'qemu64' }] }], ':@': { '@_mode': 'custom', '@_match': 'exact' } };
      const at = list.findIndex((n) => tagOf(n) === 'cpu');
      if (at >= 0) list.splice(at, 1, cpu);
      else list.splice(Math.max(0, list.findIndex((n) => tagOf(n) === 'features') + 1) || list.length, 0, cpu);
    }
    if (os && e.firmware !== undefined) {
      const attrs = { ...(os[':@'] ?? {}) };
      if (e.firmware === 'efi') attrs['@_firmware'] = 'efi';
      else delete attrs['@_firmware'];
      os[':@'] = attrs;
    }
  });
}

export { HANGAR_METADATA_NS };
