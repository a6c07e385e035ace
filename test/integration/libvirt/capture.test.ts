/**
 * Re-records the codec fixtures of test/unit/libvirt/fixtures from a private libvirtd:
 *   HANGAR_CAPTURE_FIXTURES=1 npx vitest run --config test/integration/libvirt/vitest.config.ts capture
 * Skipped otherwise (the fixtures are committed; re-record after protocol work).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DomainEventId,
  DomainLifecycle,
  DomainStatsType,
  paramsToRecord,
  type LibvirtConnection,
} from '../../../engine/libvirt';
import { HangarError } from '../../../engine/contract/errors';
import { Recorder, openRecorded } from './capture';
import { GUEST_BANNER } from './guest';
import { SKIP_REASON, startEnv, until, waitForEvent } from './setup';

const OUT = join(import.meta.dirname, '../../unit/libvirt/fixtures');
const skip = SKIP_REASON ?? (process.env['HANGAR_CAPTURE_FIXTURES'] === '1' ? null : 'set HANGAR_CAPTURE_FIXTURES=1 to re-record');

describe.skipIf(skip !== null)(`capture libvirt fixtures ${skip ? `(skipped: ${skip})` : ''}`, () => {
  it('records real traffic with virsh oracles', async () => {
    const env = await startEnv();
    const v = env.daemon.virsh;
    const version = /Using library: (libvirt [\d.]+)/.exec(v(['version']))?.[1] ?? 'libvirt';
    const hv = /Running hypervisor: (.+)/.exec(v(['version']))?.[1] ?? '';
    const rec = new Recorder(`${version}, ${hv}`);
    let conn: LibvirtConnection | undefined;
    let test: LibvirtConnection | undefined;
    try {
      env.defineGuest('fx', { disk: true });
      await rec.step('open', 'AUTH_LIST, CONNECT_OPEN qemu:///system, SUPPORTS_FEATURE keepalive', async () => {
        conn = await openRecorded(rec, env.daemon.socket, 'qemu:///system');
        return { uri: 'qemu:///system', authTypes: [0] };
      });
      const c = conn!;
      await rec.step('get-hostname', 'CONNECT_GET_HOSTNAME', async () => {
        await c.getHostname();
        return { hostname: v(['hostname']).trim() };
      });
      await rec.step('get-lib-version', 'CONNECT_GET_LIB_VERSION', async () => {
        await c.getLibVersion();
        const [maj, min, mic] = (/libvirt (\d+)\.(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
        return { libVersion: maj! * 1e6 + min! * 1e3 + mic! };
      });
      await rec.step('node-get-info', 'NODE_GET_INFO (char model[32] as 32 XDR ints)', async () => {
        await c.nodeGetInfo();
        const out = v(['nodeinfo']);
        return {
          model: /CPU model:\s+(\S+)/.exec(out)?.[1],
          cpus: Number(/CPU\(s\):\s+(\d+)/.exec(out)?.[1]),
          memory: Number(/Memory size:\s+(\d+) KiB/.exec(out)?.[1]),
        };
      });
      await rec.step('node-get-memory-stats', 'NODE_GET_MEMORY_STATS, count then values', async () => {
        await c.nodeGetMemoryStats();
        return { total: Number(/total\s*:\s*(\d+) KiB/.exec(v(['nodememstats']))?.[1]) };
      });
      await rec.step('list-all-domains', 'CONNECT_LIST_ALL_DOMAINS', async () => {
        await c.listAllDomains();
        return {
          names: v(['list', '--all', '--name']).split('\n').map((l) => l.trim()).filter(Boolean),
          uuids: v(['list', '--all', '--uuid']).split('\n').map((l) => l.trim()).filter(Boolean),
        };
      });
      const dom = await c.domainLookupByName('fx');
      await rec.step('domain-get-xml-desc', 'DOMAIN_GET_XML_DESC', async () => {
        await c.domainGetXmlDesc(dom);
        return { xml: v(['dumpxml', 'fx']) };
      });
      await rec.step('domain-start-event', 'CALLBACK_REGISTER_ANY lifecycle, CREATE_WITH_FLAGS, lifecycle events', async () => {
        const cb = await c.domainEventRegisterAny(DomainEventId.LIFECYCLE);
        const started = waitForEvent(c, (e) => e.kind === 'domain-lifecycle' && e.event === DomainLifecycle.STARTED);
        await c.domainCreate(dom);
        await started;
        return { callbackId: cb, name: 'fx', uuid: v(['domuuid', 'fx']).trim(), id: Number(v(['domid', 'fx']).trim()) };
      });
      const running = await c.domainLookupByName('fx');
      await rec.step('domain-get-state', 'DOMAIN_GET_STATE', async () => {
        await c.domainGetState(running);
        return { state: v(['domstate', 'fx']).trim() };
      });
      await rec.step('get-all-domain-stats', 'CONNECT_GET_ALL_DOMAIN_STATS (typed params of int, uint, ullong, string)', async () => {
        const [r] = await c.getAllDomainStats([running], DomainStatsType.STATE | DomainStatsType.VCPU | DomainStatsType.BLOCK | DomainStatsType.BALLOON);
        const p = paramsToRecord(r!.params);
        const domstats = v(['domstats', '--state', '--vcpu', '--block', 'fx']);
        return {
          'state.state': Number(/state\.state=(\d+)/.exec(domstats)?.[1]),
          'vcpu.current': Number(/vcpu\.current=(\d+)/.exec(domstats)?.[1]),
          'block.0.name': /block\.0\.name=(\S+)/.exec(domstats)?.[1],
          'block.0.path': /block\.0\.path=(\S+)/.exec(domstats)?.[1],
          paramCount: Object.keys(p).length,
        };
      });
      await rec.step('console-stream', 'DOMAIN_OPEN_CONSOLE then STREAM data both ways', async () => {
        const con = await c.domainOpenConsole(running);
        let out = '';
        con.on('data', (b: Buffer) => (out += b.toString('latin1')));
        await until(() => out.includes(GUEST_BANNER) && out.includes('# '), 90_000, 'guest shell');
        con.write('echo HANGAR-$((6*7))\r\n');
        await until(() => out.includes('HANGAR-42'), 15_000, 'echo');
        con.destroy();
        return { banner: GUEST_BANNER, output: 'HANGAR-42' };
      });
      await rec.step('keepalive', 'the daemon PINGs an idle client, which answers PONG', async () => {
        await new Promise((r) => setTimeout(r, 6_500));
        return {};
      }, { keepalive: true });
      await rec.step('lookup-missing-domain', 'DOMAIN_LOOKUP_BY_NAME error reply (remote_error)', async () => {
        const err = (await c.domainLookupByName('no-such-domain').catch((e: unknown) => e)) as HangarError;
        expect(err).toBeInstanceOf(HangarError);
        return { libvirtCode: 42, messageContains: "no domain with matching name 'no-such-domain'" };
      });
      await rec.step('domain-destroy-event', 'DESTROY_FLAGS and the STOPPED lifecycle event', async () => {
        const stopped = waitForEvent(c, (e) => e.kind === 'domain-lifecycle' && e.event === DomainLifecycle.STOPPED);
        await c.domainDestroy(running);
        await stopped;
        return { state: v(['domstate', 'fx']).trim(), event: DomainLifecycle.STOPPED };
      });

      await rec.step('test-open', 'CONNECT_OPEN test:///default', async () => {
        test = await openRecorded(rec, env.daemon.socket, 'test:///default');
        return { uri: 'test:///default' };
      });
      const t = test!;
      const tv = (args: string[]): string => v(args, `test:///default?socket=${env.daemon.socket}`);
      await rec.step('list-all-storage-pools', 'CONNECT_LIST_ALL_STORAGE_POOLS', async () => {
        await t.listAllStoragePools();
        return { names: tv(['pool-list', '--all', '--name']).split('\n').map((l) => l.trim()).filter(Boolean) };
      });
      const pool = await t.storagePoolLookupByName('default-pool');
      await rec.step('storage-pool-get-info', 'STORAGE_POOL_GET_INFO', async () => {
        await t.storagePoolGetInfo(pool);
        return { state: tv(['pool-info', 'default-pool']).match(/State:\s+(\S+)/)?.[1] };
      });
      await rec.step('list-all-networks', 'CONNECT_LIST_ALL_NETWORKS', async () => {
        await t.listAllNetworks();
        return { names: tv(['net-list', '--all', '--name']).split('\n').map((l) => l.trim()).filter(Boolean) };
      });
      const net = await t.networkLookupByName('default');
      await rec.step('network-get-xml-desc', 'NETWORK_GET_XML_DESC', async () => {
        await t.networkGetXmlDesc(net);
        return { xml: tv(['net-dumpxml', 'default']) };
      });
      rec.write(OUT);
    } finally {
      await test?.close();
      await conn?.close();
      await env.daemon.stop();
    }
  }, 180_000);
});
