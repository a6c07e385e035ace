/**
 * The libvirt client against a real (private) libvirtd, with virsh as the independent oracle:
 * host facts, inventory, XML, events, console stream, lifecycle, errors, daemon restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import {
  DomainEventId,
  DomainLifecycle,
  DomainState,
  DomainStatsType,
  MigrateFlag,
  VirErrorCode,
  paramsToRecord,
  type DomainRef,
  type LibvirtConnection,
} from '../../../engine/libvirt';
import { GUEST_BANNER } from './guest';
import { SKIP_REASON, startEnv, until, virshStates, waitForEvent, type Env } from './setup';

const VIRSH_STATE: Record<number, string> = {
  [DomainState.NOSTATE]: 'no state',
  [DomainState.RUNNING]: 'running',
  [DomainState.BLOCKED]: 'idle',
  [DomainState.PAUSED]: 'paused',
  [DomainState.SHUTDOWN]: 'in shutdown',
  [DomainState.SHUTOFF]: 'shut off',
  [DomainState.CRASHED]: 'crashed',
  [DomainState.PMSUSPENDED]: 'pmsuspended',
};

describe.skipIf(SKIP_REASON !== null)(`libvirt client vs a private libvirtd ${SKIP_REASON ? `(skipped: ${SKIP_REASON})` : ''}`, () => {
  let env: Env;
  let conn: LibvirtConnection;
  const byName = async (name: string): Promise<DomainRef> => conn.domainLookupByName(name);

  beforeAll(async () => {
    env = await startEnv();
    for (const n of ['inv-a', 'inv-b', 'inv-c']) env.defineGuest(n);
    env.defineGuest('life', { disk: true });
    conn = await env.connect();
  }, 60_000);

  afterAll(async () => {
    await conn?.close();
    await env?.daemon.stop();
  });

  it('authenticates (none, as root), opens qemu:///system and reports the host like virsh', async () => {
    const v = env.daemon.virsh;
    expect(await conn.getHostname()).toBe(v(['hostname']).trim());
    const lib = /Using library: libvirt (\d+)\.(\d+)\.(\d+)/.exec(v(['version']));
    expect(lib).not.toBeNull();
    const [, maj, min, mic] = lib!.map(Number);
    expect(await conn.getLibVersion()).toBe(maj! * 1e6 + min! * 1e3 + mic!);
    const info = await conn.nodeGetInfo();
    const nodeinfo = v(['nodeinfo']);
    expect(info.cpus).toBe(Number(/CPU\(s\):\s+(\d+)/.exec(nodeinfo)?.[1]));
    expect(info.memory).toBe(Number(/Memory size:\s+(\d+) KiB/.exec(nodeinfo)?.[1]));
    expect(info.model).toBe(/CPU model:\s+(\S+)/.exec(nodeinfo)?.[1]);
    const mem = await conn.nodeGetMemoryStats();
    expect(mem['total']).toBe(Number(/total\s*:\s*(\d+) KiB/.exec(v(['nodememstats']))?.[1]));
    const cpu = await conn.nodeGetCpuStats();
    expect(Object.keys(cpu)).toEqual(expect.arrayContaining(['kernel', 'user', 'idle']));
    expect(await conn.getCapabilities()).toContain('<capabilities>');
    // Hosts without SMBIOS (like some CI VMs) have no sysinfo: then we must fail as virsh does.
    let virshSysinfo: string | null = null;
    try {
      virshSysinfo = v(['sysinfo']);
    } catch {
      virshSysinfo = null;
    }
    if (virshSysinfo === null) await expect(conn.getSysinfo()).rejects.toMatchObject({ code: 'LIBVIRT_ERROR' });
    else expect(await conn.getSysinfo()).toBe(virshSysinfo);
  });

  it('lists the same domains as virsh, with identical names, UUIDs and states', async () => {
    await env.daemon.virshAsync(['start', 'inv-b']);
    const doms = await conn.listAllDomains();
    const names = env.daemon.virsh(['list', '--all', '--name']).split('\n').filter(Boolean).sort();
    expect(doms.map((d) => d.name).sort()).toEqual(names);
    const uuids = env.daemon.virsh(['list', '--all', '--uuid']).split('\n').filter(Boolean).sort();
    expect(doms.map((d) => d.uuid).sort()).toEqual(uuids);
    const records = await conn.getAllDomainStats(doms, DomainStatsType.STATE);
    const states = virshStates(env.daemon.virsh(['list', '--all']));
    for (const r of records) {
      expect(VIRSH_STATE[paramsToRecord(r.params)['state.state'] as number]).toBe(states.get(r.dom.name));
    }
    expect(states.get('inv-b')).toBe('running');
    await env.daemon.virshAsync(['destroy', 'inv-b']);
  });

  it('fetches every domain XML pipelined (all calls in flight at once), equal to virsh dumpxml', async () => {
    const doms = await conn.listAllDomains();
    const pending = conn.getAllXml(doms);
    expect(conn.rpc.inFlight).toBe(doms.length);
    const results = await pending;
    for (const r of results) {
      expect('xml' in r).toBe(true);
      if ('xml' in r) expect(r.xml).toBe(env.daemon.virsh(['dumpxml', r.dom.name]));
    }
  });

  it('receives lifecycle events within 1 s of virsh start / destroy run independently', async () => {
    await conn.domainEventRegisterAny(DomainEventId.LIFECYCLE);
    const started = waitForEvent(conn, (e) => e.kind === 'domain-lifecycle' && e.dom.name === 'inv-c' && e.event === DomainLifecycle.STARTED);
    await env.daemon.virshAsync(['start', 'inv-c']);
    const virshDone = performance.now();
    const s = await started;
    expect(s.at - virshDone).toBeLessThan(1000);
    if (s.ev.kind === 'domain-lifecycle') expect(s.ev.dom.id).toBe(Number(env.daemon.virsh(['domid', 'inv-c']).trim()));

    const stopped = waitForEvent(conn, (e) => e.kind === 'domain-lifecycle' && e.dom.name === 'inv-c' && e.event === DomainLifecycle.STOPPED);
    await env.daemon.virshAsync(['destroy', 'inv-c']);
    const destroyDone = performance.now();
    const t = await stopped;
    expect(t.at - destroyDone).toBeLessThan(1000);
  }, 30_000);

  it('reads and writes the guest serial console through a stream, which ends when the guest is forced off', async () => {
    const dom = await conn.domainCreate(await byName('life'));
    const con = await conn.domainOpenConsole(dom);
    let out = '';
    con.on('data', (b: Buffer) => (out += b.toString('latin1')));
    const ended = new Promise<void>((resolve) => con.once('end', () => resolve()));
    await until(() => out.includes(GUEST_BANNER) && out.includes('# '), 60_000, 'guest shell on the console');
    con.write('echo HANGAR-$((6*7))\r\n');
    await until(() => out.includes('HANGAR-42'), 15_000, 'command output');
    await conn.domainDestroy(dom);
    await ended;
    expect(env.daemon.virsh(['domstate', 'life']).trim()).toBe('shut off');
  }, 90_000);

  it('drives lifecycle operations; the state it reads matches virsh domstate', async () => {
    const dom = await conn.domainCreate(await byName('life'));
    const state = async (): Promise<string> => VIRSH_STATE[(await conn.domainGetState(dom)).state]!;
    const virshState = (): string => env.daemon.virsh(['domstate', 'life']).trim();
    expect(await state()).toBe('running');
    await conn.domainSuspend(dom);
    expect(await state()).toBe('paused');
    expect(virshState()).toBe('paused');
    await conn.domainResume(dom);
    expect(virshState()).toBe('running');
    const rebooted = waitForEvent(conn, (e) => e.kind === 'domain-reboot' && e.dom.name === 'life');
    await conn.domainEventRegisterAny(DomainEventId.REBOOT, dom);
    await conn.domainReset(dom); // a hard reset is a reboot event too
    await rebooted;
    const info = await conn.domainGetInfo(dom);
    expect(info.state).toBe(DomainState.RUNNING);
    expect(info.maxMem).toBe(128 * 1024);
    expect(info.nrVirtCpu).toBe(1);
    const stats = paramsToRecord((await conn.getAllDomainStats([dom], DomainStatsType.BLOCK | DomainStatsType.VCPU))[0]!.params);
    expect(stats['block.0.name']).toBe('vdb'); // a string typed parameter
    expect(stats['vcpu.current']).toBe(1);
    expect(await conn.domainGetBlockJobInfo(dom, 'vdb')).toMatchObject({ found: 0 });
    expect((await conn.domainGetJobInfo(dom)).type).toBe(0);
    await expect(conn.domainAbortJob(dom)).rejects.toMatchObject({ code: 'LIBVIRT_ERROR' });
    await conn.domainSendKey(dom, [28]); // KEY_ENTER
    expect(await conn.domainInterfaceAddresses(dom, 0)).toEqual([]);
    await expect(conn.domainGetGuestInfo(dom)).rejects.toBeInstanceOf(HangarError); // no guest agent
    const begin = await conn.migrateBegin3(dom, [], MigrateFlag.LIVE | MigrateFlag.UNSAFE);
    expect(begin.cookieOut.length).toBeGreaterThan(0);
    expect(begin.xml).toContain('<name>life</name>');
    await conn.domainDestroy(dom, 0);
    expect(virshState()).toBe('shut off');
  }, 90_000);

  it('sets autostart, defines, undefines; virsh agrees', async () => {
    const dom = await byName('inv-a');
    await conn.domainSetAutostart(dom, true);
    expect(await conn.domainGetAutostart(dom)).toBe(true);
    expect(env.daemon.virsh(['dominfo', 'inv-a'])).toMatch(/Autostart:\s+enable/);
    await conn.domainSetAutostart(dom, false);
    const xml = await conn.domainGetXmlDesc(dom);
    const copy = xml.replace('<name>inv-a</name>', '<name>inv-copy</name>').replace(/<uuid>.*<\/uuid>/, '');
    const defined = await conn.domainDefineXml(copy);
    expect(env.daemon.virsh(['domuuid', 'inv-copy']).trim()).toBe(defined.uuid);
    expect((await conn.domainLookupByUuid(defined.uuid)).name).toBe('inv-copy');
    await conn.domainUndefine(defined);
    expect(env.daemon.virsh(['list', '--all', '--name'])).not.toContain('inv-copy');
  });

  it('turns libvirt errors into HangarError LIBVIRT_ERROR carrying the libvirt code', async () => {
    const err = await conn.domainLookupByName('no-such-domain').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HangarError);
    expect(err).toMatchObject({ code: 'LIBVIRT_ERROR', details: { libvirtCode: VirErrorCode.NO_DOMAIN } });
    expect((err as HangarError).message).toContain("no domain with matching name 'no-such-domain'");
    expect(() => env.daemon.virsh(['dominfo', 'no-such-domain'])).toThrow(/no-such-domain/);
  });

  it('keeps an idle connection alive through keepalive and survives a libvirtd restart by reconnecting', async () => {
    const ka = await env.connect({ keepalive: { intervalMs: 200, count: 3 } });
    await new Promise((r) => setTimeout(r, 1500)); // idle: our pings must be answered
    expect(ka.closed).toBe(false);
    const dom = await conn.domainCreate(await byName('inv-a'));
    const closed = new Promise<HangarError>((resolve) => ka.once('close', resolve));
    await env.daemon.restart();
    expect((await closed).code).toBe('UNREACHABLE');
    await expect(ka.getHostname()).rejects.toMatchObject({ code: 'UNREACHABLE' });
    // Reconnect: the running domain is still there and events flow again.
    const again = await env.connect();
    expect((await again.listAllDomains(1 /* ACTIVE */)).map((d) => d.uuid)).toContain(dom.uuid);
    await again.domainEventRegisterAny(DomainEventId.LIFECYCLE);
    const stopped = waitForEvent(again, (e) => e.kind === 'domain-lifecycle' && e.dom.uuid === dom.uuid && e.event === DomainLifecycle.STOPPED);
    await env.daemon.virshAsync(['destroy', 'inv-a']);
    await stopped;
    await again.close();
    conn = await env.connect(); // the suite's connection died with the daemon too
  }, 60_000);
});
