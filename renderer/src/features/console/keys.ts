/**
 * Keyboard input for the graphical console as RFB key events: text typed as keystrokes (paste)
 * and named combinations (send-key menu). Each event carries both the X keysym and the physical
 * key (KeyboardEvent.code): noVNC turns the code into a scancode for QEMU, which then does not
 * depend on the guest's or the laptop's keyboard layout. Typed text assumes a US layout guest.
 */
export interface KeyEvent {
  keysym: number;
  code: string | null;
  down: boolean;
}

interface Key {
  keysym: number;
  code: string | null;
}

const SHIFT: Key = { keysym: 0xffe1, code: 'ShiftLeft' };
const MODIFIERS: Record<string, Key> = {
  ctrl: { keysym: 0xffe3, code: 'ControlLeft' },
  control: { keysym: 0xffe3, code: 'ControlLeft' },
  alt: { keysym: 0xffe9, code: 'AltLeft' },
  shift: SHIFT,
  super: { keysym: 0xffeb, code: 'MetaLeft' },
  win: { keysym: 0xffeb, code: 'MetaLeft' },
  meta: { keysym: 0xffeb, code: 'MetaLeft' },
};
const NAMED: Record<string, Key> = {
  del: { keysym: 0xffff, code: 'Delete' },
  delete: { keysym: 0xffff, code: 'Delete' },
  backspace: { keysym: 0xff08, code: 'Backspace' },
  printscreen: { keysym: 0xff61, code: 'PrintScreen' },
  print: { keysym: 0xff61, code: 'PrintScreen' },
  sysrq: { keysym: 0xff61, code: 'PrintScreen' },
  esc: { keysym: 0xff1b, code: 'Escape' },
  escape: { keysym: 0xff1b, code: 'Escape' },
  tab: { keysym: 0xff09, code: 'Tab' },
  enter: { keysym: 0xff0d, code: 'Enter' },
  return: { keysym: 0xff0d, code: 'Enter' },
  space: { keysym: 0x20, code: 'Space' },
  insert: { keysym: 0xff63, code: 'Insert' },
  home: { keysym: 0xff50, code: 'Home' },
  end: { keysym: 0xff57, code: 'End' },
  pageup: { keysym: 0xff55, code: 'PageUp' },
  pagedown: { keysym: 0xff56, code: 'PageDown' },
  up: { keysym: 0xff52, code: 'ArrowUp' },
  down: { keysym: 0xff54, code: 'ArrowDown' },
  left: { keysym: 0xff51, code: 'ArrowLeft' },
  right: { keysym: 0xff53, code: 'ArrowRight' },
};
for (let n = 1; n <= 12; n++) NAMED[`f${n}`] = { keysym: 0xffbe + n - 1, code: `F${n}` };

/** US layout: unshifted and shifted character of each punctuation key. */
const PUNCT: Array<[string, string, string]> = [
  ['Minus', '-', '_'], ['Equal', '=', '+'], ['BracketLeft', '[', '{'], ['BracketRight', ']', '}'], ['Backslash', '\\', '|'],
  ['Semicolon', ';', ':'], ['Quote', "'", '"'], ['Comma', ',', '<'], ['Period', '.', '>'], ['Slash', '/', '?'], ['Backquote', '`', '~'],
];
const SHIFTED_DIGITS = ')!@#$%^&*(';

/** The key and whether Shift is needed for one character on a US keyboard. */
export function charKey(ch: string): { key: Key; shift: boolean } {
  const cp = ch.codePointAt(0) ?? 0;
  if (ch === '\n' || ch === '\r') return { key: NAMED.enter as Key, shift: false };
  if (ch === '\t') return { key: NAMED.tab as Key, shift: false };
  if (ch === ' ') return { key: NAMED.space as Key, shift: false };
  if (/^[a-z]$/.test(ch)) return { key: { keysym: cp, code: `Key${ch.toUpperCase()}` }, shift: false };
  if (/^[A-Z]$/.test(ch)) return { key: { keysym: cp, code: `Key${ch}` }, shift: true };
  if (/^[0-9]$/.test(ch)) return { key: { keysym: cp, code: `Digit${ch}` }, shift: false };
  const d = SHIFTED_DIGITS.indexOf(ch);
  if (d >= 0) return { key: { keysym: cp, code: `Digit${d}` }, shift: true };
  for (const [code, plain, shifted] of PUNCT) {
    if (ch === plain) return { key: { keysym: cp, code }, shift: false };
    if (ch === shifted) return { key: { keysym: cp, code }, shift: true };
  }
  // Beyond a US keyboard: the keysym alone (Latin-1 as is, the rest as Unicode keysyms).
  return { key: { keysym: cp <= 0xff ? cp : 0x01000000 | cp, code: null }, shift: false };
}

/** Key events that type `text`; CRLF counts as one Enter. */
export function textToKeyEvents(text: string): KeyEvent[] {
  const out: KeyEvent[] = [];
  const chars = [...text.replace(/\r\n/g, '\n')];
  for (const ch of chars) {
    const { key, shift } = charKey(ch);
    if (shift) out.push({ ...SHIFT, down: true });
    out.push({ ...key, down: true }, { ...key, down: false });
    if (shift) out.push({ ...SHIFT, down: false });
  }
  return out;
}

/** Parses "ctrl+alt+f1", "Ctrl+Alt+Del", "super+l": modifiers down, the key, modifiers up. */
export function comboToKeyEvents(combo: string): KeyEvent[] | null {
  const parts = combo.toLowerCase().split('+').map((p) => p.trim()).filter(Boolean);
  const last = parts.pop();
  if (!last) return null;
  const mods: Key[] = [];
  for (const p of parts) {
    const m = MODIFIERS[p];
    if (!m) return null;
    mods.push(m);
  }
  const key = MODIFIERS[last] ?? NAMED[last] ?? ([...last].length === 1 ? charKey(last).key : undefined);
  if (!key) return null;
  return [...mods.map((m) => ({ ...m, down: true })), { ...key, down: true }, { ...key, down: false }, ...mods.reverse().map((m) => ({ ...m, down: false }))];
}

/** The send-key menu: what peers offer, plus the vGPU display switches from the reference. */
export const SEND_KEY_PRESETS = ['Ctrl+Alt+Del', 'Ctrl+Alt+Backspace', 'PrintScreen', ...Array.from({ length: 12 }, (_, i) => `Ctrl+Alt+F${i + 1}`), 'Ctrl+Alt+1', 'Ctrl+Alt+2'] as const;
