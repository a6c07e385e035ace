import type { apiTokens as en } from '../en/apiTokens';

/** 풀 REST API의 API 토큰 (설정). Typed against the English area. */
export const apiTokens: Record<keyof typeof en, string> = {
  'apiTokens.title': 'API 토큰 (풀 REST API)',
  'apiTokens.help': 'CI 작업은 토큰으로 VM을 임대합니다. 토큰은 한 번만 표시되며 Hangar는 해시만 보관합니다. 할당량은 동시에 보유할 VM 수와 수명의 상한입니다.',
  'apiTokens.howTo': 'URL이나 헤더에 넣어 사용하세요:',
  'apiTokens.user': '사용자',
  'apiTokens.userRule': '문자, 숫자, . _ - (최대 63자), 문자나 숫자로 시작.',
  'apiTokens.maxVms': '동시 최대 VM 수',
  'apiTokens.maxExpiry': '최대 만료 (분)',
  'apiTokens.create': '토큰 만들기',
  'apiTokens.shownOnce': '{user}의 토큰입니다. 지금 복사하세요: 다시 표시되지 않습니다.',
  'apiTokens.example': '예:',
  'apiTokens.hide': '완료',
  'apiTokens.hint': '토큰',
  'apiTokens.created': '생성',
  'apiTokens.lastUsed': '마지막 사용',
  'apiTokens.never': '없음',
  'apiTokens.revoke': '폐기',
  'apiTokens.confirmRevoke': '{user}의 토큰을 폐기할까요? 이후 이 토큰의 요청은 거부되며, 임대는 만료될 때까지 남습니다.',
};
