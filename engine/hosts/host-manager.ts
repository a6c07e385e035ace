import crypto from 'node:crypto';
import os from 'node:os';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { HangarError, type ErrorData } from '../contract/errors';
import type { Host, HostFacts, HostState } from '../contract/hosts';
import type { z } from 'zod';
import type { AddHostParams, HostTarget } from '../contract/hosts';
import { Collection } from '../events/collection';
import type { JobRunner } from '../jobs/job-runner';
import type { Logger } from '../logger';
import { connectSocket, connectUnixSocket, LibvirtConnection, type LibvirtEvent, type LocalEndpoint } from '../libvirt';
import { SshConnection, SshPool, type SshEnvironment, type SshStateEvent, type SshTarget } from '../ssh';
import type { HostCredentials } from './credentials';
import { gatherFacts, localKvmProbe, sshKvmProbe } from './host-facts';
import { openHostLibvirt } from './host-libvirt';
import { HostLink, type LinkStatus } from './host-link';
import type { HostRecord, HostRepo } from './host-repo';

type Target = z.output<typeof HostTarget>;
type AddParams = z.output<typeof AddHostParams>;

interface HostManagerEvents {
  /** The host's libvirt session is (again) open: refetch its inventory. */
  connected: [hostId: string, conn: LibvirtConnection];
  event: [hostId: string, ev: LibvirtEvent];
  /** The host can no longer be reached or was disconnected: its VMs are Unknown. */
  lost: [hostId: string];
  removed: [hostId: string];
}

interface Live {
  record: HostRecord;
  link: HostLink | null;
  ssh: SshStateEvent | null;
  link_: LinkStatus | null;
}

const sshTarget = (t: { address: string; port?: number | null | undefined; user?: string | null | undefined; keyPath?: string | null | undefined }): SshTarget => ({
  address: t.address,
  ...(t.port ? { port: t.port } : {}),
  ...(t.user ? { user: t.user } : {}),
  ...(t.keyPath ? { identityFile: t.keyPath } : {}),
});

/** The id of the embedded local host: not stored, it appears whenever the local socket is there. */
export const LOCAL_HOST_ID = 'local';

/**
 * The fleet: hosts the user added, their SSH connections and libvirt links, and the `hosts`
 * collection the UI shows. A host connects at start unless the user disconnected it. The machine's
 * own libvirt, when its socket is there, is the embedded default host.
 */
export class HostManager extends EventEmitter<HostManagerEvents> {
  readonly hosts = new Collection<Host>();
  private readonly live = new Map<string, Live>();
  private readonly pool: SshPool;
  /** Which socket each SSH host's libvirt was reached at, and how: reported in its facts. */
  private readonly via = new Map<string, { socket: string; via: HostFacts['via'] }>();

  constructor(
    private readonly repo: HostRepo,
    private readonly credentials: HostCredentials,
    private readonly jobs: JobRunner,
    private readonly logger: Logger,
    private readonly sshEnv: SshEnvironment,
    /** The local libvirt socket, found at start (null: none here or disabled). */
    private readonly localSocket: string | null = null,
  ) {
    super();
    this.pool = new SshPool(sshEnv);
    this.pool.onState((e) => {
      const l = this.live.get(e.hostId);
      if (!l) return;
      l.ssh = e;
      this.publish(l);
    });
  }

  async init(): Promise<void> {
    if (this.localSocket) {
      const record: HostRecord = {
        id: LOCAL_HOST_ID,
        name: os.hostname(),
        address: this.localSocket,
        port: null,
        user: null,
        auth: 'auto',
        keyPath: null,
        tags: [],
        disconnected: false,
        facts: null,
        createdAt: Date.now(),
      };
      const l: Live = { record, link: null, ssh: null, link_: null };
      this.live.set(record.id, l);
      this.publish(l);
      this.startLink(l);
    }
    for (const record of await this.repo.all()) {
      const l: Live = { record, link: null, ssh: null, link_: null };
      this.live.set(record.id, l);
      this.publish(l);
      if (!record.disconnected) this.startLink(l);
    }
  }

  /** The connection test: reaches the host, reports what it found, changes nothing. */
  async test(target: Target, signal?: AbortSignal): Promise<HostFacts> {
    const probeId = `probe-${crypto.randomUUID()}`;
    if (target.password) this.credentials.remember(probeId, target.password);
    const ssh = new SshConnection(probeId, sshTarget(target), { ...this.sshEnv, autoReconnect: false });
    try {
      await ssh.connect({ ...(signal ? { signal } : {}), ...(target.acceptHostKey ? { acceptHostKey: target.acceptHostKey } : {}), timeoutMs: 30_000 });
      const lv = await openHostLibvirt(ssh, { ...(signal ? { signal } : {}) }).catch((err: unknown) => {
        const e = HangarError.from(err);
        if (e.code === 'AUTH_FAILED' || /denied|permission/i.test(e.message)) {
          throw new HangarError('AUTH_FAILED', `SSH works, but this user may not manage libvirt: ${e.message}. Log in as root or add the user to the libvirt group.`);
        }
        throw e;
      });
      try {
        return await gatherFacts({ ...lv, probeKvm: () => sshKvmProbe(ssh, signal) });
      } finally {
        await lv.conn.close();
      }
    } finally {
      await ssh.close();
      await this.credentials.forget(probeId).catch(() => undefined);
    }
  }

  async add(p: AddParams, signal?: AbortSignal): Promise<Host> {
    const name = p.name ?? p.address;
    if ([...this.live.values()].some((l) => l.record.name === name)) throw new HangarError('CONFLICT', `A host named ${name} exists already`);
    const facts = await this.test(p, signal);
    const record: HostRecord = {
      id: crypto.randomUUID(),
      name,
      address: p.address,
      port: p.port ?? null,
      user: p.user ?? null,
      auth: p.auth,
      keyPath: p.keyPath ?? null,
      tags: p.tags,
      disconnected: false,
      facts,
      createdAt: Date.now(),
    };
    if (p.password) {
      if (p.savePassword) await this.credentials.save(record.id, p.password);
      else this.credentials.remember(record.id, p.password);
    }
    await this.repo.save(record);
    const l: Live = { record, link: null, ssh: null, link_: null };
    this.live.set(record.id, l);
    this.startLink(l);
    return this.publish(l);
  }

  /** The local host lives in memory only: it is found again at every start. */
  private async save(record: HostRecord): Promise<void> {
    if (record.id !== LOCAL_HOST_ID) await this.repo.save(record);
  }

  async update(hostId: string, patch: { name?: string | undefined; tags?: string[] | undefined }): Promise<Host> {
    const l = this.get(hostId);
    if (patch.name && patch.name !== l.record.name && [...this.live.values()].some((x) => x.record.name === patch.name)) {
      throw new HangarError('CONFLICT', `A host named ${patch.name} exists already`);
    }
    l.record = { ...l.record, ...(patch.name ? { name: patch.name } : {}), ...(patch.tags ? { tags: patch.tags } : {}) };
    await this.save(l.record);
    return this.publish(l);
  }

  async connect(hostId: string): Promise<Host> {
    const l = this.get(hostId);
    l.record = { ...l.record, disconnected: false };
    await this.save(l.record);
    if (!l.link) this.startLink(l);
    return this.publish(l);
  }

  async disconnect(hostId: string): Promise<Host> {
    const l = this.get(hostId);
    l.record = { ...l.record, disconnected: true };
    await this.save(l.record);
    await this.stopLink(l);
    return this.publish(l);
  }

  async remove(hostId: string): Promise<void> {
    const l = this.get(hostId);
    const busy = this.jobs.jobs.values().some((j) => j.target?.hostId === hostId && (j.state === 'running' || j.state === 'queued'));
    if (busy) throw new HangarError('CONFLICT', 'Tasks are running on this host: wait for them or cancel them first');
    await this.stopLink(l);
    await this.credentials.forget(hostId);
    if (hostId !== LOCAL_HOST_ID) await this.repo.remove(hostId);
    this.live.delete(hostId);
    this.hosts.remove([hostId]);
    this.emit('removed', hostId);
  }

  /** The host's open libvirt connection, or UNREACHABLE saying why not. */
  libvirt(hostId: string): LibvirtConnection {
    const l = this.get(hostId);
    if (!l.link) throw new HangarError('UNREACHABLE', `${l.record.name} is disconnected`);
    return l.link.connection();
  }

  /**
   * A byte stream to an endpoint as the host itself sees it (a VNC server on its loopback, a UNIX
   * socket): through the host's existing SSH connection, never a new login; directly for the
   * embedded local host.
   */
  async dial(hostId: string, to: LocalEndpoint, signal?: AbortSignal): Promise<Duplex> {
    const l = this.get(hostId);
    if (!l.link) throw new HangarError('UNREACHABLE', `${l.record.name} is disconnected`);
    const ssh = this.ssh(hostId);
    if (!ssh) return connectSocket(to);
    const opts = { timeoutMs: 15_000, ...(signal ? { signal } : {}) };
    return 'socket' in to ? ssh.openStreamLocal(to.socket, opts) : ssh.forwardOutTcp(to.host, to.port, opts);
  }

  /** What a person types to reach this host with OpenSSH (for ProxyJump hints). */
  sshDestination(hostId: string): { kind: 'local' } | { kind: 'ssh'; address: string; user: string | null; port: number | null } {
    const r = this.get(hostId).record;
    return r.id === LOCAL_HOST_ID ? { kind: 'local' } : { kind: 'ssh', address: r.address, user: r.user, port: r.port };
  }

  /** The host's SSH connection (shared with its libvirt link), or null for the local host. */
  ssh(hostId: string): SshConnection | null {
    const l = this.get(hostId);
    return l.record.id === LOCAL_HOST_ID ? null : this.pool.connection(l.record.id, sshTarget(l.record));
  }

  async close(): Promise<void> {
    await Promise.all([...this.live.values()].map((l) => this.stopLink(l)));
    await this.pool.closeAll();
  }

  private get(hostId: string): Live {
    const l = this.live.get(hostId);
    if (!l) throw new HangarError('NOT_FOUND', `No host ${hostId}`);
    return l;
  }

  private startLink(l: Live): void {
    const link = new HostLink(this.opener(l.record));
    l.link = link;
    link.on('status', (s) => {
      l.link_ = s;
      this.publish(l);
      if (s.state === 'unreachable') this.emit('lost', l.record.id);
    });
    link.on('event', (ev) => this.emit('event', l.record.id, ev));
    link.on('connected', (conn) => {
      this.emit('connected', l.record.id, conn);
      void this.refreshFacts(l);
    });
    // A first failure is not final: keep trying in the background like any later drop.
    const first = (): void => {
      link.start().catch(async (err: unknown) => {
        const e = HangarError.from(err);
        l.link_ = { state: 'unreachable', lastError: e.toData(), nextRetryAt: Date.now() + 10_000 };
        this.publish(l);
        if (e.code === 'HOST_KEY_CHANGED' || e.code === 'HOST_KEY_UNKNOWN' || e.code === 'AUTH_FAILED') return; // needs the user
        setTimeout(() => {
          if (l.link === link) first();
        }, 10_000).unref();
      });
    };
    first();
  }

  /** How this host's libvirt is reached: its local socket, or through its SSH connection. */
  private opener(record: HostRecord): (signal: AbortSignal) => Promise<LibvirtConnection> {
    if (record.id === LOCAL_HOST_ID) return async (signal) => LibvirtConnection.open(await connectUnixSocket(record.address), { signal });
    return async (signal) => {
      const lv = await openHostLibvirt(this.pool.connection(record.id, sshTarget(record)), { signal });
      this.via.set(record.id, { socket: lv.socket, via: lv.via });
      return lv.conn;
    };
  }

  private async stopLink(l: Live): Promise<void> {
    const link = l.link;
    l.link = null;
    l.link_ = null;
    if (link) await link.close();
    await this.pool.remove(l.record.id);
    l.ssh = null;
    this.emit('lost', l.record.id);
  }

  private async refreshFacts(l: Live): Promise<void> {
    try {
      const conn = l.link?.connection();
      if (!conn) return;
      const how = l.record.id === LOCAL_HOST_ID ? { socket: l.record.address, via: 'local' as const } : (this.via.get(l.record.id) ?? { socket: '', via: 'stream-local' as const });
      // Probed once per connection: the answer is part of the facts until the next connect.
      const ssh = this.ssh(l.record.id);
      const facts = await gatherFacts({ conn, ...how, probeKvm: ssh ? () => sshKvmProbe(ssh) : localKvmProbe });
      l.record = { ...l.record, facts };
      await this.save(l.record);
      this.publish(l);
    } catch (err) {
      this.logger.warn('host facts refresh failed', { hostId: l.record.id, error: String(err) });
    }
  }

  private publish(l: Live): Host {
    const { state, lastError, nextRetryAt } = this.stateOf(l);
    const r = l.record;
    const host: Host = {
      id: r.id,
      kind: r.id === LOCAL_HOST_ID ? 'local' : 'ssh',
      name: r.name,
      address: r.address,
      port: r.port,
      user: r.user,
      auth: r.auth,
      keyPath: r.keyPath,
      tags: r.tags,
      state,
      lastError,
      nextRetryAt,
      facts: r.facts,
      createdAt: r.createdAt,
    };
    this.hosts.upsert([host]);
    return host;
  }

  private stateOf(l: Live): { state: HostState; lastError: ErrorData | null; nextRetryAt: number | null } {
    if (l.record.disconnected || !l.link) return { state: 'disconnected', lastError: null, nextRetryAt: null };
    const link = l.link_;
    if (link?.state === 'connected') return { state: 'connected', lastError: null, nextRetryAt: null };
    if (link?.state === 'unreachable' || l.ssh?.state === 'unreachable') {
      return {
        state: 'unreachable',
        lastError: link?.lastError ?? l.ssh?.lastError ?? null,
        nextRetryAt: link?.nextRetryAt ?? l.ssh?.nextRetryAt ?? null,
      };
    }
    return { state: 'connecting', lastError: null, nextRetryAt: null };
  }
}
