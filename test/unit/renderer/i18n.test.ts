import { describe, expect, it } from 'vitest';
import { ERROR_CODES, JOB_STATES } from '../../../engine/contract';
import { en, enAreas } from '../../../renderer/src/i18n/en';
import { ko, koAreas } from '../../../renderer/src/i18n/ko';
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
  it('splits both languages into the same areas, each with exactly the same keys and no empty text', () => {
    expect(Object.keys(koAreas).sort()).toEqual(Object.keys(enAreas).sort());
    for (const [area, enText] of Object.entries(enAreas)) {
      const koText: Record<string, string> = koAreas[area as keyof typeof koAreas];
      expect(Object.keys(koText).sort(), area).toEqual(Object.keys(enText).sort());
      for (const [k, v] of Object.entries(enText)) {
        expect(v.trim(), `en ${k}`).not.toBe('');
        expect(koText[k]!.trim(), `ko ${k}`).not.toBe('');
      }
    }
  });
  it('puts each key in one area only, so merging the areas loses nothing', () => {
    const count = (areas: Record<string, object>) => Object.values(areas).reduce((n, a) => n + Object.keys(a).length, 0);
    expect(count(enAreas)).toBe(Object.keys(en).length);
    expect(count(koAreas)).toBe(Object.keys(ko).length);
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
