import { useState } from 'react';
import { LANGUAGES, type Language, type Settings, type Theme } from '../../../../engine/contract/settings';
import { SavedNote, useSavedNote } from '../../components/SavedNote';
import { ErrorBanner } from '../../components/ErrorBanner';
import { HangarError } from '../../../../engine/contract/errors';
import type { MessageKey } from '../../i18n/en';
import { en } from '../../i18n/en';
import { useT } from '../../i18n/use-t';
import { updateSettings, useEngine } from '../../stores/engine-store';
import { Field } from '../../components/Field';
import { ApiTokens } from './ApiTokens';

const THEMES: Theme[] = ['system', 'light', 'dark'];

/** A whole number of seconds within the contract's bounds; anything else is not sent. */
function SecondsField({ label, testId, min, max, value, onChange }: { label: string; testId: string; min: number; max: number; value: number; onChange(v: number): void }) {
  return (
    <Field label={label}>
      <input
        data-testid={testId}
        type="number"
        min={min}
        max={max}
        value={value}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (Number.isInteger(v) && v >= min && v <= max) onChange(v);
        }}
      />
    </Field>
  );
}

export function SettingsPage() {
  const t = useT();
  const settings = useEngine((s) => s.settings);
  const info = useEngine((s) => s.info);
  const [saved, flashSaved] = useSavedNote();
  const [error, setError] = useState<HangarError | null>(null);
  // Each change is saved at once; the note says it went through (or the banner why not).
  const save = (patch: Partial<Settings>) =>
    void updateSettings(patch).then(
      () => {
        setError(null);
        flashSaved();
      },
      (e: unknown) => setError(HangarError.from(e)),
    );
  const backendKey = `secrets.backend.${info?.secrets.backend ?? ''}`;
  const backend = backendKey in en ? t(backendKey as MessageKey) : t('secrets.backend.other', { name: info?.secrets.backend ?? '' });
  return (
    <section>
      <div className="page-head">
        <h1>{t('settings.title')}</h1>
        <SavedNote shown={saved} text={t('settings.saved')} testId="settings-saved" />
      </div>
      <ErrorBanner error={error} />
      <div className="form">
        <Field label={t('settings.language')}>
          <select
            data-testid="settings-language"
            value={settings.language}
            onChange={(e) => save({ language: e.target.value as Language })}
          >
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(`language.${l}`)}
              </option>
            ))}
          </select>
        </Field>
        <Field label={t('settings.theme')}>
          <select data-testid="settings-theme" value={settings.theme} onChange={(e) => save({ theme: e.target.value as Theme })}>
            {THEMES.map((th) => (
              <option key={th} value={th}>
                {t(`settings.theme.${th}`)}
              </option>
            ))}
          </select>
        </Field>
        <SecondsField label={t('settings.shutdownTimeout')} testId="settings-shutdown-timeout" min={10} max={3600} value={settings.shutdownTimeoutSec} onChange={(v) => save({ shutdownTimeoutSec: v })} />
        <SecondsField label={t('settings.metricsInterval')} testId="settings-metrics-interval" min={1} max={300} value={settings.metricsIntervalSec} onChange={(v) => save({ metricsIntervalSec: v })} />
        <SecondsField label={t('settings.snapshotMax')} testId="settings-snapshot-max" min={1} max={256} value={settings.snapshotMaxPerVm} onChange={(v) => save({ snapshotMaxPerVm: v })} />
        <SecondsField label={t('settings.snapshotDeadline')} testId="settings-snapshot-deadline" min={10} max={86400} value={settings.snapshotDeadlineSec} onChange={(v) => save({ snapshotDeadlineSec: v })} />
        <SecondsField label={t('settings.migrationsPerHost')} testId="settings-migrations-per-host" min={1} max={20} value={settings.migrationsPerHost} onChange={(v) => save({ migrationsPerHost: v })} />
        <SecondsField label={t('settings.migrationsInFleet')} testId="settings-migrations-in-fleet" min={1} max={100} value={settings.migrationsInFleet} onChange={(v) => save({ migrationsInFleet: v })} />
        <Field label={t('placement.strategy')}>
          <select data-testid="settings-placement-strategy" value={settings.placementStrategy} onChange={(e) => save({ placementStrategy: e.target.value as Settings['placementStrategy'] })}>
            <option value="spread">{t('placement.strategy.spread')}</option>
            <option value="pack">{t('placement.strategy.pack')}</option>
          </select>
        </Field>
      </div>
      {info && (
        <>
          <h2>{t('settings.secrets')}</h2>
          <p data-testid="secrets-status" className={info.secrets.available ? '' : 'banner warn'}>
            {info.secrets.available
              ? t('settings.secrets.with', { backend })
              : t('settings.secrets.unavailable', { reason: info.secrets.reason ?? info.secrets.backend })}
          </p>
          {info.secrets.warning?.code === 'keyBesideDatabase' && (
            <p data-testid="secrets-warning" className="banner warn">
              {t('settings.secrets.keyBesideDatabase', { keyFile: info.secrets.warning.keyFile })}
            </p>
          )}
          <h2>{t('settings.about')}</h2>
          <dl className="about">
            <dt>{t('dashboard.version', { version: '' }).trim()}</dt>
            <dd>{info.appVersion}</dd>
            <dt>{t('settings.dataDir')}</dt>
            <dd>{info.dataDir}</dd>
          </dl>
        </>
      )}
      <ApiTokens />
    </section>
  );
}
