import type { ApiToken } from '../../../../engine/contract';
import type { useT } from '../../i18n/use-t';

type T = ReturnType<typeof useT>;

/** Time left as h:mm:ss (or m:ss), never negative. */
export function countdown(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Who holds a lease, in words: an API token's user, the UI or the CLI. */
export function ownerText(t: T, owner: string, tokens: readonly ApiToken[]): string {
  if (owner === 'ui') return t('poolsPage.owner.ui');
  if (owner === 'cli') return t('poolsPage.owner.cli');
  const id = owner.startsWith('token:') ? owner.slice('token:'.length) : null;
  const token = id ? tokens.find((x) => x.id === id) : undefined;
  return token ? t('poolsPage.owner.token', { user: token.user }) : t('poolsPage.owner.revoked');
}
