/**
 * The machine's own libvirt when no daemon is running (containers, WSL, machines without
 * systemd): Hangar starts one the way libvirt's own client autostarts the per-user daemon for
 * `qemu:///session` (src/remote/remote_sockets.c, src/rpc/virnetsocket.c): when connecting the
 * socket fails with ENOENT or ECONNREFUSED it runs `<daemon> --timeout=120` detached, passing
 * XDG_CACHE_HOME, XDG_CONFIG_HOME and XDG_RUNTIME_DIR, and retries the connect every 10 ms for up
 * to 5 s. The daemon exits by itself once idle for 120 s (it stays while a client is connected
 * or a guest runs).
 *
 * A non-root user gets the session daemon, its socket in libvirt's user runtime directory
 * ($XDG_RUNTIME_DIR/libvirt, else ~/.cache/libvirt). libvirtd run by root is always the system
 * daemon (/run/libvirt), which is also what `qemu:///session` means to root; libvirt's client never
 * autostarts that, and systemd would start virtlogd beside it, so for root Hangar starts virtlogd
 * first the same way (the system qemu driver sends guest output through it).
 *
 * libvirt serialises concurrent autostarts with a lock file; here a second daemon started in a
 * race finds the first one's pid file locked and exits, and the connect retries reach the first.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HangarError } from '../contract/errors';
import { connectUnixSocket } from './local';

/** What libvirt's client passes to the daemon it autostarts, besides PATH and the locale. */
const PASSED_ENV = ['XDG_CACHE_HOME', 'XDG_CONFIG_HOME', 'XDG_RUNTIME_DIR', 'PATH', 'LANG', 'LC_ALL', 'HOME', 'USER', 'LOGNAME', 'TZ'] as const;
const IDLE_TIMEOUT_S = 120;
const CONNECT_RETRIES = 500;
const RETRY_MS = 10;

export interface LocalDaemonPlan {
  /** 'session': a per-user daemon; 'system': root's (the one /run/libvirt belongs to). */
  mode: 'session' | 'system';
  socket: string;
  /** The daemon binary to start when the socket is absent. */
  daemon: string;
  /** Daemons it needs running first, each with the socket that shows it runs. */
  before: { daemon: string; socket: string }[];
}

export interface PlanEnv {
  uid: number;
  env: NodeJS.ProcessEnv;
  home: string;
  /** Whether a file is there and executable (binaries) or there at all (sockets). */
  exists: (p: string, executable?: boolean) => Promise<boolean>;
}

const defaultPlanEnv = (): PlanEnv => ({
  uid: process.getuid?.() ?? -1,
  env: process.env,
  home: os.homedir(),
  exists: async (p, executable) => access(p, executable ? constants.X_OK : constants.F_OK).then(() => true, () => false),
});

/** libvirt's virGetUserRuntimeDirectory: where a user's daemon puts its sockets. */
export function userRuntimeDir(env: NodeJS.ProcessEnv, home: string): string {
  if (env['XDG_RUNTIME_DIR']) return path.join(env['XDG_RUNTIME_DIR'], 'libvirt');
  return path.join(env['XDG_CACHE_HOME'] || path.join(home, '.cache'), 'libvirt');
}

/** libvirt's virGetUserDataDirectory: where a user's daemon keeps its state (and virt-manager its images). */
export function userDataDir(env: NodeJS.ProcessEnv, home: string): string {
  return path.join(env['XDG_DATA_HOME'] || path.join(home, '.local', 'share'), 'libvirt');
}

/** A daemon binary as libvirt's client finds it: $VIRTD_PATH or $LIBVIRTD_PATH, else the sbin dirs. */
async function findDaemon(name: string, pe: PlanEnv): Promise<string | null> {
  const fromEnv = pe.env['VIRTD_PATH'] ?? pe.env['LIBVIRTD_PATH'];
  const dirs = [...(fromEnv ? fromEnv.split(':') : []), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) {
    const p = path.join(d, name);
    if (await pe.exists(p, true)) return p;
  }
  return null;
}

/**
 * How the local daemon would be autostarted here, or null when libvirt is not installed (or this
 * is not Linux). The monolithic libvirtd is preferred when installed: a client connected to
 * virtqemud alone has no storage or network API, and Hangar needs both.
 */
export async function localDaemonPlan(pe: PlanEnv = defaultPlanEnv()): Promise<LocalDaemonPlan | null> {
  if (process.platform !== 'linux' || pe.uid < 0) return null;
  const libvirtd = await findDaemon('libvirtd', pe);
  const virtqemud = libvirtd ? null : await findDaemon('virtqemud', pe);
  const daemon = libvirtd ?? virtqemud;
  if (!daemon) return null;
  const sockName = libvirtd ? 'libvirt-sock' : 'virtqemud-sock';
  if (pe.uid > 0) return { mode: 'session', socket: path.join(userRuntimeDir(pe.env, pe.home), sockName), daemon, before: [] };
  const virtlogd = await findDaemon('virtlogd', pe);
  return {
    mode: 'system',
    socket: path.join('/run/libvirt', sockName),
    daemon,
    before: virtlogd ? [{ daemon: virtlogd, socket: '/run/libvirt/virtlogd-sock' }] : [],
  };
}

function startDetached(binary: string, env: NodeJS.ProcessEnv): void {
  const passed: NodeJS.ProcessEnv = {};
  for (const k of PASSED_ENV) if (env[k] !== undefined) passed[k] = env[k];
  const child = spawn(binary, [`--timeout=${IDLE_TIMEOUT_S}`], { detached: true, stdio: 'ignore', env: passed });
  child.on('error', () => undefined); // reported by the connect retries running out
  child.unref();
}

const retryable = (err: unknown): boolean => /ENOENT|ECONNREFUSED/.test(HangarError.from(err).message);

/**
 * Connects the planned socket, starting the daemon (and what it needs first) when nothing
 * listens there. `onStarted` hears which daemons were started, e.g. to log it.
 */
export async function connectOrAutostart(plan: LocalDaemonPlan, opts: { env?: NodeJS.ProcessEnv; onStarted?: (daemon: string) => void } = {}): Promise<Socket> {
  const env = opts.env ?? process.env;
  // What the daemon needs is checked every time: it may have gone while the daemon stayed.
  for (const dep of plan.before) {
    const up = await connectUnixSocket(dep.socket).then((s) => (s.destroy(), true), () => false);
    if (!up) {
      startDetached(dep.daemon, env);
      opts.onStarted?.(dep.daemon);
    }
  }
  try {
    return await connectUnixSocket(plan.socket);
  } catch (err) {
    if (!retryable(err)) throw err;
  }
  // As libvirt's client does: the user runtime directory exists (0700) before the daemon starts.
  if (plan.mode === 'session') await mkdir(path.dirname(plan.socket), { recursive: true, mode: 0o700 });
  startDetached(plan.daemon, env);
  opts.onStarted?.(plan.daemon);
  let last: unknown = null;
  for (let i = 0; i < CONNECT_RETRIES; i++) {
    try {
      return await connectUnixSocket(plan.socket);
    } catch (err) {
      last = err;
      if (!retryable(err)) break;
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
  throw new HangarError('UNREACHABLE', `Started ${path.basename(plan.daemon)} (the ${plan.mode} libvirt daemon of this machine), but it did not answer on ${plan.socket}: ${HangarError.from(last).message}`, {
    daemon: plan.daemon,
    socket: plan.socket,
  });
}
