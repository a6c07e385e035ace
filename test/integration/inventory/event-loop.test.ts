/**
 * Issue 20: the engine stays responsive while it takes a cold inventory of 2 hosts × 1,000 defined
 * domains (XML parsed in worker threads, fetched in short pipelined batches, shown as it is parsed):
 * p99 event-loop delay under the 100 ms. Measured 2026-12-02 on the quiet 2-core machine:
 * p99 45–52 ms, max 54–58 ms, cold 4.2–5.2 s (three runs); 102–122 ms at load 10–13. Before this
 * work it was 151 ms on an idle machine, and 960 ms before parsing left the engine thread. The
 * bound is the 100 ms, about twice the quiet figure: a return of the per-domain parse, the
 * per-call writes or the one-shot publish of a whole host fails it. Then a reconcile fetches only
 * what changed, and health checks read the inventory. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../engine/engine';
import { openHostLibvirt, type HostLibvirt } from '../../../engine/hosts/host-libvirt';
import { fetchHostInventory, type ParseCache } from '../../../engine/inventory/fetch-inventory';
import { eventLoop } from '../../../engine/perf/event-loop';
import { SshPool, type PinnedKey } from '../../../engine/ssh';
import { readLabInfo, waitFor, type LabHost } from '../../lab/lab-info';
import { defineBulk, undefineBulk } from '../../bench/bulk-domains';
import { labEngine } from '../fleet/lab-engine';

const lab = readLabInfo();
const hosts = lab.hosts.slice(0, 2) as LabHost[];
const PREFIX = 'evloop-it';
const PER_HOST = 1000;

describe('event loop during a cold inventory of 2 × 1,000 domains', () => {
  let t: { engine: Engine; dispose(): Promise<void> } | undefined;

  beforeAll(async () => {
    const t0 = Date.now();
    await defineBulk(lab, hosts, PREFIX, PER_HOST, 'a1b2');
    console.log(`defined ${hosts.length} × ${PER_HOST} in ${Date.now() - t0} ms`);
  }, 300_000);

  afterAll(async () => {
    await t?.dispose();
    await undefineBulk(lab, hosts, PREFIX);
  }, 300_000);

  it('keeps p99 under 100 ms while every domain is fetched and parsed', async () => {
    t = await labEngine(lab, 'evloop');
    const engine = t.engine;
    const since = Date.now();
    await Promise.all(hosts.map((h) => engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint })));
    const added = Date.now() - since;
    const ours = async () => (await engine.call('vms.list', {})).vms.filter((v) => v.name.startsWith(`${PREFIX}-`));
    let firstSeen = 0;
    await waitFor('the first evloop-it domains', async () => (firstSeen = (await ours()).length) > 0, 90_000, 100);
    const first = Date.now() - since;
    await waitFor('every evloop-it domain in the inventory', async () => (await ours()).length >= hosts.length * PER_HOST, 90_000, 250);
    const coldMs = Date.now() - since;
    const loop = eventLoop.stats(since);
    const afterConnect = eventLoop.stats(since + added); // for the log: the inventory phase alone
    const perf = await engine.call('engine.perf', {});
    console.log(JSON.stringify({ added, first, firstSeen, coldMs, loop, afterConnect, rssMiB: Math.round(perf.memory.rssBytes / 2 ** 20), parseWorkers: perf.parseWorkers }));
    expect(loop.samples).toBeGreaterThan(0);
    expect(loop.p99Ms).toBeLessThan(100);
    expect(perf.parseWorkers).toBeGreaterThan(0);
    const vm = (await ours()).find((v) => v.name === `${PREFIX}-0500`);
    expect(vm).toMatchObject({ state: 'stopped', vcpus: 1, memoryKiB: 65536 });

    // Health checks read the inventory's model: a run sees our domains without fetching them again.
    const findings = (await engine.call('health.run', {})).findings;
    expect(findings.filter((f) => f.vmName?.startsWith(`${PREFIX}-`))).toEqual([]); // defined, never started: nothing to say
  }, 180_000);

  it('reconciles by listing with state: unchanged domains are not fetched again', async () => {
    const pins = new Map<string, PinnedKey>();
    const configText = `Host ${hosts[0]!.address}\n  User root\n  IdentityFile ${lab.keyPath}\n  IdentitiesOnly yes\n`;
    const pool = new SshPool({ hostKeys: { get: async (r) => pins.get(r.endpoint), pin: async (r, k) => void pins.set(r.endpoint, k) }, knownHostsFiles: [lab.knownHostsPath], agent: null, sshConfig: { configText } });
    let link: HostLibvirt | undefined;
    try {
      link = await openHostLibvirt(pool.connection(hosts[0]!.name, { address: hosts[0]!.address, user: 'root', port: hosts[0]!.sshPort }));
      const cache: ParseCache = new Map();
      const cold = await fetchHostInventory(link.conn, cache);
      expect(cold.fetched).toBe(cold.domains.length + cold.errors.length);
      const warm = await fetchHostInventory(link.conn, cache, { onlyChanged: true });
      // Other people's tests may change a few of theirs meanwhile; ours did not change.
      expect(warm.fetched).toBeLessThan(20);
      expect(warm.domains.filter((d) => d.summary.name.startsWith(`${PREFIX}-`))).toHaveLength(PER_HOST);
    } finally {
      await link?.conn.close();
      await pool.closeAll();
    }
  }, 120_000);
});
