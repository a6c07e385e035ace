import { escapeAttr, escapeText } from './escape';

/**
 * Writing libvirt XML: every document and device Hangar sends is an element tree rendered here,
 * so each value is escaped by construction (no template can forget it). Attributes are written
 * with single quotes, as libvirt writes them.
 */
export interface XmlEl {
  name: string;
  attrs: Record<string, string | number | null | undefined>;
  children: XmlChild[];
}
/** Strings are text; null, undefined and false are left out (optional parts read naturally). */
export type XmlChild = XmlEl | string | null | undefined | false;

export const el = (name: string, attrs: XmlEl['attrs'] = {}, ...children: XmlChild[]): XmlEl => ({ name, attrs, children });

const QUOTE = "'";

function openTag(e: XmlEl): string {
  const attrs = Object.entries(e.attrs)
    .filter((a): a is [string, string | number] => a[1] !== null && a[1] !== undefined)
    .map(([k, v]) => ` ${k}=${QUOTE}${escapeAttr(String(v), QUOTE)}${QUOTE}`)
    .join('');
  return `<${e.name}${attrs}`;
}

/**
 * The element as markup. `pretty` puts element children on their own indented lines (text-only
 * elements stay on one line); compact output is for fragments spliced into an existing document.
 */
export function renderXml(e: XmlEl, opts: { pretty?: boolean; indent?: string } = {}): string {
  const pretty = opts.pretty ?? true;
  const indent = opts.indent ?? '';
  const kids = e.children.filter((c): c is XmlEl | string => c !== null && c !== undefined && c !== false);
  if (kids.length === 0) return `${openTag(e)}/>`;
  const hasElements = kids.some((c) => typeof c !== 'string');
  if (!pretty || !hasElements) {
    return `${openTag(e)}>${kids.map((c) => (typeof c === 'string' ? escapeText(c) : renderXml(c, { pretty: false }))).join('')}</${e.name}>`;
  }
  const inner = `${indent}  `;
  const lines = kids.map((c) => (typeof c === 'string' ? inner + escapeText(c) : inner + renderXml(c, { pretty: true, indent: inner })));
  return `${openTag(e)}>\n${lines.join('\n')}\n${indent}</${e.name}>`;
}
