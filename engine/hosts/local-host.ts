/**
 * The embedded local host: the libvirt of the machine Hangar runs on, with no SSH. Its socket is
 * the system daemon's when that runs and we may use it, else a running per-user session daemon's,
 * else the daemon libvirt's client would autostart (see libvirt/local-daemon.ts) — so the local
 * host appears wherever QEMU and libvirt are installed, also without systemd. Once connected it
 * gets what a newcomer's first VM needs and a fresh daemon lacks: a `default` storage pool.
 */
import os from 'node:os';
import path from 'node:path';
import type { Socket } from 'node:net';
import { buildDirPoolXml } from '../xml/pool';
import { connectUnixSocket, detectLocalSocket, LibvirtConnection, StoragePoolState } from '../libvirt';
import { connectOrAutostart, localDaemonPlan, userDataDir, userRuntimeDir } from '../libvirt/local-daemon';
import type { Logger } from '../logger';

export interface LocalLibvirt {
  /** The socket the local host is reached at (its address in the UI). */
  socket: string;
  /** What to open on it: a per-user daemon serves only qemu:///session. */
  uri: 'qemu:///system' | 'qemu:///session';
  /** Connects it, starting the daemon first when it is ours to start and not running. */
  dial(): Promise<Socket>;
  /** Run on every (re)connect, before the host is used. */
  prepare(conn: LibvirtConnection): Promise<void>;
}

/** The socket given from outside (a test's private daemon, HANGAR_LOCAL_LIBVIRT_SOCKET): used as it is. */
export function givenLocalLibvirt(socket: string): LocalLibvirt {
  return { socket, uri: uriFor(socket), dial: () => connectUnixSocket(socket), prepare: async () => undefined };
}

/**
 * The socket of a local daemon already running that we may use, or null: the system daemon's if
 * we are root or it lets us in (group and polkit rules decide, so a non-root user's access is
 * tried, not guessed from the file mode), else the user's session daemon's.
 */
export async function runningLocalSocket(): Promise<string | null> {
  const system = await detectLocalSocket();
  if (system && (process.getuid?.() === 0 || (await opens(system, 'qemu:///system')))) return system;
  return detectLocalSocket(sessionSockets());
}

async function opens(socket: string, uri: string): Promise<boolean> {
  try {
    const conn = await LibvirtConnection.open(await connectUnixSocket(socket, 2_000), { uri, signal: AbortSignal.timeout(3_000) });
    await conn.close();
    return true;
  } catch {
    return false;
  }
}

/** The machine's own libvirt, found or to be autostarted; null where libvirt is not installed. */
export async function findLocalLibvirt(logger: Logger): Promise<LocalLibvirt | null> {
  const running = await runningLocalSocket();
  const plan = await localDaemonPlan();
  const prepare = (conn: LibvirtConnection) => ensureDefaultPool(conn, logger);
  if (running && (!plan || running !== plan.socket)) return { socket: running, uri: uriFor(running), dial: () => connectUnixSocket(running), prepare };
  if (!plan) return null;
  return {
    socket: plan.socket,
    uri: plan.mode === 'session' ? 'qemu:///session' : 'qemu:///system',
    dial: () => connectOrAutostart(plan, { onStarted: (daemon) => logger.info('started the local libvirt daemon', { daemon, mode: plan.mode, socket: plan.socket }) }),
    prepare,
  };
}

/** A socket in the user's runtime directory is a session daemon's; any other, the system daemon's. */
function uriFor(socket: string): LocalLibvirt['uri'] {
  return path.dirname(socket) === userRuntimeDir(process.env, os.homedir()) ? 'qemu:///session' : 'qemu:///system';
}

function sessionSockets(): string[] {
  const dir = userRuntimeDir(process.env, os.homedir());
  return [path.join(dir, 'virtqemud-sock'), path.join(dir, 'libvirt-sock')];
}

/** Where a `default` pool goes: libvirt's own default for the system daemon, virt-manager's for a session one. */
export function defaultPoolPath(uri: string, env: NodeJS.ProcessEnv = process.env, home = os.homedir()): string {
  return uri.endsWith('/system') ? '/var/lib/libvirt/images' : path.join(userDataDir(env, home), 'images');
}

/**
 * Makes sure the `default` pool exists and is active (define, build and start it as virt-manager
 * does on first run). A pool the user has is left as it is, only started when inactive.
 */
export async function ensureDefaultPool(conn: LibvirtConnection, logger: Logger): Promise<void> {
  try {
    const pools = await conn.listAllStoragePools(0);
    let pool = pools.find((p) => p.name === 'default');
    if (!pool) {
      const dir = defaultPoolPath(await conn.getUri());
      pool = await conn.storagePoolDefineXml(buildDirPoolXml({ name: 'default', targetPath: dir }), 0);
      await conn.storagePoolBuild(pool, 0);
      await conn.storagePoolSetAutostart(pool, true);
      logger.info('defined the default storage pool of the local host', { path: dir });
    }
    const info = await conn.storagePoolGetInfo(pool);
    if (info.state !== StoragePoolState.RUNNING) await conn.storagePoolCreate(pool, 0);
  } catch (err) {
    // The host is still usable with the pools it has; creating a VM will say which pool is missing.
    logger.warn('could not prepare the default storage pool of the local host', { error: String(err) });
  }
}
