import type { warm as en } from '../en/warm';

/** Warm start. Typed against the English area, so a missing or extra key fails the build. */
export const warm: Record<keyof typeof en, string> = {
  'warm.refreshing': '새로 고치는 중…',
  'warm.asOf': '{age} 기준',
  'warm.justNow': '방금',
  'warm.notLive': '실시간 정보가 아닙니다. {host}에 연결되어 있지 않아 마지막으로 확인한 상태({age})를 표시합니다. 작업하려면 호스트 연결이 필요합니다.',
  'warm.lastState': '마지막 확인 상태: {state}',
  'warm.banner.refreshing': '호스트에 다시 연결하는 동안 VM {count}개의 마지막 상태를 표시합니다.',
  'warm.banner.offline': '호스트에 연결할 수 없어 VM {count}개를 마지막으로 확인한 상태로 표시합니다.',
  'warm.hostLastSeen': '마지막 연결: {age}',
  'warm.hostRefreshing': '다시 연결하는 중, 마지막 연결: {age}',
};
