import type { common as en } from '../en/common';

/** Shared words, the app name and the engine connection. Typed against the English area, so a missing or extra key fails the build. */
export const common: Record<keyof typeof en, string> = {
  'app.name': 'Hangar',
  'connection.connecting': '연결 중…',
  'connection.connected': '엔진 연결됨',
  'connection.reconnecting': '다시 연결 중…',
  'connection.unauthorized': '권한 없음',
  'connection.forbidden': '거부됨',
  'connection.noToken': '이 페이지를 열려면 `hangar serve`가 출력한 접속 링크(#token=…으로 끝남)가 필요합니다. 그 링크를 여세요.',
  'connection.unauthorizedHelp': '접속 토큰이 없거나 더 이상 유효하지 않습니다. `hangar serve`가 출력한 링크를 여세요.',
  'common.cancel': '취소',
  'common.yes': '예',
  'common.save': '저장',
  'common.saved': '저장했습니다.',
};
