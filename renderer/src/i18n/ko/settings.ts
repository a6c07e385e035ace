import type { settings as en } from '../en/settings';

/** Settings: language, units, secret storage. Typed against the English area, so a missing or extra key fails the build. */
export const settings: Record<keyof typeof en, string> = {
  'settings.title': '설정',
  'settings.language': '언어',
  'settings.theme': '테마',
  'settings.theme.system': '시스템 설정 따름',
  'settings.theme.light': '밝게',
  'settings.theme.dark': '어둡게',
  'settings.secrets': '비밀 정보 저장소',
  'settings.secrets.unavailable': '여기서는 비밀번호를 저장할 수 없습니다: {reason}',
  'settings.about': '정보',
  'settings.dataDir': '데이터 폴더',
  'language.en': 'English',
  'language.ko': '한국어',
  'settings.shutdownTimeout': '강제 종료를 제안하기 전에 게스트가 종료할 때까지 기다리는 시간(초)',
  'settings.metricsInterval': '메트릭 수집 간격(초)',
  // Migration limits (the vm.migrate job limits).
  'settings.migrationsPerHost': '한 호스트에서 동시에 나가는 라이브 마이그레이션 수 (나머지는 대기열에서 기다림)',
  'settings.migrationsInFleet': '전체 호스트에서 동시에 실행되는 라이브 마이그레이션 수',
  'settings.secrets.keyBesideDatabase': '비밀 키 {keyFile}이(가) 보호 대상인 데이터베이스와 같은 데이터 폴더에 있습니다. 폴더를 복사하면 암호화된 비밀번호와 그 키가 함께 복사됩니다. 키를 다른 곳에 두거나(hangar serve --secret-key-file) HANGAR_SECRET_KEY로 지정하세요.',
  'settings.saved': '설정을 저장했습니다.',
  'settings.secrets.with': '비밀번호와 암호문구는 암호화해 저장합니다. 암호화 방식: {backend}',
  'secrets.backend.key-file': '데이터 폴더의 키 파일',
  'secrets.backend.env-key': 'HANGAR_SECRET_KEY 환경 변수의 키',
  'secrets.backend.keychain': 'macOS 키체인',
  'secrets.backend.dpapi': 'Windows DPAPI',
  'secrets.backend.gnome_libsecret': 'GNOME 키링(libsecret)',
  'secrets.backend.kwallet': 'KWallet',
  'secrets.backend.kwallet5': 'KWallet',
  'secrets.backend.kwallet6': 'KWallet',
  'secrets.backend.other': '시스템 키링({name})',
  // snapshots (branch snap)
  'settings.snapshotMax': 'VM당 최대 스냅숏 수',
  'settings.snapshotDeadline': '스냅숏 제한 시간(초): 넘으면 중단하고 게스트 파일 시스템 정지를 풂',
};
