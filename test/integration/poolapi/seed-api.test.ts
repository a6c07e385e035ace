/**
 * Issue 18, the pools REST listener against the lab, as CI sees it: the seed's curl sequence with
 * real curl over TLS (available N → N−3 → N, three addresses in the network's subnet, VMs and
 * overlays gone after release per virsh, history with durations); the seed's two Jenkins snippets
 * verbatim in bash (exit 0 with the addresses, exit 1 with no capacity); 401, 429, 400 `Error:`;
 * a replayed Idempotency-Key makes no second VM.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease, LeaseHistoryRecord } from '../../../engine/contract';
import type { Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { startPoolApiServer, type RunningPoolApi } from '../../../engine/poolapi/http-server';
import { loadOrCreateTls } from '../../../engine/server/tls';
import { readLabInfo, shellQuote, sshRun, virsh, waitFor, type LabHost } from '../../lab/lab-info';
import { labEngine } from '../fleet/lab-engine';

const run = promisify(execFile);
const lab = readLabInfo();
// lab1 and lab2: lab3 is where other sessions run their fault drills.
const hosts = [lab.hosts[0], lab.hosts[1]] as LabHost[];
const tag = crypto.randomBytes(3).toString('hex');
const BASE = `poolapi-base-${tag}.qcow2`;
const OS = 'windows'; // the single-VM Jenkins snippet asks for os=windows, verbatim
const SUBNET = /^192\.168\.122\.\d{1,3}$/; // the lab hosts' NAT network `default`

/** The seed's Jenkins jobs, verbatim (seed 004), only `<host:port>` filled in with credentials. */
const JENKINS_SINGLE = `curl -s -o \${BUILD_TAG}_vm.json "https://<host:port>/getservers/\${BUILD_TAG}?os=windows&format=detailed"
VM_IP_ADDRESS="\`cat \${BUILD_TAG}_vm.json |egrep \${BUILD_TAG}|cut -f2 -d':'|xargs\`"
if [[ $VM_IP_ADDRESS =~ ^([0-9]{1,3}\\.){3}[0-9]{1,3}$ ]]; then
  echo Valid IP received
else
  echo NOT a valid IP received
  exit 1
fi
`;
const JENKINS_MULTI = `curl -s -o \${BUILD_TAG}.json "\${SERVER_API_URL}/getservers/\${BUILD_TAG}?os=\${OS}&count=\${COUNT}&format=detailed"
cat \${BUILD_TAG}.json
VM_IP_ADDRESS="\`cat \${BUILD_TAG}.json |egrep \${BUILD_TAG}|cut -f2 -d':'|xargs|sed 's/,//g'\`"
echo $VM_IP_ADDRESS
ADDR=()
INDEX=1
for IP in \`echo $VM_IP_ADDRESS\`
do
  if [[ $IP =~ ^([0-9]{1,3}\\.){3}[0-9]{1,3}$ ]]; then
    echo Valid IP=$IP received
    ADDR[$INDEX]=\${IP}
    INDEX=\`expr \${INDEX} + 1\`
  else
    echo NOT a valid IP=$IP received
    exit 1
  fi
done
echo \${ADDR[1]}
echo \${ADDR[2]}
echo \${ADDR[3]}
echo \${ADDR[4]}
`;

describe('pools REST listener (seed 004) against the lab', () => {
  let te: Awaited<ReturnType<typeof labEngine>>;
  let engine: Engine;
  let server: RunningPoolApi;
  let dir: string;
  let certFile: string;
  let secret: string;
  let base: string; // https://user:token@127.0.0.1:port
  const hostIds: string[] = [];

  /** curl as a person types it (credentials in the URL; our certificate trusted, as an admin would install it). */
  const curl = async (url: string, extra: string[] = []) => {
    const { stdout } = await run('curl', ['-sS', '--max-time', '600', '--cacert', certFile, '-w', '\n%{http_code}', ...extra, url], { timeout: 620_000 });
    const i = stdout.lastIndexOf('\n');
    return { body: stdout.slice(0, i), status: Number(stdout.slice(i + 1)) };
  };
  const bash = (script: string, env: Record<string, string>) =>
    run('bash', ['-c', script], { cwd: dir, env: { ...process.env, CURL_CA_BUNDLE: certFile, ...env }, timeout: 600_000 }).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code?: number; stdout?: string }) => ({ code: e.code ?? -1, out: e.stdout ?? '' }),
    );
  const domainsNamed = async (prefix: string) => {
    const names: string[] = [];
    for (const h of hosts) names.push(...(await virsh(h, ['list', '--all', '--name'])).split('\n').filter((n) => n.startsWith(prefix)));
    return names;
  };
  const volumesNamed = async (prefix: string) => {
    const names: string[] = [];
    for (const h of hosts) {
      await virsh(h, ['pool-refresh', 'default']).catch(() => undefined);
      names.push(...(await virsh(h, ['vol-list', 'default'])).split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => n.startsWith(prefix)));
    }
    return names;
  };
  const ownLeases = () => engine.poolApi.leases.list({}).filter((l: Lease) => l.name.includes(tag));

  beforeAll(async () => {
    te = await labEngine(lab, 'poolapi');
    engine = te.engine;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poolapi-it-'));
    for (const h of hosts) {
      const host = await engine.call('hosts.add', { address: h.address, user: 'root', auth: 'key', keyPath: lab.keyPath, acceptHostKey: h.hostKeyFingerprint, name: h.name });
      hostIds.push(host.id);
      const poolDir = (await virsh(h, ['pool-dumpxml', 'default'])).match(/<path>([^<]+)<\/path>/)![1]!;
      await sshRun(h, `cp ${shellQuote(lab.guest.baseImage)} ${shellQuote(`${poolDir}/${BASE}`)} && virsh pool-refresh default >/dev/null`);
    }
    await waitFor('hosts connected', async () => (await engine.call('hosts.list', {})).hosts.filter((x) => x.state === 'connected').length === 2, 60_000, 200);
    await engine.call('pools.create', {
      os: OS,
      baseImages: hostIds.map((hostId) => ({ hostId, pool: 'default', volume: BASE })),
      network: 'default',
      cpus: 1,
      memoryMiB: 256,
      networkTimeoutSecs: 180,
      retries: 1,
    });
    secret = (await engine.call('apiTokens.create', { user: `ci-${tag}`, maxVms: 6, maxExpiryMinutes: 60 })).secret;
    const tls = await loadOrCreateTls(path.join(dir, 'tls'), ['127.0.0.1', 'localhost']);
    certFile = path.join(dir, 'tls', 'serve-cert.pem');
    server = await startPoolApiServer({ deps: engine.poolApi, logger: silentLogger, host: '127.0.0.1', port: 0, tls });
    base = `https://ci-${tag}:${secret}@127.0.0.1:${server.port}`;
  }, 300_000);

  afterAll(async () => {
    // Whatever a failed step left: released through the engine, then checked gone.
    const left = ownLeases().filter((l) => ['provisioning', 'ready'].includes(l.state));
    if (left.length) await engine.poolApi.leases.release({ ids: left.map((l) => l.id) }).catch(() => undefined);
    await waitFor('leases ended', async () => ownLeases().every((l) => !['provisioning', 'ready', 'releasing'].includes(l.state)), 120_000, 500).catch(() => undefined);
    await server?.close();
    for (const h of hosts) await sshRun(h, `virsh vol-delete --pool default ${shellQuote(BASE)} >/dev/null 2>&1; true`).catch(() => undefined);
    await te?.dispose();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('runs the seed’s curl sequence: N → N−3 → N, three addresses, gone after release, in the history', async () => {
    const user = `demo-${tag}`;
    const n = Number((await curl(`${base}/getavailablecount/${OS}`)).body);
    expect(n).toBeGreaterThanOrEqual(3);
    const got = await curl(`${base}/getservers/${user}?os=${OS}&count=3`);
    expect(got.status, got.body).toBe(200);
    expect(got.body).toMatch(/^\["[\d.]+", "[\d.]+", "[\d.]+"\]$/);
    const ips = JSON.parse(got.body) as string[];
    for (const ip of ips) expect(ip).toMatch(SUBNET);
    // Other sessions' VMs come and go on the same hosts: a count they moved is read again.
    const available = () => curl(`${base}/getavailablecount/${OS}`).then((r) => Number(r.body));
    await waitFor(`available ${n - 3}`, async () => (await available()) === n - 3, 30_000, 2000);
    const shown = JSON.parse((await curl(`${base}/showall`)).body) as Record<string, { name: string; networkinfo: string }[]>;
    expect(Object.keys(shown)).toEqual(['1', '2']);
    expect(Object.values(shown).flat().map((v) => v.name).sort()).toEqual([`${user}1`, `${user}2`, `${user}3`]);
    const leased = ownLeases().filter((l) => l.username === user);
    // Each lab host has its own NAT network on the same subnet: an address is unique on its host.
    expect(new Set(leased.map((l) => `${l.hostId}/${l.ipaddr}`)).size).toBe(3);
    expect(leased.map((l) => l.ipaddr).sort()).toEqual([...ips].sort());
    const vmNames = leased.map((l) => l.vmName ?? l.name);
    for (const vm of vmNames) expect((await domainsNamed(vm)).length, vm).toBe(1);

    const rel = await curl(`${base}/releaseservers/${user}?os=${OS}&count=3`);
    expect(rel).toEqual({ status: 200, body: `[\n  "${user}1",\n  "${user}2",\n  "${user}3"\n]` });
    for (const vm of vmNames) {
      expect(await domainsNamed(vm), vm).toEqual([]);
      expect(await volumesNamed(vm), vm).toEqual([]);
    }
    await waitFor(`available ${n} again`, async () => (await available()) === n, 30_000, 2000);
    const history = JSON.parse((await curl(`${base}/api/v1/history?username=${user}`)).body) as { records: LeaseHistoryRecord[] };
    expect(history.records.map((r) => r.name).sort()).toEqual([`${user}1`, `${user}2`, `${user}3`]);
    for (const r of history.records) {
      expect(r).toMatchObject({ state: 'deleted', os: OS, username: user });
      expect(r.ipaddr).toMatch(SUBNET);
      expect(r.create_duration_secs).toBeGreaterThan(0);
      expect(r.delete_duration_secs).not.toBeNull();
      expect(r.live_duration_secs).not.toBeNull();
    }
  }, 600_000);

  it('runs the seed’s two Jenkins snippets verbatim: exit 0 with the addresses; exit 1 with no capacity', async () => {
    const hostPort = `ci-${tag}:${secret}@127.0.0.1:${server.port}`;
    const single = JENKINS_SINGLE.replace('<host:port>', hostPort);
    const one = await bash(single, { BUILD_TAG: `jenkins-${tag}-1` });
    expect(one, one.out).toMatchObject({ code: 0 });
    expect(one.out).toContain('Valid IP received');
    const multi = await bash(JENKINS_MULTI, { BUILD_TAG: `jenkins-${tag}-2`, SERVER_API_URL: `https://${hostPort}`, OS, COUNT: '2' });
    expect(multi.code, multi.out).toBe(0);
    const addrs = [...multi.out.matchAll(/^Valid IP=(\S+) received$/gm)].map((m) => m[1]!);
    expect(addrs).toHaveLength(2);
    for (const ip of addrs) expect(ip).toMatch(SUBNET);
    for (const u of [`jenkins-${tag}-1`, `jenkins-${tag}-2`]) expect((await curl(`${base}/releaseservers/${u}?count=${u.endsWith('-2') ? 2 : 1}`)).status).toBe(200);

    // No capacity: the pool's VMs are made bigger than any host.
    await engine.call('pools.update', { os: OS, memoryMiB: 4 * 1024 * 1024 });
    try {
      expect((await curl(`${base}/getavailablecount/${OS}`)).body).toBe('0');
      const none1 = await bash(single, { BUILD_TAG: `jenkins-${tag}-3` });
      expect(none1.code, none1.out).toBe(1);
      expect(none1.out).toContain('NOT a valid IP received');
      const none2 = await bash(JENKINS_MULTI, { BUILD_TAG: `jenkins-${tag}-4`, SERVER_API_URL: `https://${hostPort}`, OS, COUNT: '2' });
      expect(none2.code, none2.out).toBe(1);
      expect(none2.out).toMatch(/^Error: jenkins-[0-9a-f]+-4: /m);
    } finally {
      await engine.call('pools.update', { os: OS, memoryMiB: 256 });
    }
    expect(await domainsNamed(`jenkins-${tag}`)).toEqual([]);
  }, 600_000);

  it('refuses: 401 without or with a wrong token, 429 over quota, 400 Error: on bad input', async () => {
    const anon = base.replace(`ci-${tag}:${secret}@`, '');
    expect((await curl(`${anon}/getavailablecount/${OS}`)).status).toBe(401);
    expect((await curl(`${base.replace(secret, 'hgr_wrong')}/getavailablecount/${OS}`)).status).toBe(401);
    const over = await curl(`${base}/getservers/quota-${tag}?os=${OS}&count=7`);
    expect(over.status).toBe(429);
    expect(over.body).toMatch(/^Error: /);
    const longExp = await curl(`${base}/getservers/quota-${tag}?os=${OS}&expiresin=61`);
    expect(longExp.status).toBe(429);
    for (const q of [`/getservers/x-${tag}?os=${OS}&count=0`, `/getservers/x-${tag}?os=nosuch`, `/getservers/x-${tag}?os=${OS}&cpus=two`, `/getservers/x-${tag}?os=${OS}&mem=big`, `/getservers/x-${tag}?os=${OS}&expiresin=0`, `/getservers/..%2F..%2Fetc?os=${OS}`, `/getservers/a%3Brm?os=${OS}`, `/getservers/${'a'.repeat(64)}?os=${OS}`]) {
      const r = await curl(`${base}${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.startsWith('Error:'), q).toBe(true);
    }
    expect(await domainsNamed(`x-${tag}`)).toEqual([]);
    expect(await domainsNamed(`quota-${tag}`)).toEqual([]);
  }, 120_000);

  it('makes no second VM for a replayed Idempotency-Key', async () => {
    const user = `idem-${tag}`;
    const post = () => curl(`${base}/api/v1/pools/${OS}/leases?wait=ip`, ['-X', 'POST', '-H', 'content-type: application/json', '-H', `Idempotency-Key: k-${tag}`, '--data', JSON.stringify({ username: user, count: 1 })]);
    const [a, b] = await Promise.all([post(), post()]);
    const c = await post();
    expect(a.status, a.body).toBe(200);
    const ids = [a, b, c].map((r) => (JSON.parse(r.body) as { leases: Lease[] }).leases.map((l) => l.id).join());
    expect(new Set(ids).size).toBe(1);
    const lease = (JSON.parse(a.body) as { leases: Lease[] }).leases[0]!;
    expect(lease.ipaddr).toMatch(SUBNET);
    expect(ownLeases().filter((l) => l.username === user)).toHaveLength(1);
    expect(await domainsNamed(lease.vmName ?? lease.name)).toHaveLength(1);
    const del = await curl(`${base}/api/v1/leases/${lease.id}`, ['-X', 'DELETE']);
    expect(del.status).toBe(202);
    await waitFor('released', async () => (await domainsNamed(lease.vmName ?? lease.name)).length === 0, 120_000, 500);
  }, 600_000);
});
