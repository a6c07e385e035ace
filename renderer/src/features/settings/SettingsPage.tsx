import { LANGUAGES, type Language, type Theme } from '../../../../engine/contract/settings';
import { useT } from '../../i18n/use-t';
import { updateSettings, useEngine } from '../../stores/engine-store';

const THEMES: Theme[] = ['system', 'light', 'dark'];

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
        <label className="field">
          <span>{t('settings.shutdownTimeout')}</span>
          <input
            data-testid="settings-shutdown-timeout"
            type="number"
            min={10}
            max={3600}
            value={settings.shutdownTimeoutSec}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isInteger(v) && v >= 10 && v <= 3600) void updateSettings({ shutdownTimeoutSec: v });
            }}
          />
        </label>
        <label className="field">
          <span>{t('settings.metricsInterval')}</span>
          <input
            data-testid="settings-metrics-interval"
            type="number"
            min={1}
            max={300}
            value={settings.metricsIntervalSec}
            onChange={(e) => {
              const v = Number(e.target.value);
              if (Number.isInteger(v) && v >= 1 && v <= 300) void updateSettings({ metricsIntervalSec: v });
            }}
          />
        </label>
      </div>
      {info && (
        <>
          <h2>{t('settings.secrets')}</h2>
          <p data-testid="secrets-status" className={info.secrets.available ? '' : 'banner warn'}>
            {info.secrets.available
              ? t('settings.secrets.available', { backend: info.secrets.backend })
              : t('settings.secrets.unavailable', { reason: info.secrets.reason ?? info.secrets.backend })}
          </p>
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
