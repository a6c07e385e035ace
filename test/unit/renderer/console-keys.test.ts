import { describe, expect, it } from 'vitest';
import { comboToKeyEvents, SEND_KEY_PRESETS, textToKeyEvents } from '../../../renderer/src/features/console/keys';

describe('console keys', () => {
  it('types lower case, upper case with Shift, and Enter', () => {
    expect(textToKeyEvents('aB\n')).toEqual([
      { keysym: 0x61, code: 'KeyA', down: true },
      { keysym: 0x61, code: 'KeyA', down: false },
      { keysym: 0xffe1, code: 'ShiftLeft', down: true },
      { keysym: 0x42, code: 'KeyB', down: true },
      { keysym: 0x42, code: 'KeyB', down: false },
      { keysym: 0xffe1, code: 'ShiftLeft', down: false },
      { keysym: 0xff0d, code: 'Enter', down: true },
      { keysym: 0xff0d, code: 'Enter', down: false },
    ]);
  });

  it('puts shell punctuation on the right physical keys', () => {
    const downs = textToKeyEvents('$(x)|"~').filter((e) => e.down && e.code !== 'ShiftLeft').map((e) => e.code);
    expect(downs).toEqual(['Digit4', 'Digit9', 'KeyX', 'Digit0', 'Backslash', 'Quote', 'Backquote']);
  });

  it('counts CRLF as one Enter and sends other characters as keysyms', () => {
    expect(textToKeyEvents('\r\n').filter((e) => e.down)).toHaveLength(1);
    expect(textToKeyEvents('é')[0]).toEqual({ keysym: 0xe9, code: null, down: true });
    expect(textToKeyEvents('한')[0]?.keysym).toBe(0x01000000 | 0xd55c);
  });

  it('presses combinations in order and releases in reverse', () => {
    expect(comboToKeyEvents('Ctrl+Alt+Del')?.map((e) => `${e.code}${e.down ? '↓' : '↑'}`)).toEqual(['ControlLeft↓', 'AltLeft↓', 'Delete↓', 'Delete↑', 'AltLeft↑', 'ControlLeft↑']);
    expect(comboToKeyEvents('ctrl+alt+f12')?.[2]).toEqual({ keysym: 0xffc9, code: 'F12', down: true });
    expect(comboToKeyEvents('super+l')?.map((e) => e.code)).toEqual(['MetaLeft', 'KeyL', 'KeyL', 'MetaLeft']);
  });

  it('refuses what it cannot press', () => {
    expect(comboToKeyEvents('hyper+x')).toBeNull();
    expect(comboToKeyEvents('ctrl+nosuchkey')).toBeNull();
    expect(comboToKeyEvents('')).toBeNull();
  });

  it('offers every preset as a valid combination', () => {
    for (const p of SEND_KEY_PRESETS) expect(comboToKeyEvents(p), p).not.toBeNull();
  });
});
