import { describe, expect, it } from 'vitest';
import { localDaemonPlan, userDataDir, userRuntimeDir, type PlanEnv } from '../../../engine/libvirt/local-daemon';
import { defaultPoolPath } from '../../../engine/hosts/local-host';

const planEnv = (uid: number, bins: string[], env: NodeJS.ProcessEnv = {}): PlanEnv => ({ uid, env, home: '/home/ann', exists: async (p) => bins.includes(p) });

describe('where libvirt keeps a user daemon (as virGetUserRuntimeDirectory / virGetUserDataDirectory)', () => {
  it('uses XDG_RUNTIME_DIR, else the cache dir', () => {
    expect(userRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, '/home/ann')).toBe('/run/user/1000/libvirt');
    expect(userRuntimeDir({}, '/home/ann')).toBe('/home/ann/.cache/libvirt');
    expect(userRuntimeDir({ XDG_CACHE_HOME: '/c' }, '/home/ann')).toBe('/c/libvirt');
    expect(userDataDir({}, '/home/ann')).toBe('/home/ann/.local/share/libvirt');
  });
  it('puts the default pool where libvirt or virt-manager would', () => {
    expect(defaultPoolPath('qemu:///system')).toBe('/var/lib/libvirt/images');
    expect(defaultPoolPath('qemu:///session', {}, '/home/ann')).toBe('/home/ann/.local/share/libvirt/images');
  });
});

describe.skipIf(process.platform !== 'linux')('how the local daemon is autostarted', () => {
  it('a user gets the session libvirtd in their runtime dir', async () => {
    expect(await localDaemonPlan(planEnv(1000, ['/usr/sbin/libvirtd', '/usr/sbin/virtlogd'], { XDG_RUNTIME_DIR: '/run/user/1000' }))).toEqual({
      mode: 'session',
      socket: '/run/user/1000/libvirt/libvirt-sock',
      daemon: '/usr/sbin/libvirtd',
      before: [],
    });
  });
  it('root gets the system daemon, with virtlogd started first', async () => {
    expect(await localDaemonPlan(planEnv(0, ['/usr/sbin/libvirtd', '/usr/sbin/virtlogd']))).toEqual({
      mode: 'system',
      socket: '/run/libvirt/libvirt-sock',
      daemon: '/usr/sbin/libvirtd',
      before: [{ daemon: '/usr/sbin/virtlogd', socket: '/run/libvirt/virtlogd-sock' }],
    });
  });
  it('virtqemud where there is no libvirtd; $VIRTD_PATH first; nothing without libvirt', async () => {
    expect((await localDaemonPlan(planEnv(1000, ['/usr/sbin/virtqemud'], { XDG_RUNTIME_DIR: '/r' })))?.socket).toBe('/r/libvirt/virtqemud-sock');
    expect((await localDaemonPlan(planEnv(1000, ['/opt/lv/libvirtd', '/usr/sbin/libvirtd'], { VIRTD_PATH: '/opt/lv' })))?.daemon).toBe('/opt/lv/libvirtd');
    expect(await localDaemonPlan(planEnv(1000, []))).toBeNull();
  });
});
