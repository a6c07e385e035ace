import type { nav as en } from '../en/nav';

/** The main navigation. Typed against the English area, so a missing or extra key fails the build. */
export const nav: Record<keyof typeof en, string> = {
  'nav.dashboard': '대시보드',
  'nav.hosts': '호스트',
  'nav.vms': '가상 머신',
  'nav.templates': '템플릿 및 ISO',
  'nav.diagnostics': '진단',
  'nav.tasks': '작업',
  'nav.settings': '설정',
  'nav.main': '주 메뉴',
  'nav.pools': '풀',
};
