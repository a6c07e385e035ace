import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HangarError } from '../../../engine/contract/errors';
import type { Host } from '../../../engine/contract/hosts';
import { LIVE_LEASE_STATES, type AcquireLeasesParams, type Lease, type LeasePool } from '../../../engine/contract/pools';
import type { LeaseEngine } from '../../../engine/leases/lease-engine';
import { silentLogger } from '../../../engine/logger';
import { startPoolApiServer, type RunningPoolApi } from '../../../engine/poolapi/http-server';
import { TokenStore } from '../../../engine/poolapi/token-store';
import { Db } from '../../../engine/store/db';

/**
 * The listener's own rules (auth, quota, input, idempotency, formats) over a leases engine that
 * hands out addresses at once. Provisioning for real is the integration test's (test/integration/poolapi).
 */
function fakeLeases(): LeaseEngine & { made: number } {
  const pool: LeasePool = { os: 'centos', description: '', baseImages: [], network: 'default', cpus: 1, memoryMiB: 512, diskGiB: null, maxExpiryMinutes: 720, defaultExpiryMinutes: 720, networkTimeoutSecs: 400, retries: 2, warmSpares: 0, guestUser: 'hangar', createdAt: 0, updatedAt: 0 };
  const leases = new Map<string, Lease>();
  const byKey = new Map<string, Lease[]>();
  let n = 0;
  const self = {
    made: 0,
    listPools: () => [pool],
    pool: (o: string) => (o === 'centos' ? pool : undefined),
    createPool: async () => pool,
    updatePool: async () => pool,
    deletePool: async () => undefined,
    capacity: async (o: string) => ({ os: o, available: 10 - [...leases.values()].filter((l) => LIVE_LEASE_STATES.includes(l.state)).length, inFlight: 0, sparesReady: 0, hosts: [] }),
    async acquire(p: AcquireLeasesParams) {
      const key = p.idempotencyKey ? `${p.owner}|${p.idempotencyKey}` : null;
      if (key && byKey.has(key)) return { jobId: 'j', leases: byKey.get(key)! };
      const count = p.count ?? 1;
      const made: Lease[] = [];
      for (let i = 0; i < count; i++) {
        const name = count === 1 ? p.username : `${p.username}${i + 1}`;
        const id = `l${++n}`;
        self.made++;
        const l: Lease = { id, name, os: p.os, username: p.username, owner: p.owner ?? 'ui', state: 'ready', hostId: 'h1', hostName: 'lab1', vmUuid: null, vmName: name, ipaddr: `10.66.1.${n}`, cpus: 1, memoryMiB: 512, diskBytes: null, createdAt: Date.now(), readyAt: Date.now(), expiresAt: Date.now() + 60_000, endedAt: null, fromSpare: false, attempts: 1, jobId: 'j', error: null };
        leases.set(id, l);
        made.push(l);
      }
      if (key) byKey.set(key, made);
      return { jobId: 'j', leases: made };
    },
    waitReady: async (ids: string[]) => ids.map((id) => leases.get(id)!),
    list: (p: { owner?: string; states?: Lease['state'][] }) => [...leases.values()].filter((l) => (!p.owner || l.owner === p.owner) && (!p.states || p.states.includes(l.state))),
    async get(id: string, owner?: string) {
      const l = leases.get(id);
      if (!l || (owner && l.owner !== owner)) throw new HangarError('NOT_FOUND', 'no such lease');
      return l;
    },
    async release(p: { names?: string[]; ids?: string[]; owner?: string }) {
      const hit = [...leases.values()].filter((l) => LIVE_LEASE_STATES.includes(l.state) && (!p.owner || l.owner === p.owner) && (p.names?.includes(l.name) || p.ids?.includes(l.id)));
      for (const l of hit) leases.set(l.id, { ...l, state: 'released' });
      return { jobId: 'r', leases: hit.map((l) => leases.get(l.id)!) };
    },
    extend: async (p: { id: string }) => leases.get(p.id)!,
    history: async () => [],
    onChange: () => () => undefined,
  };
  return self as unknown as LeaseEngine & { made: number };
}

let dir: string;
let db: Db;
let server: RunningPoolApi;
let leases: ReturnType<typeof fakeLeases>;
let secret: string;
let other: string;
const host: Host = { id: 'h1', name: 'lab1', createdAt: 1 } as Host;

const get = async (p: string, auth: string | null = `alice:${secret}`, init: RequestInit = {}) => {
  const headers = new Headers(init.headers);
  if (auth) headers.set('authorization', auth.includes(':') ? `Basic ${Buffer.from(auth).toString('base64')}` : `Bearer ${auth}`);
  const res = await fetch(server.url + p, { ...init, headers });
  return { status: res.status, body: await res.text() };
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poolapi-http-'));
  db = await Db.open(path.join(dir, 'h.db'));
  const tokens = new TokenStore(db);
  secret = (await tokens.create({ user: 'alice', maxVms: 4, maxExpiryMinutes: 60 })).secret;
  other = (await tokens.create({ user: 'bob', maxVms: 4, maxExpiryMinutes: 60 })).secret;
  leases = fakeLeases();
  server = await startPoolApiServer({ deps: { leases, tokens, hosts: async () => [host] }, logger: silentLogger, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close();
  await db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('pools REST listener', () => {
  it('stores only the hash of a token', async () => {
    const rows = await db.all<{ hash: string }>('SELECT hash FROM api_tokens');
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash) && r.hash !== secret)).toBe(true);
  });
  it('answers 401 without a token, with a wrong one, or with another user’s name', async () => {
    expect((await get('/getavailablecount/centos', null)).status).toBe(401);
    expect((await get('/getavailablecount/centos', 'alice:hgr_nope')).status).toBe(401);
    expect((await get('/getavailablecount/centos', `bob:${secret}`)).status).toBe(401);
    const r = await get('/api/v1/leases', null);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body).error.code).toBe('UNAUTHORIZED');
  });
  it('takes Basic user:token and Bearer', async () => {
    expect(await get('/getavailablecount/centos')).toEqual({ status: 200, body: '10' });
    expect(await get('/getavailablecount/centos', secret)).toEqual({ status: 200, body: '10' });
  });
  it('runs the seed sequence: N, N-3, N', async () => {
    expect((await get('/getservers/demoserver?os=centos&count=3')).body).toMatch(/^\["10\.66\.1\.\d+", "10\.66\.1\.\d+", "10\.66\.1\.\d+"\]$/);
    expect((await get('/getavailablecount/centos')).body).toBe('7');
    const shown = JSON.parse((await get('/showall')).body);
    expect(shown['1'].map((v: { name: string }) => v.name)).toEqual(['demoserver1', 'demoserver2', 'demoserver3']);
    // Bob sees none of Alice's VMs and cannot release them.
    expect(JSON.parse((await get('/showall', `bob:${other}`)).body)['1']).toEqual([]);
    expect(await get('/releaseservers/demoserver?os=centos&count=3', `bob:${other}`)).toEqual({ status: 404, body: "Error: VM demoserver doesn't exist\n" });
    expect((await get('/releaseservers/demoserver?os=centos&count=3')).body).toBe('[\n  "demoserver1",\n  "demoserver2",\n  "demoserver3"\n]');
    expect((await get('/getavailablecount/centos')).body).toBe('10');
  });
  it('answers 400 Error: on bad input', async () => {
    for (const p of ['/getservers/a?os=centos&count=0', '/getservers/a?os=centos&count=99', '/getservers/a?os=nosuch', '/getservers/a?os=centos&cpus=x', '/getservers/a?os=centos&mem=x', '/getservers/a?os=centos&expiresin=0', '/getservers/..%2Fetc?os=centos', '/getservers/a%3Bb?os=centos', `/getservers/${'a'.repeat(64)}?os=centos`]) {
      const r = await get(p);
      expect(r.status, p).toBe(400);
      expect(r.body.startsWith('Error:'), p).toBe(true);
    }
  });
  it('answers 429 over the quota (VMs held, expiry)', async () => {
    const r = await get('/getservers/big?os=centos&count=5');
    expect(r.status).toBe(429);
    expect(r.body).toMatch(/^Error: big: over quota/);
    expect((await get('/getservers/long?os=centos&expiresin=61')).status).toBe(429);
  });
  it('makes no second VM for a replayed Idempotency-Key', async () => {
    const before = leases.made;
    const ask = () => get('/api/v1/pools/centos/leases', `alice:${secret}`, { method: 'POST', headers: { 'idempotency-key': 'k-1', 'content-type': 'application/json' }, body: JSON.stringify({ username: 'idem', count: 2 }) });
    const a = await ask();
    const b = await ask();
    expect(a.status).toBe(202);
    expect(JSON.parse(b.body).leases.map((l: Lease) => l.id)).toEqual(JSON.parse(a.body).leases.map((l: Lease) => l.id));
    expect(leases.made - before).toBe(2);
    const ids = JSON.parse(a.body).leases.map((l: Lease) => l.id) as string[];
    expect((await get(`/api/v1/leases/${ids[0]}`, `bob:${other}`)).status).toBe(404);
    expect((await get(`/api/v1/leases/${ids[0]}`, `bob:${other}`, { method: 'DELETE' })).status).toBe(404);
    for (const id of ids) expect((await get(`/api/v1/leases/${id}`, `alice:${secret}`, { method: 'DELETE' })).status).toBe(202);
  });
  it('refuses an over-long body and bad JSON', async () => {
    const big = await get('/api/v1/pools/centos/leases', `alice:${secret}`, { method: 'POST', body: 'x'.repeat(20_000) });
    expect(big.status).toBe(413);
    const bad = await get('/api/v1/pools/centos/leases', `alice:${secret}`, { method: 'POST', body: '{' });
    expect(bad.status).toBe(400);
    const unknown = await get('/api/v1/pools/centos/leases', `alice:${secret}`, { method: 'POST', body: JSON.stringify({ username: 'x', owner: 'someone' }) });
    expect(unknown.status).toBe(400);
  });
  it('serves an OpenAPI document made from the zod schemas', async () => {
    const r = await get('/api/v1/openapi.json', null);
    expect(r.status).toBe(200);
    const doc = JSON.parse(r.body);
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/pools/{os}/leases', '/api/v1/leases/{id}', '/api/v1/history']));
    expect(doc.components.schemas.LeaseRequest.properties.count.maximum).toBe(50);
    expect(doc.components.schemas.Lease.properties.ipaddr).toBeDefined();
  });
});
