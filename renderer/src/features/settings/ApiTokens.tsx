import { useEffect, useState } from 'react';
import type { ApiToken, CreatedApiToken } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { createApiToken, listApiTokens, revokeApiToken } from '../../api/pools';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { formatDateTime } from '../../components/format';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { TableHead } from '../../components/TableHead';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';

const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * API tokens for the pools REST API (`hangar serve --pools-listen`): made here, shown once, kept
 * by the engine only as a hash; each with its quota. Revoking one refuses it from the next request.
 */
export function ApiTokens() {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const [tokens, setTokens] = useState<ApiToken[]>([]);
  const [made, setMade] = useState<CreatedApiToken | null>(null);
  const [user, setUser] = useState('');
  const [maxVms, setMaxVms] = useState('10');
  const [maxExpiry, setMaxExpiry] = useState('720');
  const [shown, setShown] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const reload = () => listApiTokens().then((r) => setTokens(r.tokens), (e: unknown) => setError(HangarError.from(e)));
  useEffect(() => {
    void reload();
  }, []);
  const userBad = !USER_RE.test(user);
  const vmsBad = !/^\d+$/.test(maxVms) || Number(maxVms) < 1 || Number(maxVms) > 1000;
  const expBad = !/^\d+$/.test(maxExpiry) || Number(maxExpiry) < 1 || Number(maxExpiry) > 525_600;
  return (
    <div data-testid="api-tokens">
      <h2>{t('apiTokens.title')}</h2>
      <p className="muted">{t('apiTokens.help')}</p>
      <p className="muted">
        {t('apiTokens.howTo')} <code>https://user:token@host:port/getservers/…</code> · <code>Authorization: Bearer token</code>
      </p>
      <ErrorBanner error={error} />
      {made && (
        <div className="banner" data-testid="api-token-secret" role="status">
          <p>{t('apiTokens.shownOnce', { user: made.token.user })}</p>
          <code className="mono secret-once">{made.secret}</code>
          <p className="muted small">
            {t('apiTokens.example')} <code>curl -k &quot;https://{made.token.user}:TOKEN@HOST:PORT/getavailablecount/centos&quot;</code>
          </p>
          <button type="button" className="btn btn-small" onClick={() => setMade(null)}>
            {t('apiTokens.hide')}
          </button>
        </div>
      )}
      <PanelForm
        testId="api-token-form"
        onSubmit={() => {
          setShown(true);
          setError(null);
          if (userBad || vmsBad || expBad) return;
          createApiToken({ user, maxVms: Number(maxVms), maxExpiryMinutes: Number(maxExpiry) }).then(
            (r) => {
              setMade(r);
              setUser('');
              setShown(false);
              void reload();
            },
            (e: unknown) => setError(HangarError.from(e)),
          );
        }}
      >
        <Field label={t('apiTokens.user')}>
          <input data-testid="api-token-user" value={user} placeholder="jenkins" onChange={(e) => setUser(e.target.value)} aria-invalid={shown && userBad ? true : undefined} />
          {shown && userBad && <span className="error small">{t('apiTokens.userRule')}</span>}
        </Field>
        <Field label={t('apiTokens.maxVms')}>
          <input data-testid="api-token-max-vms" type="number" min={1} max={1000} value={maxVms} onChange={(e) => setMaxVms(e.target.value)} />
          {shown && vmsBad && <span className="error small">{t('poolsPage.form.range', { min: 1, max: 1000 })}</span>}
        </Field>
        <Field label={t('apiTokens.maxExpiry')}>
          <input data-testid="api-token-max-expiry" type="number" min={1} max={525600} value={maxExpiry} onChange={(e) => setMaxExpiry(e.target.value)} />
          {shown && expBad && <span className="error small">{t('poolsPage.form.range', { min: 1, max: 525600 })}</span>}
        </Field>
        <SubmitRow label={t('apiTokens.create')} testId="api-token-create" />
      </PanelForm>
      {tokens.length > 0 && (
        <table className="table" data-testid="api-tokens-table">
          <TableHead cols={[t('apiTokens.user'), t('apiTokens.hint'), t('apiTokens.maxVms'), t('apiTokens.maxExpiry'), t('apiTokens.created'), t('apiTokens.lastUsed'), null]} />
          <tbody>
            {tokens.map((k) => (
              <tr key={k.id} data-testid={`api-token-row-${k.user}`}>
                <td translate="no">{k.user}</td>
                <td className="mono">{k.hint}…</td>
                <td>{k.maxVms}</td>
                <td>{k.maxExpiryMinutes}</td>
                <td>{formatDateTime(k.createdAt, lang)}</td>
                <td>{k.lastUsedAt ? formatDateTime(k.lastUsedAt, lang) : t('apiTokens.never')}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    data-testid={`api-token-revoke-${k.user}`}
                    onClick={() => {
                      if (!window.confirm(t('apiTokens.confirmRevoke', { user: k.user }))) return;
                      revokeApiToken(k.id).then(reload, (e: unknown) => setError(HangarError.from(e)));
                    }}
                  >
                    {t('apiTokens.revoke')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
