import { useEffect, useState } from 'react';
import type { BundleSummary } from '../../../../engine/contract';
import { HangarError } from '../../../../engine/contract/errors';
import { ErrorBanner } from '../../components/ErrorBanner';
import { formatBytes, formatDateTime } from '../../components/format';
import { useT } from '../../i18n/use-t';
import { useEngine } from '../../stores/engine-store';
import { AlertList } from './AlertList';
import { BundleViewer } from './BundleViewer';
import { CollectForm } from './CollectForm';
import { EnginePanel } from './EnginePanel';
import { useAlerts } from './diagnostics-store';
import { listBundles, openBundle, runHealthChecks } from '../../api/diagnostics';
import { Tabs } from '../../components/Tabs';

type Tab = 'alerts' | 'collect' | 'bundles' | 'engine';
const TABS: readonly Tab[] = ['alerts', 'collect', 'bundles', 'engine'];

/** Diagnostics: live health alerts, must-gather collection, and the offline bundle viewer. */
export function DiagnosticsPage() {
  const t = useT();
  const [tab, setTab] = useState<Tab>('alerts');
  const [opened, setOpened] = useState<BundleSummary | null>(null);
  const [error, setError] = useState<HangarError | null>(null);
  const [opening, setOpening] = useState(false);
  const open = (path: string) => {
    setError(null);
    setOpening(true);
    setTab('bundles');
    openBundle(path)
      .then(setOpened)
      .catch((e: unknown) => setError(HangarError.from(e)))
      .finally(() => setOpening(false));
  };
  return (
    <section data-testid="diagnostics-page">
      <h1>{t('diagnostics.title')}</h1>
      <Tabs tabs={TABS} current={tab} onSelect={setTab} testIdPrefix="diag-tab" label={(x) => t(`diag.tab.${x}`)} />
      <ErrorBanner error={error} />
      {tab === 'alerts' && <Alerts />}
      {tab === 'collect' && <CollectForm onOpen={open} />}
      {tab === 'engine' && <EnginePanel />}
      {tab === 'bundles' && (
        <>
          <OpenBundle onOpen={open} busy={opening} />
          {opened && <BundleViewer key={opened.bundleId} summary={opened} />}
        </>
      )}
    </section>
  );
}

function Alerts() {
  const t = useT();
  const alerts = useAlerts();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<HangarError | null>(null);
  const run = () => {
    setBusy(true);
    setError(null);
    runHealthChecks()
      .catch((e: unknown) => setError(HangarError.from(e)))
      .finally(() => setBusy(false));
  };
  return (
    <div className="panel">
      <div className="page-head">
        <h2>{t('diag.alerts.title')}</h2>
        <button type="button" className="btn" onClick={run} disabled={busy} data-testid="health-run">
          {busy ? t('diag.alerts.running') : t('diag.alerts.runNow')}
        </button>
      </div>
      <ErrorBanner error={error} />
      <AlertList items={alerts} />
    </div>
  );
}

/** A bundle on the engine's machine: one Hangar wrote (listed), or any path (a colleague's bundle). */
function OpenBundle({ onOpen, busy }: { onOpen: (path: string) => void; busy: boolean }) {
  const t = useT();
  const lang = useEngine((s) => s.settings.language);
  const client = useEngine((s) => s.client);
  const [path, setPath] = useState('');
  const [bundles, setBundles] = useState<Array<{ path: string; name: string; bytes: number; createdAt: number }>>([]);
  useEffect(() => {
    if (!client) return;
    listBundles().then((r) => setBundles(r.bundles)).catch(() => undefined);
  }, [client]);
  return (
    <div className="panel" data-testid="open-bundle">
      <h2>{t('diag.open.title')}</h2>
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (path.trim()) onOpen(path.trim());
        }}
      >
        <input type="text" className="mono" style={{ minWidth: '30em' }} placeholder={t('diag.open.pathPlaceholder')} value={path} onChange={(e) => setPath(e.target.value)} data-testid="open-bundle-path" />
        <button type="submit" className="btn btn-primary" disabled={busy || !path.trim()} data-testid="open-bundle-submit">
          {busy ? t('diag.open.opening') : t('diag.open.open')}
        </button>
      </form>
      <p className="muted small">{t('diag.open.hint')}</p>
      {bundles.length > 0 && (
        <ul className="plain-list">
          {bundles.map((b) => (
            <li key={b.path}>
              <button type="button" className="btn btn-small" onClick={() => onOpen(b.path)} disabled={busy} data-testid="bundle-list-item">
                {b.name}
              </button>{' '}
              <span className="muted small">
                {formatBytes(b.bytes, lang)} · {formatDateTime(b.createdAt, lang)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
