import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HangarError } from '../../../engine/contract/errors';
import { dispatch } from '../../../engine/rpc/dispatch';
import { paramIssues } from '../../../engine/rpc/param-issues';
import type { Handlers } from '../../../engine/rpc/handlers';
import { describeParamIssue, fieldErrors } from '../../../renderer/src/components/param-errors';
import { metricAxis } from '../../../renderer/src/features/metrics/format-metric';
import { translator } from '../../../renderer/src/i18n/translate';
import { localeOf } from '../../../renderer/src/components/format';

async function rejected(params: unknown): Promise<HangarError> {
  try {
    await dispatch({} as Handlers, 'vms.create', params, {} as never);
  } catch (e) {
    return e as HangarError;
  }
  throw new Error('accepted');
}

describe('validation errors as a person reads them', () => {
  it('the engine says which field broke which rule, as data and in plain words', async () => {
    const err = await rejected({ name: 'x', hostId: 'h', memoryMiB: 99_999_999 });
    expect(err.code).toBe('INVALID_PARAMS');
    expect(err.message).not.toMatch(/Invalid params|expected number|Too big/);
    expect(err.details?.issues).toContainEqual({ path: 'memoryMiB', rule: 'max', limit: 4 * 1024 * 1024, of: 'number' });
  });

  it('the UI puts each issue next to its field in the user language, numbers in its locale', async () => {
    const err = await rejected({ name: 'x', hostId: 'h', memoryMiB: 99_999_999 });
    expect(fieldErrors(translator('en'), 'en', err).memoryMiB).toBe('Memory (MiB) must be at most 4,194,304.');
    expect(fieldErrors(translator('ko'), 'ko', err).memoryMiB).toBe('메모리(MiB): 4,194,304 이하여야 합니다.');
    expect(describeParamIssue(translator('ko'), 'ko', { path: 'name', rule: 'min', limit: 1, of: 'length' })).toBe('이름: 1자 이상 입력해 주세요.');
    // The schema's own hint for a field, in the user's language.
    const bad = await rejected({ name: 'a/b', hostId: 'h' });
    expect(bad.details?.issues).toContainEqual(expect.objectContaining({ path: 'name', rule: 'format', hint: expect.stringContaining('use letters') }));
    expect(fieldErrors(translator('en'), 'en', bad).name).toBe('Name: use letters, digits and "-" (up to 63, starting with a letter or digit).');
    expect(fieldErrors(translator('ko'), 'ko', bad).name).toMatch(/^이름: 영문자, 숫자/);
    // A field without a label of its own is named by its path rather than dropped.
    expect(describeParamIssue(translator('en'), 'en', { path: 'cloudInit.fooBar', rule: 'other' })).toBe('cloudInit.fooBar is not valid.');
  });

  it('zod issues of every kind map to a rule', () => {
    const r = z.object({ a: z.enum(['x', 'y']), b: z.email(), d: z.number() }).strict().safeParse({ a: 'z', b: 'no', c: 1 });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(paramIssues(r.error)).toEqual(
      expect.arrayContaining([
        { path: 'a', rule: 'oneOf', choices: ['x', 'y'] },
        { path: 'b', rule: 'format', expected: 'email' },
        { path: 'd', rule: 'type', expected: 'number' },
        { path: 'c', rule: 'unknownKey' },
      ]),
    );
  });
});

describe('locale and chart axes', () => {
  it('formats for the UI language', () => {
    expect(localeOf('ko')).toBe('ko-KR');
    expect(new Intl.DateTimeFormat(localeOf('ko'), { timeStyle: 'short', timeZone: 'UTC' }).format(Date.UTC(2026, 0, 1, 15, 4))).toBe('오후 3:04');
  });
  it('labels every tick of a byte axis in the unit of its largest value', () => {
    const axis = metricAxis('bytes', 'en', 2.6 * 1024 ** 3);
    const incrs = axis.incrs(0, 3 * 1024 ** 3);
    expect(incrs).toContain(1024 ** 3);
    expect(axis.values([0, 1024 ** 3, 2 * 1024 ** 3])).toEqual(['0 GiB', '1 GiB', '2 GiB']);
    // The scale ends on a round figure of that unit, so its top tick is labelled too.
    expect(axis.top(2.6 * 1024 ** 3)).toBe(5 * 1024 ** 3);
    expect(metricAxis('count', 'en').top(3)).toBe(5);
    expect(metricAxis('count', 'en').top(0)).toBe(1);
  });
});
