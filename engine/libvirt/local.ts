/**
 * The laptop's own libvirt, reached through its local UNIX socket (Linux hosts running Hangar
 * next to libvirt). Modular daemons (virtqemud) are preferred over the monolithic libvirtd, the
 * same order libvirt's own client uses.
 */
import { access } from 'node:fs/promises';
import { constants } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { HangarError } from '../contract/errors';
import { LibvirtConnection, type OpenOptions } from './connection';

export const LOCAL_SOCKET_CANDIDATES = [
  '/run/libvirt/virtqemud-sock',
  '/run/libvirt/libvirt-sock',
  '/var/run/libvirt/virtqemud-sock',
  '/var/run/libvirt/libvirt-sock',
] as const;

/** The first candidate socket we may connect to, or null when none is there. */
export async function detectLocalSocket(candidates: readonly string[] = LOCAL_SOCKET_CANDIDATES): Promise<string | null> {
  for (const path of candidates) {
    try {
      await access(path, constants.R_OK | constants.W_OK);
      return path;
    } catch {
      // next candidate
    }
  }
  return null;
}

/** Where a local socket connects: a UNIX socket path, or a TCP address on this machine. */
export type LocalEndpoint = { socket: string } | { host: string; port: number };

/** Connects a local socket (UNIX or TCP, no Nagle delay) and resolves once it is connected. */
export function connectSocket(to: LocalEndpoint, timeoutMs = 10_000): Promise<Socket> {
  const where = 'socket' in to ? to.socket : `${to.host}:${to.port}`;
  return new Promise((resolve, reject) => {
    const sock = 'socket' in to ? createConnection({ path: to.socket }) : createConnection({ host: to.host, port: to.port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new HangarError('TIMEOUT', `connecting to ${where} timed out`));
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      if (!('socket' in to)) sock.setNoDelay(true);
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(new HangarError('UNREACHABLE', `cannot connect to ${where}: ${err.message}`));
    });
  });
}

/** Connects a UNIX socket (libvirt's) and resolves once it is connected. */
export const connectUnixSocket = (path: string, timeoutMs = 10_000): Promise<Socket> => connectSocket({ socket: path }, timeoutMs);

/** Opens a LibvirtConnection over a local socket (detected when not given). */
export async function connectLocal(socketPath?: string, opts: OpenOptions = {}): Promise<LibvirtConnection> {
  const path = socketPath ?? (await detectLocalSocket());
  if (!path) throw new HangarError('UNREACHABLE', 'no local libvirt socket found', { tried: [...LOCAL_SOCKET_CANDIDATES] });
  const sock = await connectUnixSocket(path);
  return LibvirtConnection.open(sock, opts);
}
