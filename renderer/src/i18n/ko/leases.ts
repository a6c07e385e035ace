/** 일회용 VM 임대(이슈 18): 임대 엔진이 거절할 때의 문구. */
export const leases = {
  'leases.err.defaultAboveMax': '기본 만료 시간({default}분)이 최대값({max}분)보다 깁니다.',
  'leases.err.ended': '{name}은(는) {state} 상태입니다.',
  'leases.err.expiryAboveMax': '만료 시간 {minutes}분이 풀의 최대값({max}분)보다 깁니다.',
  'leases.err.gaveUp': '{name}: {attempts}번 시도했지만 네트워크 주소를 받은 VM이 없습니다. 마지막 원인: {reason}',
  'leases.err.hostNoBase': '호스트 {hostId}에 {os}의 기본 이미지가 없습니다.',
  'leases.err.nameTaken': '이미 사용 중인 이름: {names}.',
  'leases.err.noAddress': '{name}이(가) {seconds}초 안에 {host}에서 네트워크 주소를 받지 못했습니다.',
  'leases.err.noCapacity': '{os} VM {asked}대를 만들 용량이 부족합니다. 지금 가능한 수: {available}.',
  'leases.err.noLease': '임대 {id}이(가) 없습니다.',
  'leases.err.noLeaseNamed': '이름이 {name}인 임대가 없습니다.',
  'leases.err.noPool': 'OS {os}의 풀이 없습니다.',
  'leases.err.poolExists': '{os} 풀이 이미 있습니다.',
  'leases.err.poolInUse': '{os} 풀에 아직 임대가 있습니다: {names}.',
  'leases.err.releaseWhat': '반납할 임대를 고르세요.',
  'leases.err.releasing': '{name}을(를) 반납하는 중입니다.',
  'leases.err.twoBases': '호스트 {hostId}에 기본 이미지가 두 개입니다. 호스트마다 하나만 둘 수 있습니다.',
} as const;
