/**
 * The escaping and decoding every XML string of Hangar's goes through, reading and writing alike:
 * one place, so a value from a host or a user can never become markup.
 */

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references (others are left as written). */
export function decodeXml(raw: string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (m, ref: string) => {
    if (ref[0] !== '#') return NAMED[ref] ?? m;
    const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

export const escapeText = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An attribute value for the given quote; newlines and tabs as references, which attribute reading would otherwise turn into spaces. */
export const escapeAttr = (v: string, quote: string): string =>
  escapeText(v).replace(quote === '"' ? /"/g : /'/g, quote === '"' ? '&quot;' : '&apos;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;').replace(/\r/g, '&#13;');
