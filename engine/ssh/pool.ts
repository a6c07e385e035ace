import { SshConnection, type SshEnvironment, type SshStateEvent } from './connection';
import type { SshTarget } from './config';

/** One connection per Hangar host id, shared by everything that talks to that host. */
export class SshPool {
  private readonly connections = new Map<string, { conn: SshConnection; unsubscribe: () => void }>();
  private readonly listeners = new Set<(e: SshStateEvent) => void>();

  constructor(private readonly env: SshEnvironment) {}

  /** The host's connection, created on first call; a changed target replaces (and closes) the old one. */
  connection(hostId: string, target: SshTarget): SshConnection {
    const known = this.connections.get(hostId);
    if (known && sameTarget(known.conn.target, target)) return known.conn;
    if (known) void this.remove(hostId);
    const conn = new SshConnection(hostId, { ...target }, this.env);
    const unsubscribe = conn.onState((e) => {
      for (const l of this.listeners) l(e);
    });
    this.connections.set(hostId, { conn, unsubscribe });
    return conn;
  }

  get(hostId: string): SshConnection | undefined {
    return this.connections.get(hostId)?.conn;
  }

  /** State changes of every connection in the pool. Returns the unsubscribe function. */
  onState(listener: (e: SshStateEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async remove(hostId: string): Promise<void> {
    const entry = this.connections.get(hostId);
    if (!entry) return;
    this.connections.delete(hostId);
    await entry.conn.close();
    entry.unsubscribe();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.connections.keys()].map((id) => this.remove(id)));
  }
}

function sameTarget(a: SshTarget, b: SshTarget): boolean {
  return a.address === b.address && a.user === b.user && a.port === b.port && a.identityFile === b.identityFile;
}
