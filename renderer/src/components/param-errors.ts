import { paramIssuesOf, type HangarError, type ParamIssue } from '../../../engine/contract/errors';
import { en, type MessageKey } from '../i18n/en';
import type { Translate } from '../i18n/translate';
import { formatNumber } from './format';

/** A field's label in the user's language: by its own name (the last part of the path), else the path. */
export function fieldLabel(t: Translate, path: string): string {
  if (!path) return t('param.request');
  const name = path.split('.').filter((p) => !/^\d+$/.test(p)).pop() ?? path;
  const key = `field.${name}`;
  return key in en ? t(key as MessageKey) : path;
}

/** One rejected parameter as a sentence in the user's language, numbers in their locale. */
export function describeParamIssue(t: Translate, lang: string, i: ParamIssue): string {
  const field = fieldLabel(t, i.path);
  const limit = i.limit === undefined ? '' : formatNumber(i.limit, lang);
  switch (i.rule) {
    case 'max':
    case 'min':
      return t(`param.${i.rule}.${i.of ?? 'number'}`, { field, limit });
    case 'oneOf':
      return t('param.oneOf', { field, choices: (i.choices ?? []).join(', ') });
    case 'multipleOf':
      return t('param.multipleOf', { field, limit });
    case 'format':
    case 'other': {
      // The schema's hint, in the user's language where we have it (by field), else as written.
      const name = i.path.split('.').pop() ?? '';
      const key = `param.hint.${name}`;
      if (i.hint && key in en) return t(key as MessageKey, { field });
      if (i.hint && lang === 'en') return `${field}: ${i.hint}.`;
      return t(`param.${i.rule}`, { field });
    }
    default:
      return t(`param.${i.rule}`, { field });
  }
}

/** An INVALID_PARAMS error's messages by field path, for forms that show them next to each field. */
export function fieldErrors(t: Translate, lang: string, error: HangarError | null): Record<string, string> {
  if (!error) return {};
  const out: Record<string, string> = {};
  for (const i of paramIssuesOf(error)) out[i.path] ??= describeParamIssue(t, lang, i);
  return out;
}
