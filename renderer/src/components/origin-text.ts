import type { Translate } from '../i18n/translate';

const KINDS = ['base', 'iso', 'import', 'clone'] as const;

/**
 * What a VM was made from, in the user's language: Hangar records it as `base:pool/volume`,
 * `iso:pool/volume`, `import:pool/volume`, `clone:vm[@snapshot]` or `blank`; anything else (another tool's value) is
 * shown as it is.
 */
export function originText(origin: string | null | undefined, t: Translate): string {
  if (!origin) return t('dashboard.noTemplate');
  if (origin === 'blank') return t('vm.origin.blank');
  const colon = origin.indexOf(':');
  const kind = KINDS.find((k) => k === origin.slice(0, colon));
  return kind ? t(`vm.origin.${kind}`, { name: origin.slice(colon + 1) }) : origin;
}
