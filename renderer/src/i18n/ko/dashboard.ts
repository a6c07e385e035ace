import type { dashboard as en } from '../en/dashboard';

/** The dashboard. Typed against the English area, so a missing or extra key fails the build. */
export const dashboard: Record<keyof typeof en, string> = {
  'dashboard.title': '대시보드',
  'dashboard.welcome': 'Hangar에 오신 것을 환영합니다',
  'dashboard.intro': 'SSH로 KVM/libvirt 호스트를 추가하면 VM, 용량, 경보가 여기에 표시됩니다.',
  'dashboard.engine': '엔진',
  'dashboard.version': '버전 {version}',
  'dashboard.runtime.electron': 'Hangar 앱에서 실행 중',
  'dashboard.runtime.serve': 'hangar serve로 제공 중',
  'dashboard.runtime.in-process': '프로세스 내 엔진',
  'dashboard.jobsRunning': '실행 중인 작업 {count}개',
  'dashboard.vms': '가상 머신',
  'dashboard.trend7d': '최근 7일',
  'dashboard.vcpuUsage': 'vCPU 사용량 (사용 / 할당)',
  'dashboard.memoryUsage': '호스트 메모리 (사용 / 전체)',
  'dashboard.storageUsage': '스토리지 (사용 / 용량)',
  'dashboard.statuses': 'VM 상태',
  'dashboard.perTemplate': '템플릿별 VM',
  'dashboard.noTemplate': 'Hangar로 만들지 않음',
};
