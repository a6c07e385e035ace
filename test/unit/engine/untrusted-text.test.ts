import { describe, expect, it } from 'vitest';
import { displayText } from '../../../engine/common/untrusted-text';

describe('displayText (what a guest reported, made fit to show)', () => {
  it('drops control, bidi-override and zero-width characters', () => {
    expect(displayText('eth0\u001b[2J\r\nfake line')).toBe('eth0[2Jfake line');
    expect(displayText('abc\u202edcba')).toBe('abcdcba');
    expect(displayText('a\u200bb\u2028c\ufeffd')).toBe('abcd');
  });

  it('caps the length on whole code points', () => {
    expect(displayText('x'.repeat(100))).toHaveLength(64);
    const emoji = displayText('😀'.repeat(40), 9); // 2 UTF-16 units each
    expect(emoji).toBe('😀'.repeat(4));
    expect(displayText('한국어 ✓', 64)).toBe('한국어 ✓');
  });
});
