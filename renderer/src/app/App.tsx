import { lazy, Suspense, useEffect, useState } from 'react';
import { parseConsoleHash } from '../features/console/console-route';
import { DashboardPage } from '../features/dashboard/DashboardPage';
import { DiagnosticsPage } from '../features/diagnostics/DiagnosticsPage';
import { HostsPage } from '../features/hosts/HostsPage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { TasksPage } from '../features/tasks/TasksPage';
import { TemplatesPage } from '../features/templates/TemplatesPage';
import { VmsPage } from '../features/vms/VmsPage';
import { PoolsPage } from '../features/pools/PoolsPage';
import { useT } from '../i18n/use-t';
import { useEngine } from '../stores/engine-store';
import { useRoute, type Route } from '../stores/route-store';
import { ConnectionIndicator } from './ConnectionIndicator';
import { Nav } from './Nav';

const ConsolePage = lazy(() => import('../features/console/ConsolePage').then((m) => ({ default: m.ConsolePage })));

const PAGES: Record<Route, () => React.JSX.Element> = {
  dashboard: DashboardPage,
  hosts: HostsPage,
  vms: VmsPage,
  templates: TemplatesPage,
  diagnostics: DiagnosticsPage,
  tasks: TasksPage,
  settings: SettingsPage,
  pools: PoolsPage,
};

/**
 * Applies theme and language to the document: the one place that touches <html>. "System"
 * follows the OS setting live, so the stylesheet only knows light and dark.
 */
function useDocumentSettings() {
  const { theme, language } = useEngine((s) => s.settings);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      document.documentElement.dataset.theme = theme === 'system' ? (media.matches ? 'dark' : 'light') : theme;
    };
    apply();
    document.documentElement.lang = language;
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme, language]);
}

/** A console popped out into its own window or tab (`#/console/<vmId>`), shown without the shell. */
function useConsolePopout() {
  const [popout, setPopout] = useState(() => parseConsoleHash(window.location.hash));
  useEffect(() => {
    const onHash = () => setPopout(parseConsoleHash(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  return popout;
}

export function App() {
  useDocumentSettings();
  const popout = useConsolePopout();
  const t = useT();
  const route = useRoute((s) => s.route);
  const status = useEngine((s) => s.status);
  const Page = PAGES[route];
  if (popout && status !== 'no-token' && status !== 'unauthorized') {
    return (
      <Suspense fallback={null}>
        <ConsolePage vmId={popout.vmId} kind={popout.kind} />
      </Suspense>
    );
  }
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <ConnectionIndicator />
      </header>
      <Nav />
      <main className="content">
        {status === 'no-token' || status === 'unauthorized' ? (
          <p className="banner error" role="alert">
            {status === 'no-token' ? t('connection.noToken') : t('connection.unauthorizedHelp')}
          </p>
        ) : (
          <Page />
        )}
      </main>
    </div>
  );
}
