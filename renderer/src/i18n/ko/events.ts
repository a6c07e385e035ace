import type { events as en } from '../en/events';

/** Event history (event.* keys are sent by the engine). Typed against the English area, so a missing or extra key fails the build. */
export const events: Record<keyof typeof en, string> = {
  'events.empty': '아직 기록된 일이 없습니다.',
  'event.vm.defined': '{name}이(가) 정의됨',
  'event.vm.undefined': '{name}이(가) 삭제됨',
  'event.vm.started': '{name} 시작됨',
  'event.vm.suspended': '{name} 일시 중지됨',
  'event.vm.resumed': '{name} 재개됨',
  'event.vm.shutdown': '{name} 종료 중',
  'event.vm.pmsuspended': '{name}이(가) 게스트에 의해 절전됨',
  'event.vm.crashed': '{name} 비정상 종료',
  'event.vm.stopped.shutdown': '{name} 종료됨',
  'event.vm.stopped.destroyed': '{name} 강제 종료됨',
  'event.vm.stopped.crashed': '{name}이(가) 충돌 후 중지됨',
  'event.vm.stopped.migrated': '{name}이(가) 다른 호스트로 이동함',
  'event.vm.stopped.saved': '{name} 상태가 디스크에 저장됨',
  'event.vm.stopped.failed': '{name} 시작 실패',
  'event.vm.stopped.fromSnapshot': '{name}이(가) 스냅숏 복원을 위해 중지됨',
  'event.vm.rebooted': '{name} 재부팅됨',
  'event.vm.deviceAdded': '{name}: 장치 {device} 추가됨',
  'event.vm.deviceRemoved': '{name}: 장치 {device} 제거됨',
  'event.host.connected': '{name} 연결됨',
  'event.host.unreachable': '{name}에 연결할 수 없게 됨',
  'event.host.disconnected': '{name} 연결 해제됨',
  'events.reason': '원인: {reason}',
  'event.host.keyReplaced': '검토 후 {name}의 SSH 호스트 키를 바꿈: {previous} → {next}',
};
