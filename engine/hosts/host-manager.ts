import crypto from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { HangarError, type ErrorData } from '../contract/errors';
import type { Host, HostFacts, HostState } from '../contract/hosts';
import type { z } from 'zod';
import type { AddHostParams, HostTarget } from '../contract/hosts';
import { Collection } from '../events/collection';
import type { JobRunner } from '../jobs/job-runner';
import type { Logger } from '../logger';
import { connectSocket, LibvirtConnection, type LibvirtEvent, type LocalEndpoint } from '../libvirt';
import { SshConnection, SshPool, type SshEnvironment, type SshStateEvent, type SshTarget } from '../ssh';
import type { HostCredentials } from './credentials';
import { gatherFacts, localKvmProbe, sshKvmProbe } from './host-facts';
import type { LocalLibvirt } from './local-host';
import { openHostLibvirt, type HostLibvirt } from './host-libvirt';
import { warmParsePool } from '../xml/parse-pool';
import { HostLink, type LinkStatus } from './host-link';
import { hostProblem, withProblem } from './host-problem';
import { NO_MAINTENANCE, type HostRecord, type HostRepo, type MaintenanceDetail } from './host-repo';
import type { MaintenanceState } from '../contract/hosts';

type Target = z.output<typeof HostTarget>;
type AddParams = z.output<typeof AddHostParams>;

interface HostManagerEvents {
  /** The host's libvirt session is (again) open: refetch its inventory. */
  connected: [hostId: string, conn: LibvirtConnection];
  event: [hostId: string, ev: LibvirtEvent];
  /** The host can no longer be reached or was disconnected: its VMs are Unknown. */
  lost: [hostId: string];
  removed: [hostId: string];
  /** The user replaced a host's pinned (or known_hosts) key after reviewing both fingerprints. */
  keyReplaced: [hostId: string, change: { previous: string; next: string }];
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
  /** A just-added host's libvirt connection, opened by its probe: the link's first connection. */
  private readonly handedOver = new Map<string, HostLibvirt>();
  /** Connections whose host facts were read on them already (the probe's, handed over). */
  private readonly factsFrom = new WeakSet<LibvirtConnection>();

  constructor(
    private readonly repo: HostRepo,
    private readonly credentials: HostCredentials,
    private readonly jobs: JobRunner,
    private readonly logger: Logger,
    private readonly sshEnv: SshEnvironment,
    /** The machine's own libvirt, found at start (null: none here or disabled). */
    private readonly local: LocalLibvirt | null = null,
  ) {
    super();
    // Each host's HostLink decides when to reconnect (fast probes after a loss, Retry now); the SSH
    // connection's own timer would only add attempts at other times.
    this.pool = new SshPool({ ...sshEnv, autoReconnect: false });
    this.pool.onState((e) => {
      const l = this.live.get(e.hostId);
      if (!l) return;
      l.ssh = e;
      this.publish(l);
    });
  }

  /** When each host was last seen connected (warm start: restored from SQLite, set when one is lost). */
  private readonly lastSeen = new Map<string, number>();

  /** Records when a host was last seen connected and shows it (engine/inventory/warm-start.ts). */
  setLastSeen(hostId: string, at: number): void {
    this.lastSeen.set(hostId, at);
    const l = this.live.get(hostId);
    if (l) this.publish(l);
  }

  async init(): Promise<void> {
    if (this.local) {
      const record: HostRecord = {
        id: LOCAL_HOST_ID,
        name: os.hostname(),
        address: this.local.socket,
        port: null,
        user: null,
        auth: 'auto',
        keyPath: null,
        tags: [],
        disconnected: false,
        facts: null,
        createdAt: Date.now(),
        hostUuid: null,
        hostKeyFingerprint: null,
        maintenance: 'none',
        maintenanceDetail: NO_MAINTENANCE,
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
    return (await this.probe(target, signal)).facts;
  }

  /**
   * Reaches the host as the user described it and reads what makes it itself. Refuses a host that
   * is already in the fleet under another address or name (CONFLICT naming that entry). Errors carry
   * `details.message`, the words to show.
   *
   * `keepAs`: the id the host is being added under. The SSH connection is then the pool's for that
   * id and, on success, stays open with the libvirt connection (`lv`), which the host's link takes
   * as its first: adding a host connects once, not twice. On failure both are closed.
   */
  private async probe(target: Target, signal?: AbortSignal, keepAs?: string): Promise<{ facts: HostFacts; hostUuid: string | null; hostKeyFingerprint: string | null; lv?: HostLibvirt }> {
    try {
      await checkKeyFile(target);
      const probeId = keepAs ?? `probe-${crypto.randomUUID()}`;
      if (target.password) this.credentials.remember(probeId, target.password);
      warmParsePool(); // the capabilities (then the inventory) are parsed there: the worker starts while SSH connects
      const ssh = keepAs ? this.pool.connection(keepAs, sshTarget(target)) : new SshConnection(probeId, sshTarget(target), { ...this.sshEnv, autoReconnect: false });
      let kept = false;
      try {
        await ssh.connect({
          ...(signal ? { signal } : {}),
          ...(target.acceptHostKey ? { acceptHostKey: target.acceptHostKey } : {}),
          ...(target.replaceHostKey ? { replaceHostKey: target.replaceHostKey } : {}),
          timeoutMs: 30_000,
        });
        const lv = await openHostLibvirt(ssh, { ...(signal ? { signal } : {}) }).catch((err: unknown) => {
          const e = HangarError.from(err);
          if (e.code === 'AUTH_FAILED' || /denied|permission/i.test(e.message)) {
            throw new HangarError('AUTH_FAILED', `SSH works, but this user may not manage libvirt: ${e.message}. Log in as root or add the user to the libvirt group.`, { reason: 'libvirt-denied' });
          }
          throw withProblem(e, 'libvirt-down');
        });
        try {
          const { facts, hostUuid } = await gatherFacts({ ...lv, probeKvm: () => sshKvmProbe(ssh, signal) });
          const hostKeyFingerprint = ssh.hostKeyFingerprint ?? null;
          this.refuseDuplicate(hostUuid, hostKeyFingerprint);
          kept = keepAs !== undefined;
          return { facts, hostUuid, hostKeyFingerprint, ...(kept ? { lv } : {}) };
        } finally {
          if (!kept) await lv.conn.close();
        }
      } finally {
        if (!kept) {
          await (keepAs ? this.pool.remove(keepAs) : ssh.close());
          await this.credentials.forget(probeId).catch(() => undefined);
        }
      }
    } catch (err) {
      throw withProblem(err);
    }
  }

  /** A host is itself by its libvirt host UUID and its SSH host key: either one seen again is the same host. */
  private refuseDuplicate(hostUuid: string | null, hostKeyFingerprint: string | null): void {
    for (const l of this.live.values()) {
      const r = l.record;
      const matched = [...(hostUuid && r.hostUuid === hostUuid ? ['hostUuid'] : []), ...(hostKeyFingerprint && r.hostKeyFingerprint === hostKeyFingerprint ? ['hostKey'] : [])];
      if (matched.length === 0) continue;
      throw new HangarError('CONFLICT', `This host is already in Hangar as ${r.name} (${r.address}): same ${matched.includes('hostUuid') ? `libvirt host UUID ${hostUuid}` : `SSH host key ${hostKeyFingerprint}`}`, {
        reason: 'duplicate-host',
        existingHostId: r.id,
        existingName: r.name,
        existingAddress: r.address,
        matched,
      });
    }
  }

  async add(p: AddParams, signal?: AbortSignal): Promise<Host> {
    const name = p.name ?? p.address;
    if ([...this.live.values()].some((l) => l.record.name === name)) throw new HangarError('CONFLICT', `A host named ${name} exists already`);
    const id = crypto.randomUUID();
    const { facts, hostUuid, hostKeyFingerprint, lv } = await this.probe(p, signal, id);
    const record: HostRecord = {
      id,
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
      hostUuid,
      hostKeyFingerprint,
      maintenance: 'none',
      maintenanceDetail: NO_MAINTENANCE,
    };
    try {
      if (p.password && p.savePassword) await this.credentials.save(record.id, p.password);
      await this.repo.save(record);
    } catch (err) {
      await lv?.conn.close();
      await this.pool.remove(record.id);
      throw err;
    }
    const l: Live = { record, link: null, ssh: null, link_: null };
    this.live.set(record.id, l);
    if (lv) this.handedOver.set(record.id, lv);
    this.startLink(l);
    if (p.replaceHostKey) this.emit('keyReplaced', record.id, p.replaceHostKey);
    return this.publish(l);
  }

  /** Probes an unreachable host now; a disconnected one is connected. */
  async retry(hostId: string): Promise<Host> {
    const l = this.get(hostId);
    if (!l.link) return this.connect(hostId);
    l.link.retryNow();
    return this.publish(l);
  }

  /**
   * The review-new-key flow's last step: the user compared both fingerprints and confirms. The pin
   * is replaced only if the host still shows exactly `next` and the old key was exactly `previous`;
   * otherwise HOST_KEY_CHANGED again, with what the host shows now.
   */
  async replaceKey(hostId: string, change: { previous: string; next: string }): Promise<Host> {
    const l = this.get(hostId);
    const ssh = this.ssh(hostId);
    if (!ssh) throw new HangarError('UNSUPPORTED', 'The local host is not reached over SSH');
    try {
      await ssh.connect({ replaceHostKey: change, timeoutMs: 30_000 });
    } catch (err) {
      throw withProblem(err);
    }
    this.emit('keyReplaced', hostId, change);
    if (l.link) l.link.retryNow();
    else if (!l.record.disconnected) this.startLink(l);
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

  /** A host's maintenance as stored (the maintenance service owns what it means). */
  maintenanceOf(hostId: string): { state: MaintenanceState; detail: MaintenanceDetail } {
    const r = this.get(hostId).record;
    return { state: r.maintenance, detail: r.maintenanceDetail };
  }

  /** Stores and publishes a host's maintenance state: placement and the host list read it from the host. */
  async setMaintenance(hostId: string, state: MaintenanceState, detail: MaintenanceDetail): Promise<Host> {
    const l = this.get(hostId);
    l.record = { ...l.record, maintenance: state, maintenanceDetail: detail };
    await this.save(l.record);
    return this.publish(l);
  }

  /**
   * What may refuse a host's removal, asked before anything is stopped (the maintenance service:
   * a host that still has VMs). Set by a service further out, as the jobs' cleaner is.
   */
  private removalGuard: ((hostId: string) => void) | null = null;
  setRemovalGuard(guard: (hostId: string) => void): void {
    this.removalGuard = guard;
  }

  async remove(hostId: string): Promise<void> {
    const l = this.get(hostId);
    this.removalGuard?.(hostId);
    // The removal itself is a job on the host: every other one counts.
    const busy = this.jobs.jobs.values().some((j) => (j.hostId === hostId || (j.target?.kind === 'host' && j.target.id === hostId)) && j.kind !== 'host.remove' && (j.state === 'running' || j.state === 'queued'));
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
      const lacking = conn.unsupportedEvents;
      if (lacking?.length) this.logger.info('libvirt daemon lacks some events; those changes are seen only at a refetch', { hostId: l.record.id, events: lacking });
      conn.rpc.once('unknown-stream', (packet) => this.logger.warn('libvirt sent a stream packet for no open stream; ignored (logged once per connection)', { hostId: l.record.id, ...packet }));
      this.emit('connected', l.record.id, conn);
      // The facts were read on this very connection while the host was added: only what the
      // events' registration learned since is new.
      if (!this.factsFrom.has(conn)) void this.refreshFacts(l);
      else if (lacking?.length && l.record.facts) {
        l.record = { ...l.record, facts: { ...l.record.facts, unsupportedEvents: lacking.map((u) => u.event) } };
        void this.save(l.record).catch((err: unknown) => this.logger.warn('host facts save failed', { hostId: l.record.id, error: String(err) }));
        this.publish(l);
      }
    });
    // A first failure is not final: the link keeps probing like after any later loss.
    link.start().catch(() => undefined);
  }

  /** How this host's libvirt is reached: its local socket, or through its SSH connection. */
  private opener(record: HostRecord): (signal: AbortSignal) => Promise<LibvirtConnection> {
    if (record.id === LOCAL_HOST_ID) return (signal) => this.openLocal(signal);
    return async (signal) => {
      const handed = this.handedOver.get(record.id);
      this.handedOver.delete(record.id);
      if (handed && !handed.conn.closed) {
        this.via.set(record.id, { socket: handed.socket, via: handed.via });
        this.factsFrom.add(handed.conn);
        return handed.conn;
      }
      warmParsePool(); // the inventory is parsed there: the worker starts while SSH connects
      const ssh = this.pool.connection(record.id, sshTarget(record));
      try {
        const lv = await openHostLibvirt(ssh, { signal });
        this.via.set(record.id, { socket: lv.socket, via: lv.via });
        return lv.conn;
      } catch (err) {
        // SSH answered but libvirt did not: the daemon is down (or restarting), not the link.
        throw ssh.state.state === 'connected' ? withProblem(err, 'libvirt-down') : err;
      }
    };
  }

  /** The local host's libvirt: its daemon autostarted when it is ours to start, then prepared for a first VM. */
  private async openLocal(signal: AbortSignal): Promise<LibvirtConnection> {
    const local = this.local;
    if (!local) throw new HangarError('UNREACHABLE', 'This machine has no libvirt');
    const conn = await LibvirtConnection.open(await local.dial(), { signal, uri: local.uri });
    await local.prepare(conn);
    return conn;
  }

  private async stopLink(l: Live): Promise<void> {
    const handed = this.handedOver.get(l.record.id);
    this.handedOver.delete(l.record.id);
    await handed?.conn.close();
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
      const { facts, hostUuid } = await gatherFacts({ conn, ...how, probeKvm: ssh ? () => sshKvmProbe(ssh) : localKvmProbe });
      const hostKeyFingerprint = ssh?.hostKeyFingerprint ?? l.record.hostKeyFingerprint;
      l.record = { ...l.record, facts, hostUuid, hostKeyFingerprint };
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
      problem: lastError ? hostProblem(lastError) : null,
      nextRetryAt,
      facts: r.facts,
      createdAt: r.createdAt,
      hostUuid: r.hostUuid,
      hostKeyFingerprint: r.hostKeyFingerprint,
      maintenance: r.maintenance,
      lastSeenAt: state === 'connected' ? null : (this.lastSeen.get(r.id) ?? null),
    };
    this.hosts.upsert([host]);
    return host;
  }

  private stateOf(l: Live): { state: HostState; lastError: ErrorData | null; nextRetryAt: number | null } {
    if (l.record.disconnected || !l.link) return { state: 'disconnected', lastError: null, nextRetryAt: null };
    const link = l.link_;
    if (link?.state === 'connected') return { state: 'connected', lastError: null, nextRetryAt: null };
    if (link?.state === 'unreachable' || l.ssh?.state === 'unreachable') {
      // A lost SSH connection is the deeper cause of a closed libvirt session riding on it.
      const ssh = l.ssh?.state === 'unreachable' ? l.ssh.lastError : undefined;
      return {
        state: 'unreachable',
        lastError: ssh ?? link?.lastError ?? null,
        nextRetryAt: link?.nextRetryAt ?? l.ssh?.nextRetryAt ?? null,
      };
    }
    return { state: 'connecting', lastError: null, nextRetryAt: null };
  }
}

/**
 * A key file the user named must be usable before anything connects: a relative path would be read
 * against wherever Hangar happens to run (silently wrong under `hangar serve`), and a missing file
 * would surface only as "no credentials were available to try".
 */
async function checkKeyFile(t: Target): Promise<void> {
  if (t.auth !== 'key' && !t.keyPath) return;
  const given = t.keyPath?.trim() ?? '';
  if (!given) throw new HangarError('INVALID_PARAMS', 'Choose the private key file to log in with', { reason: 'key-file-none' });
  const full = given === '~' || given.startsWith('~/') ? path.join(os.homedir(), given.slice(1)) : given;
  if (!path.isAbsolute(full)) {
    throw new HangarError('INVALID_PARAMS', `The key file path ${given} is relative; give the full path (it would be read relative to ${process.cwd()})`, {
      reason: 'key-file-relative',
      path: given,
      suggestion: path.resolve(given),
    });
  }
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) throw new HangarError('INVALID_PARAMS', `There is no key file at ${full}`, { reason: 'key-file-missing', path: full });
  await access(full, fsc.R_OK).catch(() => {
    throw new HangarError('INVALID_PARAMS', `The key file ${full} cannot be read by Hangar`, { reason: 'key-file-unreadable', path: full });
  });
}
