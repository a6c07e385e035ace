import { useEffect, useState } from 'react';
import { POOL_DEFAULTS, type LeasePool, type PoolBaseImage } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { createLeasePool, updateLeasePool } from '../../api/pools';
import { listVolumes } from '../../api/storage';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import type { MessageKey } from '../../i18n/en';
import { useT } from '../../i18n/use-t';
import { useHosts } from '../../stores/hosts-store';
import { useNetworks } from '../../stores/networks-store';
import { useRunningPoolNames } from '../../stores/pools-store';

const OS_RE = /^[a-z0-9][a-z0-9._-]{0,31}$/;

type Nums = 'cpus' | 'memoryMiB' | 'defaultExpiryMinutes' | 'maxExpiryMinutes' | 'networkTimeoutSecs' | 'retries' | 'warmSpares';
const NUMS: readonly [Nums, MessageKey, number, number][] = [
  ['cpus', 'poolsPage.form.cpus', 1, 256],
  ['memoryMiB', 'poolsPage.form.memory', 32, 4 * 1024 * 1024],
  ['defaultExpiryMinutes', 'poolsPage.form.defaultExpiry', 1, 525_600],
  ['maxExpiryMinutes', 'poolsPage.form.maxExpiry', 1, 525_600],
  ['networkTimeoutSecs', 'poolsPage.form.networkTimeout', 5, 3600],
  ['retries', 'poolsPage.form.retries', 0, 10],
  ['warmSpares', 'poolsPage.form.spares', 0, 50],
];

/** One host's base image: which storage pool, which volume (offered from the pool's volumes). */
function BaseImageRow({ hostId, hostName, value, onChange }: { hostId: string; hostName: string; value: PoolBaseImage | undefined; onChange(v: PoolBaseImage | undefined): void }) {
  const t = useT();
  const pools = useRunningPoolNames(hostId);
  const [volumes, setVolumes] = useState<string[]>([]);
  const pool = value?.pool ?? '';
  useEffect(() => {
    if (!pool) return setVolumes([]);
    let live = true;
    listVolumes(hostId, pool).then(
      (r) => live && setVolumes(r.volumes.map((v) => v.name).sort()),
      () => live && setVolumes([]),
    );
    return () => {
      live = false;
    };
  }, [hostId, pool]);
  const listId = `pool-vols-${hostId}`;
  return (
    <div className="span-all pool-base-row" data-testid={`pool-base-${hostName}`}>
      <strong translate="no">{hostName}</strong>
      <select translate="no" aria-label={t('poolsPage.form.storagePool')} data-testid={`pool-base-${hostName}-pool`} value={pool} onChange={(e) => onChange(e.target.value ? { hostId, pool: e.target.value, volume: value?.volume ?? '' } : undefined)}>
        <option value="">{t('poolsPage.form.noBase')}</option>
        {pools.map((p) => (
          <option key={p} value={p}>
            {p}
          </option>
        ))}
      </select>
      <input aria-label={t('poolsPage.form.volume')} data-testid={`pool-base-${hostName}-volume`} list={listId} disabled={!pool} value={value?.volume ?? ''} placeholder={t('poolsPage.form.volume')} onChange={(e) => onChange({ hostId, pool, volume: e.target.value })} />
      <datalist id={listId}>
        {volumes.map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
    </div>
  );
}

/** Creates a pool, or edits one (the change takes effect at once: the next lease uses it). */
export function PoolForm({ pool, onDone }: { pool: LeasePool | null; onDone(): void }) {
  const t = useT();
  const hosts = useHosts((s) => s.byId);
  const networkNames = [...new Set(Object.values(useNetworks((s) => s.byId)).map((n) => n.name))].sort();
  const [os, setOs] = useState(pool?.os ?? '');
  const [description, setDescription] = useState(pool?.description ?? '');
  const [network, setNetwork] = useState(pool?.network ?? 'default');
  const [diskGiB, setDiskGiB] = useState(pool?.diskGiB == null ? '' : String(pool.diskGiB));
  const [guestUser, setGuestUser] = useState(pool?.guestUser ?? 'hangar');
  const [nums, setNums] = useState<Record<Nums, string>>(() => Object.fromEntries(NUMS.map(([k]) => [k, String(pool?.[k] ?? POOL_DEFAULTS[k])])) as Record<Nums, string>);
  const [bases, setBases] = useState<Record<string, PoolBaseImage | undefined>>(() => Object.fromEntries((pool?.baseImages ?? []).map((b) => [b.hostId, b])));
  const [error, setError] = useState<HangarError | null>(null);
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  const osBad = !pool && !OS_RE.test(os);
  const numBad = (k: Nums, min: number, max: number) => !/^\d+$/.test(nums[k]) || Number(nums[k]) < min || Number(nums[k]) > max;
  const bad = osBad || NUMS.some(([k, , min, max]) => numBad(k, min, max)) || (diskGiB !== '' && !(Number(diskGiB) > 0));
  const submit = () => {
    setShown(true);
    setError(null);
    if (bad) return;
    const fields = {
      description,
      network,
      diskGiB: diskGiB === '' ? null : Number(diskGiB),
      guestUser,
      baseImages: Object.values(bases).filter((b): b is PoolBaseImage => !!b && !!b.volume),
      ...(Object.fromEntries(NUMS.map(([k]) => [k, Number(nums[k])])) as Record<Nums, number>),
    };
    setBusy(true);
    (pool ? updateLeasePool({ os: pool.os, ...fields }) : createLeasePool({ os, ...fields }))
      .then(onDone, (e: unknown) => setError(HangarError.from(e)))
      .finally(() => setBusy(false));
  };
  return (
    <PanelForm title={pool ? t('poolsPage.form.editTitle', { os: pool.os }) : t('poolsPage.form.createTitle')} testId="pool-form" className="panel form-grid top-fields" onSubmit={submit}>
      <ErrorBanner error={error} className="span-all" />
      <Field label={t('poolsPage.form.os')}>
        <input data-testid="pool-form-os" value={os} disabled={!!pool} placeholder="debian12" aria-invalid={shown && osBad ? true : undefined} onChange={(e) => setOs(e.target.value)} />
        {shown && osBad && <span className="error small">{t('poolsPage.form.osRule')}</span>}
      </Field>
      <Field label={t('poolsPage.form.network')}>
        <input data-testid="pool-form-network" list="pool-networks" value={network} onChange={(e) => setNetwork(e.target.value)} />
        <datalist id="pool-networks">
          {networkNames.map((n) => (
            <option key={n} value={n} />
          ))}
        </datalist>
      </Field>
      <Field label={t('poolsPage.form.description')} wide>
        <input data-testid="pool-form-description" value={description} onChange={(e) => setDescription(e.target.value)} />
      </Field>
      {NUMS.map(([k, label, min, max]) => (
        <Field key={k} label={t(label)}>
          <input data-testid={`pool-form-${k}`} type="number" min={min} max={max} value={nums[k]} aria-invalid={shown && numBad(k, min, max) ? true : undefined} onChange={(e) => setNums({ ...nums, [k]: e.target.value })} />
          {shown && numBad(k, min, max) && <span className="error small">{t('poolsPage.form.range', { min, max })}</span>}
        </Field>
      ))}
      <Field label={t('poolsPage.form.disk')}>
        <input data-testid="pool-form-disk" type="number" min={0} step="any" value={diskGiB} placeholder={t('poolsPage.form.diskBase')} onChange={(e) => setDiskGiB(e.target.value)} />
      </Field>
      <Field label={t('poolsPage.form.guestUser')}>
        <input data-testid="pool-form-guestUser" value={guestUser} onChange={(e) => setGuestUser(e.target.value)} />
      </Field>
      <h3 className="span-all">{t('poolsPage.form.baseImages')}</h3>
      <p className="muted span-all">{t('poolsPage.form.baseHelp')}</p>
      {Object.values(hosts)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((h) => (
          <BaseImageRow key={h.id} hostId={h.id} hostName={h.name} value={bases[h.id]} onChange={(v) => setBases({ ...bases, [h.id]: v })} />
        ))}
      <SubmitRow label={pool ? t('poolsPage.form.save') : t('poolsPage.form.create')} testId="pool-form-submit" disabled={busy}>
        <button type="button" className="btn" onClick={onDone} data-testid="pool-form-cancel">
          {t('poolsPage.cancel')}
        </button>
      </SubmitRow>
    </PanelForm>
  );
}
