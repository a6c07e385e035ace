/** The main navigation. */
export const nav = {
  'nav.dashboard': 'Dashboard',
  'nav.hosts': 'Hosts',
  'nav.vms': 'Virtual machines',
  'nav.templates': 'Templates & ISOs',
  'nav.diagnostics': 'Diagnostics',
  'nav.tasks': 'Tasks',
  'nav.settings': 'Settings',
  'nav.main': 'Main navigation',
  'nav.pools': 'Pools',
} as const;
