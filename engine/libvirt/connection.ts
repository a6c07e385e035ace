/**
 * LibvirtConnection: an open libvirt connection with typed methods for what Hangar needs.
 *
 * It owns one RpcClient; opening authenticates as the daemon demands (AUTH_LIST: none, or polkit
 * for a user in the libvirt group; SASL is refused) and then opens the hypervisor URI. Bulk
 * helpers pipeline their calls: they never wait for one domain before asking about the next.
 * Reconnecting is the caller's business (it owns the transport, e.g. an SSH forward): watch
 * 'close', open a new connection, re-register events.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { HangarError } from '../contract/errors';
import { RpcClient, type CallOptions, type RpcClientOptions } from './rpc-client';
import type { LibvirtStream } from './stream';
import { AuthType, DrvFeature } from './protocol/constants';
import * as C from './protocol/connect';
import * as D from './protocol/domain';
import * as E from './protocol/events';
import * as J from './protocol/jobs';
import * as M from './protocol/migrate';
import * as N from './protocol/network';
import * as S from './protocol/snapshot';
import * as V from './protocol/storage';
import { VirErrorCode } from './protocol/error';
import { BlockResizeFlag, ConnectFlag, DomainStatsType, VolStreamFlag } from './protocol/flags';
import { paramsToRecord } from './protocol/types';
import type { ProcedureDef, RetOf } from './protocol/procedure';
import type {
  DomainRef,
  NetworkRef,
  SnapshotRef,
  StoragePoolRef,
  StorageVolRef,
  TypedParam,
} from './protocol/types';

export interface OpenOptions extends RpcClientOptions {
  /** Hypervisor URI on the daemon; default qemu:///system. */
  uri?: string;
  readOnly?: boolean;
  /** Keepalive: ping after intervalMs idle, dead after count unanswered; intervalMs 0 disables. */
  keepalive?: { intervalMs: number; count: number };
  signal?: AbortSignal;
}

export interface LibvirtConnectionEvents {
  event: [E.LibvirtEvent];
  close: [HangarError];
}

export type DomainXmlResult = { dom: DomainRef; xml: string } | { dom: DomainRef; error: HangarError };

/**
 * A daemon silent for 12 s is declared dead (it answers pings from its event loop even while calls
 * run). Over SSH a cut link is noticed sooner by SSH's own keepalive (8 s); this one catches a hung
 * daemon and the local socket, and stays clear of false alarms on a busy host.
 */
const DEFAULT_KEEPALIVE = { intervalMs: 3000, count: 3 };

export class LibvirtConnection extends EventEmitter<LibvirtConnectionEvents> {
  private constructor(readonly rpc: RpcClient) {
    super();
    rpc.on('event', (ev) => this.emit('event', ev));
    rpc.on('close', (err) => this.emit('close', err));
  }

  /** Authenticates and opens `uri` over an already connected transport. */
  static async open(transport: Duplex, opts: OpenOptions = {}): Promise<LibvirtConnection> {
    const rpc = new RpcClient(transport, opts);
    const conn = new LibvirtConnection(rpc);
    const call: CallOptions = opts.signal ? { signal: opts.signal } : {};
    try {
      await conn.authenticate(call);
      await rpc.call(C.connectOpen, { name: opts.uri ?? 'qemu:///system', flags: opts.readOnly ? ConnectFlag.RO : 0 }, call);
      const ka = opts.keepalive ?? DEFAULT_KEEPALIVE;
      // Asking about the keepalive feature is also what makes the daemon start pinging us.
      if (ka.intervalMs > 0 && (await conn.supportsFeature(DrvFeature.PROGRAM_KEEPALIVE))) rpc.startKeepalive(ka);
      return conn;
    } catch (err) {
      rpc.close();
      throw HangarError.from(err);
    }
  }

  private async authenticate(call: CallOptions): Promise<void> {
    const types = await this.rpc.call(C.authList, undefined, call);
    if (types.length === 0 || types.includes(AuthType.NONE)) return;
    if (types.includes(AuthType.POLKIT)) {
      try {
        const complete = await this.rpc.call(C.authPolkit, undefined, call);
        if (complete === 1) return;
      } catch (err) {
        throw new HangarError('AUTH_FAILED', `libvirt polkit authentication refused: ${HangarError.from(err).message}`);
      }
      throw new HangarError('AUTH_FAILED', 'libvirt polkit authentication did not complete');
    }
    throw new HangarError('AUTH_FAILED', `libvirt daemon demands unsupported authentication (types ${types.join(',')})`, {
      authTypes: types,
    });
  }

  get closed(): boolean {
    return this.rpc.closed;
  }

  /** Any procedure, typed by its definition (for what has no method below). */
  call<A, R>(proc: ProcedureDef<A, R>, args: A, opts?: CallOptions): Promise<R> {
    return this.rpc.call(proc, args, opts);
  }

  /** Says goodbye to the daemon (best effort) and closes the transport. */
  async close(): Promise<void> {
    if (this.rpc.closed) return;
    try {
      await this.rpc.call(C.connectClose, undefined, { timeoutMs: 2000 });
    } catch {
      // The transport is closed below either way.
    }
    this.rpc.close();
  }

  // --- host ----------------------------------------------------------------------------------

  async supportsFeature(feature: number): Promise<boolean> {
    return (await this.rpc.call(C.connectSupportsFeature, feature)) === 1;
  }
  getHostname = (): Promise<string> => this.rpc.call(C.connectGetHostname, undefined);
  getType = (): Promise<string> => this.rpc.call(C.connectGetType, undefined);
  getUri = (): Promise<string> => this.rpc.call(C.connectGetUri, undefined);
  getVersion = (): Promise<number> => this.rpc.call(C.connectGetVersion, undefined);
  getLibVersion = (): Promise<number> => this.rpc.call(C.connectGetLibVersion, undefined);
  getCapabilities = (): Promise<string> => this.rpc.call(C.connectGetCapabilities, undefined);
  getSysinfo = (flags = 0): Promise<string> => this.rpc.call(C.connectGetSysinfo, flags);
  nodeGetInfo = (): Promise<C.NodeInfo> => this.rpc.call(C.nodeGetInfo, undefined);
  nodeGetFreeMemory = (): Promise<number> => this.rpc.call(C.nodeGetFreeMemory, undefined);
  /** 0 incompatible, 1 identical, 2 superset (virCPUCompareResult) of this host's hypervisor against a guest `<cpu>`. */
  compareHypervisorCpu = (g: { emulator: string | null; arch: string | null; machine: string | null; virttype: string | null }, xmlCPU: string): Promise<number> =>
    this.rpc.call(C.connectCompareHypervisorCpu, { ...g, xmlCPU, flags: 0 });

  /** Host CPU times in ns (user, kernel, idle, iowait…); cpuNum -1 = all CPUs. */
  async nodeGetCpuStats(cpuNum = C.NODE_ALL): Promise<Record<string, number>> {
    return this.twoStepStats(C.nodeGetCpuStats, (nparams) => ({ cpuNum, nparams, flags: 0 }));
  }

  /** Host memory in KiB (total, free, buffers, cached); cellNum -1 = whole host. */
  async nodeGetMemoryStats(cellNum = C.NODE_ALL): Promise<Record<string, number>> {
    return this.twoStepStats(C.nodeGetMemoryStats, (nparams) => ({ nparams, cellNum, flags: 0 }));
  }

  /** libvirt's node stats getters are asked the count first, then the values. */
  private async twoStepStats<A>(
    proc: ProcedureDef<A, { params: C.NodeStat[]; nparams: number }>,
    args: (nparams: number) => A,
  ): Promise<Record<string, number>> {
    const { nparams } = await this.rpc.call(proc, args(0));
    const { params } = await this.rpc.call(proc, args(nparams));
    return Object.fromEntries(params.map((p) => [p.field, p.value]));
  }

  // --- domains: inventory --------------------------------------------------------------------

  /** One call for the whole inventory (flags: ListDomainsFlag, 0 = all). */
  async listAllDomains(flags = 0): Promise<DomainRef[]> {
    return (await this.rpc.call(D.connectListAllDomains, { needResults: 1, flags })).domains;
  }
  domainLookupByUuid = (uuid: string): Promise<DomainRef> => this.rpc.call(D.domainLookupByUuid, uuid);
  domainLookupByName = (name: string): Promise<DomainRef> => this.rpc.call(D.domainLookupByName, name);
  domainGetXmlDesc = (dom: DomainRef, flags = 0): Promise<string> => this.rpc.call(D.domainGetXmlDesc, { dom, flags });

  /**
   * Every domain's XML, all calls in flight at once. A domain that vanished meanwhile (or any
   * other per-domain failure) is reported in its slot instead of failing the batch; losing the
   * connection still rejects.
   */
  async getAllXml(domains: readonly DomainRef[], flags = 0): Promise<DomainXmlResult[]> {
    return Promise.all(
      domains.map(async (dom): Promise<DomainXmlResult> => {
        try {
          return { dom, xml: await this.rpc.call(D.domainGetXmlDesc, { dom, flags }) };
        } catch (err) {
          const e = HangarError.from(err);
          if (e.code === 'UNREACHABLE') throw e;
          return { dom, error: e };
        }
      }),
    );
  }

  /**
   * Bulk statistics in one call (stats: DomainStatsType bits, 0 = all groups). An empty `domains`
   * means every domain matching `flags`.
   */
  async getAllDomainStats(domains: readonly DomainRef[] = [], stats = 0, flags = 0): Promise<D.DomainStatsRecord[]> {
    return this.rpc.call(D.connectGetAllDomainStats, { doms: [...domains], stats, flags });
  }

  /** Every domain's virDomainState and reason by UUID, in one bulk stats call (not one call per domain). */
  async getAllDomainStates(): Promise<Map<string, { state: number; reason: number }>> {
    const records = await this.getAllDomainStats([], DomainStatsType.STATE, 0);
    const out = new Map<string, { state: number; reason: number }>();
    for (const rec of records) {
      const p = paramsToRecord(rec.params);
      out.set(rec.dom.uuid, { state: Number(p['state.state'] ?? 0), reason: Number(p['state.reason'] ?? 0) });
    }
    return out;
  }

  // --- domains: lifecycle --------------------------------------------------------------------

  domainDefineXml = (xml: string, flags = 0): Promise<DomainRef> => this.rpc.call(D.domainDefineXmlFlags, { xml, flags });
  domainUndefine = (dom: DomainRef, flags = 0): Promise<void> => this.rpc.call(D.domainUndefineFlags, { dom, flags });
  /** Starts a defined domain; resolves with the handle carrying its new id. */
  domainCreate = (dom: DomainRef, flags = 0): Promise<DomainRef> => this.rpc.call(D.domainCreateWithFlags, { dom, flags });
  domainCreateXml = (xmlDesc: string, flags = 0): Promise<DomainRef> => this.rpc.call(D.domainCreateXml, { xmlDesc, flags });
  domainShutdown = (dom: DomainRef, flags = 0): Promise<void> => this.rpc.call(D.domainShutdownFlags, { dom, flags });
  /** Force off (libvirt "destroy"). */
  domainDestroy = (dom: DomainRef, flags = 0): Promise<void> => this.rpc.call(D.domainDestroyFlags, { dom, flags });
  domainReboot = (dom: DomainRef, flags = 0): Promise<void> => this.rpc.call(D.domainReboot, { dom, flags });
  domainReset = (dom: DomainRef): Promise<void> => this.rpc.call(D.domainReset, { dom, flags: 0 });
  domainSuspend = (dom: DomainRef): Promise<void> => this.rpc.call(D.domainSuspend, { dom });
  domainResume = (dom: DomainRef): Promise<void> => this.rpc.call(D.domainResume, { dom });
  domainManagedSave = (dom: DomainRef, flags = 0): Promise<void> => this.rpc.call(D.domainManagedSave, { dom, flags });
  domainManagedSaveRemove = (dom: DomainRef): Promise<void> => this.rpc.call(D.domainManagedSaveRemove, { dom, flags: 0 });
  async domainHasManagedSaveImage(dom: DomainRef): Promise<boolean> {
    return (await this.rpc.call(D.domainHasManagedSaveImage, { dom, flags: 0 })) === 1;
  }

  // --- domains: state ------------------------------------------------------------------------

  domainGetState = (dom: DomainRef): Promise<{ state: number; reason: number }> =>
    this.rpc.call(D.domainGetState, { dom, flags: 0 });
  domainGetInfo = (dom: DomainRef): Promise<D.DomainInfo> => this.rpc.call(D.domainGetInfo, { dom });
  domainSetAutostart = (dom: DomainRef, autostart: boolean): Promise<void> =>
    this.rpc.call(D.domainSetAutostart, { dom, autostart: autostart ? 1 : 0 });
  async domainGetAutostart(dom: DomainRef): Promise<boolean> {
    return (await this.rpc.call(D.domainGetAutostart, { dom })) === 1;
  }
  domainInterfaceAddresses = (dom: DomainRef, source = 0): Promise<D.DomainInterface[]> =>
    this.rpc.call(D.domainInterfaceAddresses, { dom, source, flags: 0 });
  /** type 0 = <description>, 1 = <title>; null removes it. `flags` is virDomainModificationImpact. */
  domainSetMetadata = (dom: DomainRef, type: 0 | 1, metadata: string | null, flags = 0): Promise<void> =>
    this.rpc.call(D.domainSetMetadata, { dom, type, metadata, key: null, uri: null, flags });
  domainGetGuestInfo = (dom: DomainRef, types = 0): Promise<TypedParam[]> =>
    this.rpc.call(D.domainGetGuestInfo, { dom, types, flags: 0 });
  domainSendKey = (dom: DomainRef, keycodes: number[], codeset = 0, holdtime = 0): Promise<void> =>
    this.rpc.call(D.domainSendKey, { dom, codeset, holdtime, keycodes, flags: 0 });
  domainAttachDevice = (dom: DomainRef, xml: string, flags = 0): Promise<void> =>
    this.rpc.call(D.domainAttachDeviceFlags, { dom, xml, flags });
  domainUpdateDevice = (dom: DomainRef, xml: string, flags = 0): Promise<void> => this.rpc.call(D.domainUpdateDeviceFlags, { dom, xml, flags });
  domainRename = async (dom: DomainRef, newName: string): Promise<void> => {
    await this.rpc.call(D.domainRename, { dom, newName, flags: 0 });
  };
  domainSetMemoryFlags = (dom: DomainRef, memoryKiB: number, flags = 0): Promise<void> => this.rpc.call(D.domainSetMemoryFlags, { dom, memory: memoryKiB, flags });
  domainBlockResize = (dom: DomainRef, disk: string, sizeBytes: number): Promise<void> =>
    this.rpc.call(D.domainBlockResize, { dom, disk, size: sizeBytes, flags: BlockResizeFlag.BYTES });
  domainDetachDevice = (dom: DomainRef, xml: string, flags = 0): Promise<void> =>
    this.rpc.call(D.domainDetachDeviceFlags, { dom, xml, flags });

  /** The domain's serial console (devName null = the first console) as a Duplex. */
  domainOpenConsole(dom: DomainRef, devName: string | null = null, flags = 0): Promise<LibvirtStream> {
    return this.rpc.openStream(D.domainOpenConsole, { dom, devName, flags }, { readable: true, writable: true });
  }

  // --- jobs ----------------------------------------------------------------------------------

  domainGetJobInfo = (dom: DomainRef): Promise<J.JobInfo> => this.rpc.call(J.domainGetJobInfo, { dom });
  domainGetJobStats = (dom: DomainRef, flags = 0): Promise<{ type: number; params: TypedParam[] }> =>
    this.rpc.call(J.domainGetJobStats, { dom, flags });
  domainAbortJob = (dom: DomainRef): Promise<void> => this.rpc.call(J.domainAbortJob, { dom });
  domainBlockJobAbort = (dom: DomainRef, path: string, flags = 0): Promise<void> =>
    this.rpc.call(J.domainBlockJobAbort, { dom, path, flags });
  domainGetBlockJobInfo = (dom: DomainRef, path: string): Promise<RetOf<typeof J.domainGetBlockJobInfo>> =>
    this.rpc.call(J.domainGetBlockJobInfo, { dom, path, flags: 0 });
  domainBlockJobSetSpeed = (dom: DomainRef, path: string, bandwidth: number): Promise<void> =>
    this.rpc.call(J.domainBlockJobSetSpeed, { dom, path, bandwidth, flags: 0 });

  // --- snapshots -----------------------------------------------------------------------------

  snapshotCreateXml = (dom: DomainRef, xmlDesc: string, flags = 0): Promise<SnapshotRef> =>
    this.rpc.call(S.domainSnapshotCreateXml, { dom, xmlDesc, flags });
  async snapshotListAll(dom: DomainRef, flags = 0): Promise<SnapshotRef[]> {
    return (await this.rpc.call(S.domainListAllSnapshots, { dom, needResults: 1, flags })).snapshots;
  }
  snapshotLookupByName = (dom: DomainRef, name: string): Promise<SnapshotRef> =>
    this.rpc.call(S.domainSnapshotLookupByName, { dom, name, flags: 0 });
  snapshotGetXmlDesc = (snap: SnapshotRef, flags = 0): Promise<string> =>
    this.rpc.call(S.domainSnapshotGetXmlDesc, { snap, flags });
  snapshotRevert = (snap: SnapshotRef, flags = 0): Promise<void> => this.rpc.call(S.domainRevertToSnapshot, { snap, flags });
  snapshotDelete = (snap: SnapshotRef, flags = 0): Promise<void> => this.rpc.call(S.domainSnapshotDelete, { snap, flags });
  /** The current snapshot's name, or null when the domain has none. */
  async snapshotCurrentName(dom: DomainRef): Promise<string | null> {
    try {
      return (await this.rpc.call(S.domainSnapshotCurrent, { dom, flags: 0 })).name;
    } catch (err) {
      if (err instanceof HangarError && err.details?.['libvirtCode'] === VirErrorCode.NO_DOMAIN_SNAPSHOT) return null;
      throw err;
    }
  }
  /** Resolves with how many file systems were thawed. */
  domainFsThaw = (dom: DomainRef): Promise<number> => this.rpc.call(S.domainFsThaw, { dom, mountpoints: [], flags: 0 });

  // --- migration (see protocol/migrate.ts for the flow) --------------------------------------

  migrateBegin3 = (dom: DomainRef, params: TypedParam[], flags: number) =>
    this.rpc.call(M.domainMigrateBegin3Params, { dom, params, flags });
  migratePrepare3 = (params: TypedParam[], cookieIn: Uint8Array, flags: number) =>
    this.rpc.call(M.domainMigratePrepare3Params, { params, cookieIn, flags });
  /** dconnuri non-null (with MigrateFlag.PEER2PEER) = the source daemon drives the migration. */
  migratePerform3 = (dom: DomainRef, dconnuri: string | null, params: TypedParam[], cookieIn: Uint8Array, flags: number, opts?: CallOptions) =>
    this.rpc.call(M.domainMigratePerform3Params, { dom, dconnuri, params, cookieIn, flags }, opts);
  migrateFinish3 = (params: TypedParam[], cookieIn: Uint8Array, flags: number, cancelled: boolean) =>
    this.rpc.call(M.domainMigrateFinish3Params, { params, cookieIn, flags, cancelled: cancelled ? 1 : 0 });
  migrateConfirm3 = (dom: DomainRef, params: TypedParam[], cookieIn: Uint8Array, flags: number, cancelled: boolean) =>
    this.rpc.call(M.domainMigrateConfirm3Params, { dom, params, cookieIn, flags, cancelled: cancelled ? 1 : 0 });
  /** MiB/s; 0 = unlimited. */
  migrateSetMaxSpeed = (dom: DomainRef, bandwidthMiBs: number): Promise<void> => this.rpc.call(M.domainMigrateSetMaxSpeed, { dom, bandwidth: bandwidthMiBs, flags: 0 });
  migrateStartPostCopy = (dom: DomainRef): Promise<void> => this.rpc.call(M.domainMigrateStartPostCopy, { dom, flags: 0 });

  // --- storage -------------------------------------------------------------------------------

  async listAllStoragePools(flags = 0): Promise<StoragePoolRef[]> {
    return (await this.rpc.call(V.connectListAllStoragePools, { needResults: 1, flags })).pools;
  }
  storagePoolLookupByName = (name: string): Promise<StoragePoolRef> => this.rpc.call(V.storagePoolLookupByName, name);
  storagePoolGetXmlDesc = (pool: StoragePoolRef, flags = 0): Promise<string> =>
    this.rpc.call(V.storagePoolGetXmlDesc, { pool, flags });
  storagePoolGetInfo = (pool: StoragePoolRef): Promise<V.StoragePoolInfo> => this.rpc.call(V.storagePoolGetInfo, { pool });
  storagePoolRefresh = (pool: StoragePoolRef): Promise<void> => this.rpc.call(V.storagePoolRefresh, { pool, flags: 0 });
  storagePoolDefineXml = (xml: string, flags = 0): Promise<StoragePoolRef> =>
    this.rpc.call(V.storagePoolDefineXml, { xml, flags });
  storagePoolCreate = (pool: StoragePoolRef, flags = 0): Promise<void> => this.rpc.call(V.storagePoolCreate, { pool, flags });
  storagePoolBuild = (pool: StoragePoolRef, flags = 0): Promise<void> => this.rpc.call(V.storagePoolBuild, { pool, flags });
  storagePoolSetAutostart = (pool: StoragePoolRef, autostart: boolean): Promise<void> => this.rpc.call(V.storagePoolSetAutostart, { pool, autostart: autostart ? 1 : 0 });
  async storagePoolGetAutostart(pool: StoragePoolRef): Promise<boolean> {
    return (await this.rpc.call(V.storagePoolGetAutostart, { pool })) === 1;
  }
  storagePoolDestroy = (pool: StoragePoolRef): Promise<void> => this.rpc.call(V.storagePoolDestroy, { pool });
  storagePoolUndefine = (pool: StoragePoolRef): Promise<void> => this.rpc.call(V.storagePoolUndefine, { pool });
  async listAllVolumes(pool: StoragePoolRef, flags = 0): Promise<StorageVolRef[]> {
    return (await this.rpc.call(V.storagePoolListAllVolumes, { pool, needResults: 1, flags })).vols;
  }
  storageVolLookupByName = (pool: StoragePoolRef, name: string): Promise<StorageVolRef> =>
    this.rpc.call(V.storageVolLookupByName, { pool, name });
  storageVolLookupByPath = (path: string): Promise<StorageVolRef> => this.rpc.call(V.storageVolLookupByPath, path);
  storageVolGetXmlDesc = (vol: StorageVolRef, flags = 0): Promise<string> =>
    this.rpc.call(V.storageVolGetXmlDesc, { vol, flags });
  storageVolGetInfo = (vol: StorageVolRef): Promise<V.StorageVolInfo> => this.rpc.call(V.storageVolGetInfo, { vol });
  storageVolGetPath = (vol: StorageVolRef): Promise<string> => this.rpc.call(V.storageVolGetPath, { vol });
  storageVolCreateXml = (pool: StoragePoolRef, xml: string, flags = 0): Promise<StorageVolRef> =>
    this.rpc.call(V.storageVolCreateXml, { pool, xml, flags });
  storageVolCreateXmlFrom = (pool: StoragePoolRef, xml: string, clonevol: StorageVolRef, flags = 0): Promise<StorageVolRef> =>
    this.rpc.call(V.storageVolCreateXmlFrom, { pool, xml, clonevol, flags });
  storageVolDelete = (vol: StorageVolRef, flags = 0): Promise<void> => this.rpc.call(V.storageVolDelete, { vol, flags });
  storageVolWipe = (vol: StorageVolRef): Promise<void> => this.rpc.call(V.storageVolWipe, { vol, flags: 0 });
  storageVolResize = (vol: StorageVolRef, capacityBytes: number, flags = 0): Promise<void> => this.rpc.call(V.storageVolResize, { vol, capacity: capacityBytes, flags });

  /** A writable stream into the volume; end() resolves once the daemon stored everything. */
  async storageVolUpload(vol: StorageVolRef, offset = 0, length = 0, flags = 0): Promise<LibvirtStream> {
    refuseSparse(flags);
    return this.rpc.openStream(V.storageVolUpload, { vol, offset, length, flags }, { readable: false, writable: true });
  }
  /** A readable stream of the guest's screen as an image (PNG from libvirt ≥ 8, else PPM); the MIME type is not kept. */
  domainScreenshot(dom: DomainRef, screen = 0): Promise<LibvirtStream> {
    // openStream keeps no reply value; the reply's codec still reads (and checks) the MIME string.
    const proc = D.domainScreenshot as unknown as Parameters<RpcClient['openStream']>[0];
    return this.rpc.openStream(proc, { dom, screen, flags: 0 }, { readable: true, writable: false });
  }
  /** A readable stream of the volume's bytes. */
  async storageVolDownload(vol: StorageVolRef, offset = 0, length = 0, flags = 0): Promise<LibvirtStream> {
    refuseSparse(flags);
    return this.rpc.openStream(V.storageVolDownload, { vol, offset, length, flags }, { readable: true, writable: false });
  }

  // --- networks ------------------------------------------------------------------------------

  async listAllNetworks(flags = 0): Promise<NetworkRef[]> {
    return (await this.rpc.call(N.connectListAllNetworks, { needResults: 1, flags })).nets;
  }
  networkLookupByName = (name: string): Promise<NetworkRef> => this.rpc.call(N.networkLookupByName, name);
  networkGetXmlDesc = (net: NetworkRef, flags = 0): Promise<string> => this.rpc.call(N.networkGetXmlDesc, { net, flags });
  networkDefineXml = (xml: string): Promise<NetworkRef> => this.rpc.call(N.networkDefineXml, xml);
  networkCreate = (net: NetworkRef): Promise<void> => this.rpc.call(N.networkCreate, { net });
  networkDestroy = (net: NetworkRef): Promise<void> => this.rpc.call(N.networkDestroy, { net });
  networkUndefine = (net: NetworkRef): Promise<void> => this.rpc.call(N.networkUndefine, { net });
  async networkIsActive(net: NetworkRef): Promise<boolean> {
    return (await this.rpc.call(N.networkIsActive, { net })) === 1;
  }
  async networkGetAutostart(net: NetworkRef): Promise<boolean> {
    return (await this.rpc.call(N.networkGetAutostart, { net })) === 1;
  }
  networkSetAutostart = (net: NetworkRef, autostart: boolean): Promise<void> => this.rpc.call(N.networkSetAutostart, { net, autostart: autostart ? 1 : 0 });
  async networkGetDhcpLeases(net: NetworkRef, mac: string | null = null): Promise<N.DhcpLease[]> {
    return (await this.rpc.call(N.networkGetDhcpLeases, { net, mac, needResults: 1, flags: 0 })).leases;
  }

  // --- events --------------------------------------------------------------------------------

  /** Registers one domain event (dom null = all domains); events then arrive on 'event'. */
  domainEventRegisterAny = (eventID: E.DomainEventId, dom: DomainRef | null = null): Promise<number> =>
    this.rpc.call(E.connectDomainEventCallbackRegisterAny, { eventID, dom });
  domainEventDeregisterAny = (callbackId: number): Promise<void> =>
    this.rpc.call(E.connectDomainEventCallbackDeregisterAny, callbackId);
  networkEventRegisterAny = (eventID: number, net: NetworkRef | null = null): Promise<number> =>
    this.rpc.call(E.connectNetworkEventRegisterAny, { eventID, net });
  networkEventDeregisterAny = (callbackId: number): Promise<void> =>
    this.rpc.call(E.connectNetworkEventDeregisterAny, callbackId);
  storagePoolEventRegisterAny = (eventID: number, pool: StoragePoolRef | null = null): Promise<number> =>
    this.rpc.call(E.connectStoragePoolEventRegisterAny, { eventID, pool });
  storagePoolEventDeregisterAny = (callbackId: number): Promise<void> =>
    this.rpc.call(E.connectStoragePoolEventDeregisterAny, callbackId);

  /**
   * Registers everything the inventory listens to, pipelined: the domain events of DESIGN §3,
   * network lifecycle, storage pool lifecycle and refresh. Each id is registered on its own: a
   * daemon that lacks one (older libvirt, or a driver without that event) refuses only that one,
   * and the rest still arrive. The refused ones are returned, and kept on `unsupportedEvents`.
   * Losing the connection still rejects.
   */
  async registerInventoryEvents(): Promise<EventRegistration> {
    const wanted: [string, () => Promise<number>][] = [
      ...E.INVENTORY_DOMAIN_EVENTS.map((id): [string, () => Promise<number>] => [eventName('domain', E.DomainEventId, id), () => this.domainEventRegisterAny(id)]),
      [eventName('network', E.NetworkEventId, E.NetworkEventId.LIFECYCLE), () => this.networkEventRegisterAny(E.NetworkEventId.LIFECYCLE)],
      [eventName('storage pool', E.StoragePoolEventId, E.StoragePoolEventId.LIFECYCLE), () => this.storagePoolEventRegisterAny(E.StoragePoolEventId.LIFECYCLE)],
      [eventName('storage pool', E.StoragePoolEventId, E.StoragePoolEventId.REFRESH), () => this.storagePoolEventRegisterAny(E.StoragePoolEventId.REFRESH)],
    ];
    const outcomes = await Promise.all(
      wanted.map(async ([name, register]) => {
        try {
          return { name, callbackId: await register(), error: null };
        } catch (err) {
          const e = HangarError.from(err);
          // Only the daemon's own refusal means "lacks this event"; a lost link or a timeout is not an answer.
          if (e.code !== 'LIBVIRT_ERROR') throw e;
          return { name, callbackId: null, error: e };
        }
      }),
    );
    const callbackIds: number[] = [];
    const unsupported: UnsupportedEvent[] = [];
    for (const o of outcomes) {
      if (o.error) unsupported.push({ event: o.name, reason: o.error.message });
      else if (o.callbackId !== null) callbackIds.push(o.callbackId);
    }
    this.unsupported = unsupported;
    return { callbackIds, unsupported };
  }

  private unsupported: UnsupportedEvent[] | null = null;

  /** The events the daemon refused at registration (null before registerInventoryEvents). */
  get unsupportedEvents(): readonly UnsupportedEvent[] | null {
    return this.unsupported;
  }
}

export interface UnsupportedEvent {
  /** libvirt's name for it, e.g. "domain METADATA_CHANGE". */
  event: string;
  /** The daemon's refusal. */
  reason: string;
}

export interface EventRegistration {
  callbackIds: number[];
  unsupported: UnsupportedEvent[];
}

function eventName(kind: string, ids: Readonly<Record<string, number>>, id: number): string {
  return `${kind} ${Object.keys(ids).find((k) => ids[k] === id) ?? String(id)}`;
}

/** True when a libvirt error says the object does not exist (any kind). */
export function isNotFound(err: unknown): boolean {
  if (!(err instanceof HangarError) || err.code !== 'LIBVIRT_ERROR') return false;
  const code = err.details?.['libvirtCode'];
  return (
    code === VirErrorCode.NO_DOMAIN ||
    code === VirErrorCode.NO_NETWORK ||
    code === VirErrorCode.NO_STORAGE_POOL ||
    code === VirErrorCode.NO_STORAGE_VOL ||
    code === VirErrorCode.NO_DOMAIN_SNAPSHOT
  );
}

/** Sparse streams carry holes Hangar's stream does not model: refused rather than passed through. */
function refuseSparse(flags: number): void {
  if (flags & VolStreamFlag.SPARSE_STREAM) throw new HangarError('UNSUPPORTED', 'Sparse volume streams are not supported');
}
