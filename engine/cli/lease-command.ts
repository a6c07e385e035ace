import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { HangarError } from '../contract/errors';
import type { Lease } from '../contract/pools';
import type { Engine } from '../engine';
import { withCliEngine } from './cli-engine';

export const LEASE_USAGE = `Usage: hangar lease <get|release|list> [options]

Disposable VMs from a pool (hangar pools), on the hosts Hangar knows (its data dir).

  get --os OS [--count N] [--expires 30m|2h|90] [--name NAME] [--cpus N] [--memory MiB]
      [--host HOST] [--ssh-key FILE]… [--wait]
                              leases N VMs named NAME, or NAME1..N (default NAME: your user
                              name); --wait prints their addresses once they have them
  release NAME…               deletes the VMs and their disks
  list [--os OS] [--all]      live leases (--all: with the ended ones of the history)
  --data-dir DIR              Hangar's data dir (default: the app's)`;

export const POOLS_USAGE = `Usage: hangar pools <list|import-ini FILE> [options]

  list                        the pools, their base images and capacity
  import-ini FILE [--network NAME]
                              the seed's .dynvmservice.ini: [common] expiry and network timeout,
                              [xenhostN] sections mapped to Hangar hosts by address, <os>.template=
                              lines as each host's base image in its host.storage.name pool
  --data-dir DIR              Hangar's data dir (default: the app's)`;

/** `30m`, `2h`, `1d` or plain minutes. */
export function parseExpiry(s: string): number {
  const m = /^(\d+)\s*([mhd]?)$/i.exec(s.trim());
  if (!m) throw new HangarError('INVALID_PARAMS', `--expires ${s}: use minutes (90), or 30m, 2h, 1d`);
  const n = Number(m[1]) * ({ '': 1, m: 1, h: 60, d: 1440 }[m[2]!.toLowerCase() as '' | 'm' | 'h' | 'd'] ?? 1);
  if (n < 1) throw new HangarError('INVALID_PARAMS', '--expires must be at least one minute');
  return n;
}

const when = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '-');

function table(leases: Lease[]): string {
  if (!leases.length) return '(no leases)';
  const rows = leases.map((l) => [l.name, l.os, l.state, l.ipaddr ?? '-', l.hostName ?? '-', when(l.expiresAt), l.owner]);
  const head = ['NAME', 'OS', 'STATE', 'ADDRESS', 'HOST', 'EXPIRES (UTC)', 'OWNER'];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd()).join('\n');
}

/** Waits for the request's job: with `wait`, until the addresses; otherwise until the VMs are defined and started. */
async function followAcquire(engine: Engine, leases: Lease[], wait: boolean): Promise<Lease[]> {
  const ids = leases.map((l) => l.id);
  for (;;) {
    const now = await Promise.all(ids.map((id) => engine.call('leases.get', { id })));
    const failed = now.find((l) => l.state === 'failed' || l.state === 'released' || l.state === 'expired');
    if (failed) throw failed.error ? HangarError.fromData(failed.error) : new HangarError('CONFLICT', `${failed.name} is ${failed.state}`);
    if (now.every((l) => l.state === 'ready')) return now;
    if (!wait && now.every((l) => l.state === 'ready' || l.vmUuid)) return now;
    process.stderr.write(`\r${now.filter((l) => l.state === 'ready').length}/${now.length} ready   `);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function leaseCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      os: { type: 'string' },
      count: { type: 'string', default: '1' },
      expires: { type: 'string' },
      name: { type: 'string' },
      cpus: { type: 'string' },
      memory: { type: 'string' },
      host: { type: 'string' },
      'ssh-key': { type: 'string', multiple: true },
      wait: { type: 'boolean', default: false },
      all: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  const [verb, ...names] = positionals;
  if (values.help || !verb) {
    console.log(LEASE_USAGE);
    return;
  }
  if (verb === 'get') {
    if (!values.os) throw new HangarError('INVALID_PARAMS', `hangar lease get: --os needed\n\n${LEASE_USAGE}`);
    const num = (s: string | undefined, what: string) => {
      if (s === undefined) return undefined;
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) throw new HangarError('INVALID_PARAMS', `${what} ${s}: a whole number ≥ 1`);
      return n;
    };
    const keys = await Promise.all((values['ssh-key'] ?? []).map(async (f) => (await fs.readFile(f, 'utf8')).trim()));
    const username = values.name ?? ((process.env.USER || 'lease').replace(/[^A-Za-z0-9-]/g, '-').replace(/^-+/, '') || 'lease');
    await withCliEngine(values['data-dir'], async (engine) => {
      const hostId = values.host ? (await engine.call('hosts.list', {})).hosts.find((h) => h.id === values.host || h.name === values.host || h.address === values.host)?.id : undefined;
      if (values.host && !hostId) throw new HangarError('NOT_FOUND', `No host ${values.host}`);
      const res = await engine.call('leases.acquire', {
        os: values.os!,
        username,
        count: num(values.count, '--count') ?? 1,
        ...(values.expires ? { expiresInMinutes: parseExpiry(values.expires) } : {}),
        ...(values.cpus ? { cpus: num(values.cpus, '--cpus') } : {}),
        ...(values.memory ? { memoryMiB: num(values.memory, '--memory') } : {}),
        ...(hostId ? { hostId } : {}),
        sshAuthorizedKeys: keys,
        owner: 'cli',
      });
      const leases = await followAcquire(engine, res.leases, values.wait);
      process.stderr.write('\r');
      console.log(table(leases));
      if (!values.wait) console.log('\n(addresses follow when `hangar serve` or the app runs: hangar lease list)');
    });
    return;
  }
  if (verb === 'release') {
    if (!names.length) throw new HangarError('INVALID_PARAMS', `hangar lease release: NAME needed\n\n${LEASE_USAGE}`);
    await withCliEngine(values['data-dir'], async (engine) => {
      const res = await engine.call('leases.release', { names });
      for (;;) {
        const job = await engine.call('jobs.get', { jobId: res.jobId });
        if (job.state === 'succeeded') break;
        if (job.state === 'failed' || job.state === 'cancelled' || job.state === 'interrupted') throw job.error ? HangarError.fromData(job.error) : new HangarError('CANCELLED', `release ${job.state}`);
        await new Promise((r) => setTimeout(r, 300));
      }
      console.log(`released: ${res.leases.map((l) => l.name).join(' ')}`);
    });
    return;
  }
  if (verb === 'list') {
    await withCliEngine(values['data-dir'], async (engine) => {
      const live = (await engine.call('leases.list', { ...(values.os ? { os: values.os } : {}) })).leases;
      console.log(table(live));
      if (values.all) {
        const hist = (await engine.call('leases.history', { ...(values.os ? { os: values.os } : {}), limit: 100 })).records.filter((r) => r.state === 'deleted' || r.state === 'failed');
        console.log('\nHISTORY');
        for (const r of hist) console.log(`${r.name}  ${r.os}  ${r.state}${r.endReason ? ` (${r.endReason})` : ''}  ${r.ipaddr ?? '-'}  ${r.origin ?? '-'}  created ${new Date(r.created_time * 1000).toISOString().slice(0, 19)}  took ${r.create_duration_secs ?? '-'} s  lived ${r.live_duration_secs ?? '-'} s`);
      }
    });
    return;
  }
  throw new HangarError('INVALID_PARAMS', `hangar lease: unknown verb '${verb}'\n\n${LEASE_USAGE}`);
}

export async function poolsCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { network: { type: 'string', default: 'default' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    strict: true,
  });
  const [verb, file] = positionals;
  if (values.help || !verb) {
    console.log(POOLS_USAGE);
    return;
  }
  if (verb === 'import-ini') {
    if (!file) throw new HangarError('INVALID_PARAMS', `hangar pools import-ini: FILE needed\n\n${POOLS_USAGE}`);
    const text = await fs.readFile(file, 'utf8');
    await withCliEngine(values['data-dir'], async (engine) => {
      const r = await engine.call('pools.importIni', { text, network: values.network });
      console.log(`created: ${r.created.join(' ') || '-'}\nupdated: ${r.updated.join(' ') || '-'}`);
      for (const s of r.skipped) console.log(`skipped [${s.section}]: ${s.reason}`);
      for (const w of r.warnings) console.log(`warning: ${w}`);
    });
    return;
  }
  if (verb === 'list') {
    await withCliEngine(values['data-dir'], async (engine) => {
      const { pools } = await engine.call('pools.list', {});
      if (!pools.length) console.log('(no pools)');
      for (const p of pools) {
        const cap = await engine.call('pools.capacity', { os: p.os }).catch(() => null);
        console.log(`${p.os}  network ${p.network}  ${p.cpus} vCPU ${p.memoryMiB} MiB  expiry ${p.defaultExpiryMinutes}/${p.maxExpiryMinutes} min  available ${cap?.available ?? '?'}`);
        for (const b of p.baseImages) console.log(`  ${b.hostId}: ${b.pool}/${b.volume}`);
      }
    });
    return;
  }
  throw new HangarError('INVALID_PARAMS', `hangar pools: unknown verb '${verb}'\n\n${POOLS_USAGE}`);
}
