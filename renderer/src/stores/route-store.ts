import { create } from 'zustand';

export const ROUTES = ['dashboard', 'hosts', 'vms', 'templates', 'pools', 'diagnostics', 'tasks', 'settings'] as const;
export type Route = (typeof ROUTES)[number];

/** `#/vms/<id>`: the page and, for detail pages, the id after it. */
const fromHash = (): { route: Route; param: string | null } => {
  const [name, ...rest] = window.location.hash.replace(/^#\/?/, '').split('/');
  const route = (ROUTES as readonly string[]).includes(name ?? '') ? (name as Route) : 'dashboard';
  const param = rest.length ? decodeURIComponent(rest.join('/')) : null;
  return { route, param };
};

/** The current page, kept in the URL fragment so reload and back/forward work. */
export const useRoute = create<{ route: Route; param: string | null }>(() => fromHash());

export function navigate(route: Route, param: string | null = null): void {
  const hash = `#/${route}${param ? `/${encodeURIComponent(param)}` : ''}`;
  if (window.location.hash !== hash) window.location.hash = hash;
  useRoute.setState({ route, param });
}

window.addEventListener('hashchange', () => useRoute.setState(fromHash()));
