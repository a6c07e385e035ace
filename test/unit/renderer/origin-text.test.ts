import { describe, expect, it } from 'vitest';
import { originText } from '../../../renderer/src/components/origin-text';
import { translator } from '../../../renderer/src/i18n/translate';

describe('what a VM was made from, in words', () => {
  it('says blank, base image, ISO and imported disk in the user language, keeping the volume name', () => {
    const ko = translator('ko');
    expect(originText('blank', ko)).toBe('빈 디스크');
    expect(originText('base:shared/debian.qcow2', ko)).toBe('기본 이미지 shared/debian.qcow2');
    expect(originText('iso:default/x.iso', translator('en'))).toBe('ISO default/x.iso');
    expect(originText(null, translator('en'))).toBe('Not created by Hangar');
  });
  it('shows a value it does not know as it is (another tool wrote it)', () => {
    expect(originText('terraform:abc', translator('en'))).toBe('terraform:abc');
  });
});
