import { useState } from 'react';
import type { LeasePool } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { acquireLeases } from '../../api/pools';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { useT } from '../../i18n/use-t';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,59}$/;

/** Leases VMs of a pool from the UI, as a CI job would through the REST API. */
export function LeaseForm({ pool, onDone }: { pool: LeasePool; onDone(): void }) {
  const t = useT();
  const [username, setUsername] = useState('');
  const [count, setCount] = useState('1');
  const [minutes, setMinutes] = useState(String(pool.defaultExpiryMinutes));
  const [shown, setShown] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const [busy, setBusy] = useState(false);
  const nameBad = !NAME_RE.test(username);
  const countBad = !/^\d+$/.test(count) || Number(count) < 1 || Number(count) > 50;
  const minutesBad = !/^\d+$/.test(minutes) || Number(minutes) < 1 || Number(minutes) > pool.maxExpiryMinutes;
  return (
    <PanelForm
      title={t('poolsPage.lease.title', { os: pool.os })}
      testId="lease-form"
      onSubmit={() => {
        setShown(true);
        setError(null);
        if (nameBad || countBad || minutesBad) return;
        setBusy(true);
        acquireLeases({ os: pool.os, username, count: Number(count), expiresInMinutes: Number(minutes), owner: 'ui' })
          .then(onDone, (e: unknown) => setError(HangarError.from(e)))
          .finally(() => setBusy(false));
      }}
    >
      <ErrorBanner error={error} className="span-all" />
      <Field label={t('poolsPage.lease.name')}>
        <input data-testid="lease-form-name" value={username} placeholder="ci-build-42" onChange={(e) => setUsername(e.target.value)} aria-invalid={shown && nameBad ? true : undefined} />
        {shown && nameBad && <span className="error small">{t('poolsPage.lease.nameRule')}</span>}
      </Field>
      <Field label={t('poolsPage.lease.count')}>
        <input data-testid="lease-form-count" type="number" min={1} max={50} value={count} onChange={(e) => setCount(e.target.value)} />
        {shown && countBad && <span className="error small">{t('poolsPage.form.range', { min: 1, max: 50 })}</span>}
      </Field>
      <Field label={t('poolsPage.lease.minutes')}>
        <input data-testid="lease-form-minutes" type="number" min={1} max={pool.maxExpiryMinutes} value={minutes} onChange={(e) => setMinutes(e.target.value)} />
        {shown && minutesBad && <span className="error small">{t('poolsPage.form.range', { min: 1, max: pool.maxExpiryMinutes })}</span>}
      </Field>
      <SubmitRow label={t('poolsPage.lease.submit')} testId="lease-form-submit" disabled={busy}>
        <button type="button" className="btn" onClick={onDone}>
          {t('poolsPage.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
