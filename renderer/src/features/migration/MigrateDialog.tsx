import { useEffect, useMemo, useState } from 'react';
import { z } from 'zod';
import { MIGRATION_MODES, MigrationBlocker, type MigrateParams, type MigrationCheck, type MigrationMode, type MigrationStorage, type Vm } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { Message } from '../../../../engine/contract/message';
import { checkMigration, migrateVm } from '../../api/migration';
import { ErrorBanner } from '../../components/ErrorBanner';
import { Field } from '../../components/Field';
import { PanelForm, SubmitRow } from '../../components/PanelForm';
import { Select } from '../../components/Select';
import { formatBytes } from '../../components/format';
import { fieldErrors } from '../../components/param-errors';
import { translateMessage } from '../../i18n/translate';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { useHosts } from '../../stores/hosts-store';
import { PlacementRefusal, refusalsOf } from '../placement/PlacementRefusal';
import { targetPools, targetRows, type TargetReason } from './migrate-targets';
import { followMigration } from './MigrationProgress';

/** What the form holds: numbers as typed, so the engine's refusal of a bad one lands at its field. */
interface Choices {
  hostId: string;
  storage: MigrationStorage;
  diskPools: Record<string, string>;
  bandwidth: string;
  mode: MigrationMode;
  postcopyAfter: string;
  completion: string;
  progress: string;
  keepSource: boolean;
}

const START: Choices = { hostId: '', storage: 'shared', diskPools: {}, bandwidth: '0', mode: 'precopy', postcopyAfter: '2', completion: '800', progress: '150', keepSource: false };

const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));

/** The request for one VM; the pools are the single VM's own (several VMs take the defaults). */
function paramsFor(vmId: string, c: Choices, withPools: boolean): MigrateParams {
  const pools = Object.fromEntries(Object.entries(c.diskPools).filter(([, p]) => p));
  return {
    vmId,
    ...(c.hostId ? { hostId: c.hostId } : {}),
    storage: c.storage,
    ...(c.storage === 'copy' && withPools ? { diskPools: pools } : {}),
    bandwidthMiBs: num(c.bandwidth),
    mode: c.mode,
    ...(c.mode === 'postcopy' ? { postcopyAfterIterations: num(c.postcopyAfter) } : {}),
    completionTimeoutPerGiBSec: num(c.completion),
    progressTimeoutSec: num(c.progress),
    keepSource: c.keepSource,
  };
}

/**
 * Migrate one VM, or several (one task each): the target (automatic or a host; hosts that cannot
 * take the VM greyed out with the reason the pre-flight gave, asked again when a choice changes),
 * storage shared or copied (per disk the pool on the target), bandwidth, mode and timeouts. A
 * stopped VM moves offline, and the live-only choices are not offered.
 */
export function MigrateDialog({ vms, onClose }: { vms: Vm[]; onClose: () => void }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const hostsById = useHosts((s) => s.byId);
  const hosts = useMemo(() => Object.values(hostsById), [hostsById]);
  const [c, setC] = useState<Choices>(START);
  const [checks, setChecks] = useState<Record<string, MigrationCheck | undefined>>({});
  const [checkError, setCheckError] = useState<HangarError | null>(null);
  const [checking, setChecking] = useState(false);
  const [errors, setErrors] = useState<{ vm: Vm; error: HangarError }[]>([]);
  const [busy, setBusy] = useState(false);
  const single = vms.length === 1 ? vms[0]! : null;
  // A refusal speaks of the values sent: a change of any makes it stale.
  const set = <K extends keyof Choices>(k: K, v: Choices[K]) => {
    setC((x) => ({ ...x, [k]: v }));
    setErrors([]);
  };

  // The pre-flight again whenever a choice it depends on changes (not on every keystroke of a number).
  const poolsKey = JSON.stringify(c.diskPools);
  useEffect(() => {
    let live = true;
    setChecking(true);
    const timer = setTimeout(() => {
      Promise.allSettled(vms.map((vm) => checkMigration({ vmId: vm.id, storage: c.storage, diskPools: vms.length === 1 && c.storage === 'copy' ? Object.fromEntries(Object.entries(c.diskPools).filter(([, p]) => p)) : {}, keepSource: c.keepSource, mode: c.mode }))).then((rs) => {
        if (!live) return;
        const next: Record<string, MigrationCheck> = {};
        let failed: HangarError | null = null;
        rs.forEach((r, i) => {
          if (r.status === 'fulfilled') next[vms[i]!.id] = r.value;
          else failed ??= HangarError.from(r.reason);
        });
        setChecks(next);
        setCheckError(failed);
        setChecking(false);
      });
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // vms by id: a new array of the same VMs (a list refresh) asks nothing again.
  }, [vms.map((v) => v.id).join(','), c.storage, poolsKey, c.keepSource, c.mode]);

  const rows = targetRows(hosts, vms, checks);
  const chosenRow = rows.find((r) => r.hostId === c.hostId);
  // A host that turns out unable to take it is no longer the choice.
  useEffect(() => {
    if (chosenRow && chosenRow.reasons.length > 0) set('hostId', '');
  }, [chosenRow?.reasons.length]);

  const check = single ? checks[single.id] : undefined;
  const live = single ? (check?.live ?? single.state !== 'stopped') : vms.some((v) => v.state !== 'stopped');
  const blockers = vms.flatMap((vm) => (checks[vm.id]?.blockers ?? []).map((b) => ({ vm, reason: b.reason })));
  const disks = check?.disksToCopy ?? [];
  const pools = single ? targetPools(hosts, single.hostId, c.hostId) : [];
  const reasonText = (r: { vm: string | null; text: TargetReason }) => {
    const text = r.text.kind === 'message' ? translateMessage(t, { key: r.text.key, args: r.text.args }) : t(r.text.kind === 'here' ? 'migrate.target.here' : 'migrate.target.hereAll');
    return r.vm ? t('migrate.target.refusedFor', { name: r.vm, reason: text }) : text;
  };

  // The engine's refusal of one field, in the user's language, next to that field.
  const firstError = errors[0]?.error ?? null;
  const byField = fieldErrors(t, lang, firstError);
  const fieldOf = typeof firstError?.details?.['field'] === 'string' ? (firstError.details['field'] as string) : null;
  const inWords = (e: HangarError) => {
    const m = Message.safeParse(e.details?.['message']);
    return m.success ? translateMessage(t, m.data) : e.message;
  };
  const at = (path: string) => byField[path] ?? (fieldOf === path && firstError ? inWords(firstError) : undefined);
  const fieldMsg = (path: string) => {
    const m = at(path);
    return m ? (
      <span className="error small" role="alert" data-testid={`migrate-field-error-${path}`}>
        {m}
      </span>
    ) : null;
  };

  const submit = () => {
    setBusy(true);
    setErrors([]);
    Promise.allSettled(vms.map((vm) => migrateVm(paramsFor(vm.id, c, vms.length === 1)).then((r) => followMigration(r.jobId)))).then((rs) => {
      setBusy(false);
      const failed = rs.flatMap((r, i) => (r.status === 'rejected' ? [{ vm: vms[i]!, error: HangarError.from(r.reason) }] : []));
      if (failed.length === 0) onClose();
      else setErrors(failed);
    });
  };

  const title = single ? t(live ? 'migrate.title.live' : 'migrate.title.offline', { name: single.name }) : t('migrate.title.bulk', { count: vms.length });
  const blocked = single !== null && blockers.length > 0;
  return (
    <div className="overlay" role="presentation" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <div className="panel dialog migrate-dialog" role="dialog" aria-modal="true" aria-label={title} data-testid="migrate-dialog" data-live={live}>
        <PanelForm title={title} className="form-grid" testId="migrate-form" onSubmit={submit}>
          <p className="muted small span-all">{t(single ? (live ? 'migrate.help.live' : 'migrate.help.offline') : 'migrate.help.bulk')}</p>
          <fieldset className="span-all migrate-targets" data-testid="migrate-targets">
            <legend>{t('migrate.target')}</legend>
            <label className="check">
              <input type="radio" name="migrate-target" data-testid="migrate-target-auto" checked={c.hostId === ''} onChange={() => set('hostId', '')} />
              {t('migrate.target.auto')}
            </label>
            {rows.map((r) => {
              const off = r.reasons.length > 0;
              return (
                <label key={r.hostId} className={off ? 'check target-off' : 'check'} data-testid="migrate-target" data-host-name={r.name} data-refused={off}>
                  <input type="radio" name="migrate-target" value={r.hostId} disabled={off} checked={c.hostId === r.hostId} onChange={() => set('hostId', r.hostId)} />
                  <span translate="no">{r.name}</span>
                  {off && (
                    <span className="muted small" data-testid="migrate-target-why">
                      — {r.reasons.map(reasonText).join(' · ')}
                    </span>
                  )}
                  {!off && r.warnings.length > 0 && <span className="warn small">— {r.warnings.map(reasonText).join(' · ')}</span>}
                </label>
              );
            })}
            {checking && Object.keys(checks).length === 0 && <p className="muted small">{t('migrate.checking')}</p>}
            {fieldMsg('hostId')}
          </fieldset>
          {checkError && (
            <div className="span-all" data-testid="migrate-check-error">
              <p className="muted small">{t('migrate.checkFailed')}</p>
              <ErrorBanner error={checkError} />
            </div>
          )}
          <fieldset className="span-all" data-testid="migrate-storage">
            <legend>{t('migrate.storage')}</legend>
            {(['shared', 'copy'] as const).map((s) => (
              <label key={s} className="check">
                <input type="radio" name="migrate-storage" data-testid={`migrate-storage-${s}`} checked={c.storage === s} onChange={() => set('storage', s)} />
                {t(`migrate.storage.${s}`)}
              </label>
            ))}
            {blockers.length > 0 && (
              <div className="banner error" role="alert" data-testid="migrate-blockers">
                <strong>{t(single ? 'migrate.blockers' : 'migrate.blockersSome')}</strong>
                <ul className="issue-list">
                  {blockers.map((b, i) => (
                    <li key={i}>{single ? translateMessage(t, b.reason) : t('migrate.target.refusedFor', { name: b.vm.name, reason: translateMessage(t, b.reason) })}</li>
                  ))}
                </ul>
              </div>
            )}
            {fieldMsg('storage')}
          </fieldset>
          {single && c.storage === 'copy' && check && (
            <fieldset className="span-all form-grid" data-testid="migrate-disks">
              <legend>{t('migrate.disks')}</legend>
              {disks.length === 0 && <p className="muted small span-all">{t('migrate.disks.none')}</p>}
              {disks.map((d) => (
                <Field key={d.target} label={t('migrate.disk.pool', { target: d.target, size: formatBytes(d.bytes, lang) })}>
                  <Select
                    testId={`migrate-disk-pool-${d.target}`}
                    value={c.diskPools[d.target] ?? ''}
                    onChange={(v) => set('diskPools', { ...c.diskPools, [d.target]: v })}
                    blank={d.defaultPool ? t('migrate.disk.defaultPool', { pool: d.defaultPool }) : t('migrate.disk.samePool')}
                    options={pools}
                  />
                  {fieldMsg(`diskPools.${d.target}`)}
                </Field>
              ))}
            </fieldset>
          )}
          {live && (
            <>
              <Field label={t('migrate.bandwidth')}>
                <input type="number" min={0} step={1} data-testid="migrate-bandwidth" value={c.bandwidth} onChange={(e) => set('bandwidth', e.target.value)} />
                <span className="muted small">{t('migrate.bandwidthHelp')}</span>
                {fieldMsg('bandwidthMiBs')}
              </Field>
              <Field label={t('migrate.mode')}>
                <Select testId="migrate-mode" value={c.mode} onChange={(v) => set('mode', v as MigrationMode)} options={MIGRATION_MODES.map((m) => [m, t(`migrate.mode.${m}`)] as const)} />
              </Field>
              {c.mode === 'postcopy' && (
                <Field label={t('migrate.postcopyAfter')}>
                  <input type="number" min={1} max={100} data-testid="migrate-postcopy-after" value={c.postcopyAfter} onChange={(e) => set('postcopyAfter', e.target.value)} />
                  {fieldMsg('postcopyAfterIterations')}
                </Field>
              )}
              <details className="span-all migrate-advanced" data-testid="migrate-advanced" open={at('completionTimeoutPerGiBSec') !== undefined || at('progressTimeoutSec') !== undefined ? true : undefined}>
                <summary>{t('migrate.advanced')}</summary>
                <div className="form-grid">
                  <Field label={t('migrate.completionTimeout')}>
                    <input type="number" min={1} data-testid="migrate-completion-timeout" value={c.completion} onChange={(e) => set('completion', e.target.value)} />
                    {fieldMsg('completionTimeoutPerGiBSec')}
                  </Field>
                  <Field label={t('migrate.progressTimeout')}>
                    <input type="number" min={1} data-testid="migrate-progress-timeout" value={c.progress} onChange={(e) => set('progress', e.target.value)} />
                    {fieldMsg('progressTimeoutSec')}
                  </Field>
                  <p className="muted small span-all">{t('migrate.timeoutHelp')}</p>
                </div>
              </details>
            </>
          )}
          <label className="check span-all">
            <input type="checkbox" data-testid="migrate-keep-source" checked={c.keepSource} onChange={(e) => set('keepSource', e.target.checked)} />
            {t('migrate.keepSource')}
          </label>
          {errors.map(({ vm, error }) => {
            const refusals = refusalsOf(error);
            return (
              <div key={vm.id} className="span-all" data-testid="migrate-error" data-vm-name={vm.name}>
                {!single && <strong>{t('migrate.failedFor', { name: vm.name })}</strong>}
                {refusals.length > 0 ? <PlacementRefusal refusals={refusals} /> : <ErrorBanner error={error} />}
                <BlockerList error={error} />
              </div>
            );
          })}
          <SubmitRow label={t(live ? 'migrate.submit.live' : 'migrate.submit.offline')} testId="migrate-submit" disabled={busy || blocked}>
            <button type="button" className="btn" data-testid="migrate-close" onClick={onClose}>
              {t('common.cancel')}
            </button>
          </SubmitRow>
        </PanelForm>
      </div>
    </div>
  );
}

const Blockers = z.array(MigrationBlocker);

/** The VM-level reasons a refusal of vms.migrate carries (`details.blockers`), under its summary. */
function BlockerList({ error }: { error: HangarError }) {
  const t = useT();
  const parsed = Blockers.safeParse(error.details?.['blockers']);
  if (!parsed.success || parsed.data.length === 0) return null;
  return (
    <ul className="issue-list" data-testid="migrate-error-blockers">
      {parsed.data.map((b, i) => (
        <li key={i}>{translateMessage(t, b.reason)}</li>
      ))}
    </ul>
  );
}
