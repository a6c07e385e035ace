import { describe, expect, it } from 'vitest';
import { ERROR_CODES, JOB_STATES } from '../../../engine/contract';
import { en } from '../../../renderer/src/i18n/en';
import { ko } from '../../../renderer/src/i18n/ko';
import { translateMessage, translator } from '../../../renderer/src/i18n/translate';

describe('i18n', () => {
  it('has every English key in Korean, translated and with the same placeholders', () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
    const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(ko[k], k).not.toBe('');
      expect(ph(ko[k]), k).toEqual(ph(en[k]));
    }
  });
  it('names every error code and job state', () => {
    for (const c of ERROR_CODES) expect(en).toHaveProperty(`error.${c}`);
    for (const s of JOB_STATES) expect(en).toHaveProperty(`tasks.state.${s}`);
  });
  it('interpolates engine messages and shows unknown keys as themselves', () => {
    const t = translator('ko');
    expect(translateMessage(t, { key: 'job.selfTest.step', args: { step: 2, total: 5 } })).toBe('5단계 중 2단계');
    expect(translateMessage(translator('en'), { key: 'some.future.key' })).toBe('some.future.key');
  });
});
