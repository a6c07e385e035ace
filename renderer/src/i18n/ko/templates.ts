import type { templates as en } from '../en/templates';

/** Templates and ISOs. Typed against the English area, so a missing or extra key fails the build. */
export const templates: Record<keyof typeof en, string> = {
  'templates.title': '템플릿 및 ISO',
  'templates.empty': '아직 템플릿이나 ISO가 없습니다.',
};
