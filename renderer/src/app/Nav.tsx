import { useT } from '../i18n/use-t';
import { navigate, ROUTES, useRoute, type Route } from '../stores/route-store';

const LABEL = {
  dashboard: 'nav.dashboard',
  hosts: 'nav.hosts',
  vms: 'nav.vms',
  templates: 'nav.templates',
  diagnostics: 'nav.diagnostics',
  tasks: 'nav.tasks',
  settings: 'nav.settings',
  pools: 'nav.pools',
} as const satisfies Record<Route, string>;

export function Nav() {
  const t = useT();
  const route = useRoute((s) => s.route);
  return (
    <nav className="nav" aria-label={t('nav.main')}>
      {ROUTES.map((r) => (
        <a
          key={r}
          href={`#/${r}`}
          className={r === route ? 'nav-item active' : 'nav-item'}
          aria-current={r === route ? 'page' : undefined}
          data-testid={`nav-${r}`}
          onClick={(e) => {
            e.preventDefault();
            navigate(r);
          }}
        >
          {t(LABEL[r])}
        </a>
      ))}
    </nav>
  );
}
