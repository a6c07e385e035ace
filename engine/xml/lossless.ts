import { XMLValidator } from 'fast-xml-parser';
import { HangarError } from '../contract/errors';
import { decodeXml, escapeAttr, escapeText } from './escape';

/**
 * A lossless XML tree for editing libvirt XML: every node keeps the exact bytes it was read from
 * (entity and character references, comments, CDATA, quote styles, whitespace inside tags), and
 * serialising writes them back unchanged. Only what an edit touches is written anew, so a
 * vCPU-only edit changes the vCPU element and nothing else. fast-xml-parser checks
 * well-formedness first; reading values decodes references, writing them escapes.
 */
export interface XmlText {
  kind: 'text';
  raw: string;
}
/** Comment, CDATA section, processing instruction, XML declaration or DOCTYPE: kept verbatim. */
export interface XmlOther {
  kind: 'other';
  raw: string;
}
export interface XmlElement {
  kind: 'element';
  name: string;
  /** The start tag as read (`<disk type='file'>`), or as rewritten after an attribute edit. */
  open: string;
  /** The end tag as read; '' for a self-closing element. */
  close: string;
  children: XmlNode[];
}
export type XmlNode = XmlText | XmlOther | XmlElement;

const NAME = /^<([^\s/>]+)/;
const ATTR = /([^\s=/>]+)\s*=\s*("[^"]*"|'[^']*')/g;

/** Where the construct starting at `i` ends (index after its last character). */
function endOf(xml: string, i: number, terminator: string): number {
  const j = xml.indexOf(terminator, i);
  if (j < 0) throw new HangarError('INVALID_PARAMS', 'Malformed XML: unterminated markup');
  return j + terminator.length;
}

/** The end of a tag or DOCTYPE: the first `>` outside quotes (and, for DOCTYPE, outside `[…]`). */
function tagEnd(xml: string, i: number): number {
  let quote = '';
  let depth = 0;
  for (let j = i; j < xml.length; j++) {
    const c = xml[j]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) return j + 1;
  }
  throw new HangarError('INVALID_PARAMS', 'Malformed XML: unterminated tag');
}

export function parseXml(xml: string): XmlNode[] {
  // The validator does not read a DOCTYPE's internal subset: it is checked as blanks (lines kept).
  const dt = xml.indexOf('<!DOCTYPE');
  const checked = dt < 0 ? xml : xml.slice(0, dt) + xml.slice(dt, tagEnd(xml, dt + 2)).replace(/[^\n]/g, ' ') + xml.slice(tagEnd(xml, dt + 2));
  const valid = XMLValidator.validate(checked, { allowBooleanAttributes: false });
  if (valid !== true) throw new HangarError('INVALID_PARAMS', `Malformed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const top: XmlNode[] = [];
  const stack: XmlElement[] = [];
  const add = (n: XmlNode) => (stack.length ? stack[stack.length - 1]!.children : top).push(n);
  let i = 0;
  while (i < xml.length) {
    if (xml[i] !== '<') {
      const j = xml.indexOf('<', i);
      const end = j < 0 ? xml.length : j;
      add({ kind: 'text', raw: xml.slice(i, end) });
      i = end;
      continue;
    }
    let end: number;
    if (xml.startsWith('<!--', i)) end = endOf(xml, i + 4, '-->');
    else if (xml.startsWith('<![CDATA[', i)) end = endOf(xml, i + 9, ']]>');
    else if (xml.startsWith('<?', i)) end = endOf(xml, i + 2, '?>');
    else if (xml.startsWith('<!', i)) end = tagEnd(xml, i + 2);
    else if (xml.startsWith('</', i)) {
      end = tagEnd(xml, i + 2);
      const el = stack.pop();
      if (!el) throw new HangarError('INVALID_PARAMS', 'Malformed XML: unexpected end tag');
      el.close = xml.slice(i, end);
      i = end;
      continue;
    } else {
      end = tagEnd(xml, i + 1);
      const open = xml.slice(i, end);
      const el: XmlElement = { kind: 'element', name: NAME.exec(open)![1]!, open, close: '', children: [] };
      add(el);
      if (!open.endsWith('/>')) stack.push(el);
      i = end;
      continue;
    }
    add({ kind: 'other', raw: xml.slice(i, end) });
    i = end;
  }
  return top;
}

export function serializeXml(nodes: readonly XmlNode[]): string {
  let out = '';
  for (const n of nodes) out += n.kind === 'element' ? n.open + serializeXml(n.children) + n.close : n.raw;
  return out;
}

export const elements = (n: XmlElement): XmlElement[] => n.children.filter((c): c is XmlElement => c.kind === 'element');
export const child = (n: XmlElement, name: string): XmlElement | undefined => elements(n).find((c) => c.name === name);

/** The element's text content (CDATA included), decoded. */
export function textOf(n: XmlElement): string {
  return n.children
    .map((c) => (c.kind === 'text' ? decodeXml(c.raw) : c.kind === 'other' && c.raw.startsWith('<![CDATA[') ? c.raw.slice(9, -3) : c.kind === 'element' ? textOf(c) : ''))
    .join('');
}

/** Attributes in order, values decoded. */
export function attributes(n: XmlElement): Array<{ name: string; value: string; quote: string }> {
  return [...n.open.matchAll(ATTR)].map((m) => ({ name: m[1]!, value: decodeXml(m[2]!.slice(1, -1)), quote: m[2]![0]! }));
}

export const attr = (n: XmlElement, name: string): string | null => attributes(n).find((a) => a.name === name)?.value ?? null;

/**
 * Sets (a string) or removes (null) attributes. The start tag is rewritten only when a value
 * really changes, keeping the quote style it was written with.
 */
export function setAttributes(n: XmlElement, changes: Record<string, string | null>): void {
  const list = attributes(n);
  let changed = false;
  for (const [name, value] of Object.entries(changes)) {
    const i = list.findIndex((a) => a.name === name);
    if (value === null) {
      if (i >= 0) (list.splice(i, 1), (changed = true));
    } else if (i < 0) (list.push({ name, value, quote: list[0]?.quote ?? "'" }), (changed = true));
    else if (list[i]!.value !== value) ((list[i]!.value = value), (changed = true));
  }
  if (!changed) return;
  const selfClosing = n.open.endsWith('/>');
  n.open = `<${n.name}${list.map((a) => ` ${a.name}=${a.quote}${escapeAttr(a.value, a.quote)}${a.quote}`).join('')}${selfClosing ? '/>' : '>'}`;
}

/** Replaces the element's content with one text node (a self-closing element gains an end tag). */
export function setText(n: XmlElement, text: string): void {
  if (textOf(n) === text && n.children.every((c) => c.kind === 'text')) return;
  if (n.open.endsWith('/>')) {
    n.open = n.open.slice(0, -2).trimEnd() + '>';
    n.close = `</${n.name}>`;
  }
  n.children = [{ kind: 'text', raw: escapeText(text) }];
}

const isBlank = (n: XmlNode | undefined): n is XmlText => n?.kind === 'text' && n.raw.trim() === '';

/** Removes an element and the indentation before it. */
export function removeChild(parent: XmlElement, el: XmlElement): void {
  const i = parent.children.indexOf(el);
  if (i < 0) return;
  const from = isBlank(parent.children[i - 1]) ? i - 1 : i;
  parent.children.splice(from, i - from + 1);
}

/**
 * Inserts elements after `ref` (or after the last element child when ref is null), each indented
 * like the element before it, so a formatted document stays formatted.
 */
export function insertAfter(parent: XmlElement, ref: XmlElement | null, added: XmlElement[]): void {
  if (parent.open.endsWith('/>')) {
    parent.open = parent.open.slice(0, -2).trimEnd() + '>';
    parent.close = `</${parent.name}>`;
  }
  const anchor = ref ?? elements(parent).at(-1) ?? null;
  const at = anchor ? parent.children.indexOf(anchor) : -1;
  const before = at > 0 ? parent.children[at - 1] : undefined;
  const indent = isBlank(before) ? before.raw : '';
  const nodes = added.flatMap((el): XmlNode[] => (indent ? [{ kind: 'text', raw: indent }, el] : [el]));
  parent.children.splice(at + 1, 0, ...nodes);
}

/** A new element from trusted markup built by Hangar (its values already escaped). */
export function element(markup: string): XmlElement {
  const [el] = parseXml(markup);
  if (el?.kind !== 'element') throw new HangarError('INTERNAL', 'Not an element');
  return el;
}
