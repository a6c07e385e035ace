import { LANGUAGES, type Language, type Theme } from '../../../../engine/contract/settings';
import { useT } from '../../i18n/use-t';
import { updateSettings, useEngine } from '../../stores/engine-store';

const THEMES: Theme[] = ['system', 'light', 'dark'];

/** A whole number of seconds within the contract's bounds; anything else is not sent. */
function SecondsField({ label, testId, min, max, value, onChange }: { label: string; testId: string; min: number; max: number; value: number; onChange(v: number): void }) {
  return (
    <label className="field">
      <span>{label}</span>
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
    </label>
  );
}

export function SettingsPage() {
  const t = useT();
  const settings = useEngine((s) => s.settings);
  const info = useEngine((s) => s.info);
  return (
    <section>
      <h1>{t('settings.title')}</h1>
      <div className="form">
        <label className="field">
          <span>{t('settings.language')}</span>
          <select
            data-testid="settings-language"
            value={settings.language}
            onChange={(e) => void updateSettings({ language: e.target.value as Language })}
          >
            {LANGUAGES.map((l) => (
              <option key={l} value={l}>
                {t(`language.${l}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('settings.theme')}</span>
          <select data-testid="settings-theme" value={settings.theme} onChange={(e) => void updateSettings({ theme: e.target.value as Theme })}>
            {THEMES.map((th) => (
              <option key={th} value={th}>
                {t(`settings.theme.${th}`)}
              </option>
            ))}
          </select>
        </label>
        <SecondsField label={t('settings.shutdownTimeout')} testId="settings-shutdown-timeout" min={10} max={3600} value={settings.shutdownTimeoutSec} onChange={(v) => void updateSettings({ shutdownTimeoutSec: v })} />
        <SecondsField label={t('settings.metricsInterval')} testId="settings-metrics-interval" min={1} max={300} value={settings.metricsIntervalSec} onChange={(v) => void updateSettings({ metricsIntervalSec: v })} />
      </div>
      {info && (
        <>
          <h2>{t('settings.secrets')}</h2>
          <p data-testid="secrets-status" className={info.secrets.available ? '' : 'banner warn'}>
            {info.secrets.available
              ? t('settings.secrets.available', { backend: info.secrets.backend })
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
    </section>
  );
}
