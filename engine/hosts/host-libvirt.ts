import type { Duplex } from 'node:stream';
import { HangarError } from '../contract/errors';
import { LibvirtConnection, type OpenOptions } from '../libvirt';
import type { SshConnection } from '../ssh';

/** Where a host's libvirt daemon listens: the modular virtqemud first, as libvirt's own client does. */
export const REMOTE_SOCKETS = ['/run/libvirt/virtqemud-sock', '/run/libvirt/libvirt-sock', '/var/run/libvirt/libvirt-sock'] as const;

export interface HostLibvirt {
  conn: LibvirtConnection;
  socket: string;
  /** How the bytes travel: an SSH stream-local forward, or a helper process over exec when sshd forbids forwarding. */
  via: 'stream-local' | 'exec';
}

/** One shell-free probe: which of the known sockets exist (fixed paths only, nothing from a user). */
async function findSocket(ssh: SshConnection, signal?: AbortSignal): Promise<string> {
  const probe = `for s in ${REMOTE_SOCKETS.join(' ')}; do [ -S "$s" ] && echo "$s"; done; true`;
  const r = await ssh.exec(probe, { timeoutMs: 15_000, ...(signal ? { signal } : {}) });
  const found = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const socket = REMOTE_SOCKETS.find((s) => found.includes(s));
  if (!socket) {
    throw new HangarError('UNREACHABLE', 'libvirt is not running on this host (no virtqemud or libvirtd socket in /run/libvirt). Install libvirt-daemon-system and start it.');
  }
  return socket;
}

/**
 * Opens libvirt's remote protocol on a host through its existing SSH connection: no libvirt on
 * the laptop, no port opened on the host. The usual case is one round trip: a stream-local forward
 * to each known socket in turn (the modular daemon's first). Only when no forward opens does one
 * exec ask which sockets exist: none means libvirt is not running; some means sshd forbids the
 * forward (OpenSSH answers a forbidden forward like a missing socket), and a relay over exec
 * carries the bytes instead.
 */
export async function openHostLibvirt(ssh: SshConnection, opts: OpenOptions = {}): Promise<HostLibvirt> {
  const streamOpts = { timeoutMs: 15_000, ...(opts.signal ? { signal: opts.signal } : {}) };
  for (const socket of REMOTE_SOCKETS) {
    let transport: Duplex;
    try {
      transport = await ssh.openStreamLocal(socket, streamOpts);
    } catch (err) {
      // The server answered "no" (no such socket, or forwarding forbidden): try the next. A lost
      // connection, a timeout or a cancel is not an answer.
      if (HangarError.from(err).details?.['openFailed'] !== true) throw err;
      continue;
    }
    return { conn: await LibvirtConnection.open(transport, opts), socket, via: 'stream-local' };
  }
  const socket = await findSocket(ssh, opts.signal);
  const transport = await ssh.openExecStream(['virt-ssh-helper', 'qemu:///system'], streamOpts).catch(() => ssh.openExecStream(['nc', '-U', socket], streamOpts));
  return { conn: await LibvirtConnection.open(transport, opts), socket, via: 'exec' };
}
