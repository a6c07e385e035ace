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
  memoryMiB?: number;
  vcpus?: number;
  description?: string;
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
  });
}

export { HANGAR_METADATA_NS };
