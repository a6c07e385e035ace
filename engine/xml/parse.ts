import { XMLParser } from 'fast-xml-parser';
import { HangarError } from '../contract/errors';

/**
 * Reading libvirt XML into plain objects: the one fast-xml-parser configuration every typed reader
 * (domain, volume, pool, network, snapshot, capabilities) uses. Values are decoded once; elements
 * that may repeat are always arrays, so one device and two devices read alike.
 */
export type XmlObject = Record<string, unknown>;

const parsers = new Map<string, XMLParser>();

function parserFor(arrayTags: ReadonlySet<string>): XMLParser {
  const key = [...arrayTags].sort().join(',');
  let p = parsers.get(key);
  if (!p) {
    p = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      textNodeName: '#text',
      parseAttributeValue: false,
      parseTagValue: false,
      trimValues: true,
      // Character references too: libvirt writes a newline or tab in an attribute as `&#10;` / `&#9;`.
      htmlEntities: true,
      isArray: (name) => arrayTags.has(name.replace(/^.*:/, '')),
    });
    parsers.set(key, p);
  }
  return p;
}

/** The document as objects; malformed XML is a LIBVIRT_ERROR naming what it was meant to be. */
export function readXml(xml: string, what: string, arrayTags: ReadonlySet<string> = new Set()): XmlObject {
  try {
    return node(parserFor(arrayTags).parse(xml, true));
  } catch (err) {
    throw new HangarError('LIBVIRT_ERROR', `Malformed ${what} XML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export const node = (v: unknown): XmlObject => (v && typeof v === 'object' && !Array.isArray(v) ? (v as XmlObject) : {});
export const list = (v: unknown): XmlObject[] => (Array.isArray(v) ? v.map(node) : v === undefined ? [] : [node(v)]);

export const attr = (n: XmlObject, name: string): string | null => {
  const v = n[`@${name}`];
  return typeof v === 'string' ? v : null;
};

export const text = (v: unknown): string | null => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  const t = node(v)['#text'];
  return typeof t === 'string' ? t : typeof t === 'number' ? String(t) : null;
};

const UNIT: Record<string, number> = {
  b: 1, bytes: 1,
  k: 1024, kib: 1024, kb: 1000,
  m: 1024 ** 2, mib: 1024 ** 2, mb: 1e6,
  g: 1024 ** 3, gib: 1024 ** 3, gb: 1e9,
  t: 1024 ** 4, tib: 1024 ** 4, tb: 1e12,
  p: 1024 ** 5, pib: 1024 ** 5, pb: 1e15,
  e: 1024 ** 6, eib: 1024 ** 6, eb: 1e18,
};

/** A libvirt scaled integer (`<capacity unit='G'>10</capacity>`) in bytes; `defaultUnit` when no unit is written. */
export function scaledBytes(v: unknown, defaultUnit: string): number | null {
  const t = text(v);
  if (t === null || t.trim() === '') return null;
  const unit = (attr(node(v), 'unit') ?? defaultUnit).toLowerCase();
  return Number(t) * (UNIT[unit] ?? UNIT[defaultUnit.toLowerCase()] ?? 1);
}
