import { create } from 'zustand';

export const ROUTES = ['dashboard', 'hosts', 'vms', 'templates', 'diagnostics', 'tasks', 'settings'] as const;
export type Route = (typeof ROUTES)[number];

const fromHash = (): Route => {
  const name = window.location.hash.replace(/^#\/?/, '').split('/')[0];
  return (ROUTES as readonly string[]).includes(name ?? '') ? (name as Route) : 'dashboard';
};

/** The current page, kept in the URL fragment so reload and back/forward work. */
export const useRoute = create<{ route: Route }>(() => ({ route: fromHash() }));

export function navigate(route: Route): void {
  if (fromHash() !== route) window.location.hash = `#/${route}`;
  useRoute.setState({ route });
}

window.addEventListener('hashchange', () => useRoute.setState({ route: fromHash() }));
