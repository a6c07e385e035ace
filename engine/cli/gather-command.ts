import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HangarError } from '../contract/errors';
import type { GatherResult } from '../contract/diagnostics';
import type { Job } from '../contract/jobs';
import { defaultDataDir } from '../data-dir';
import { runningLocalSocket } from '../hosts/local-host';
import { createEngine } from '../engine';
import { openLogFile } from '../log-file';
import { createLogger } from '../logger';
import { headlessCipher } from '../secrets/key-cipher';
import { hostsSettled, vmIdByName } from './cli-lookups';

export const GATHER_USAGE = `Usage: hangar gather [options]

Collects a diagnostics bundle (one .tar.gz) from hosts, read-only. Without --host it uses the
hosts Hangar already knows (its data dir); with --host it reaches the hosts given here over SSH
(~/.ssh/config, known_hosts and ssh-agent honoured) and stores nothing.

  --host [USER@]ADDR[:PORT]   a host to collect from (repeatable); else the data dir's hosts
  --identity FILE             SSH key for --host hosts
  --accept-host-key SHA256:…  trust this host key fingerprint (after checking it) for --host
  --only NAME                 only these known hosts, by name (repeatable)
  --vm NAME                   VM details only for these VMs (repeatable)
  --no-vm-details             leave out per-VM details (XMLs and states are still collected)
  --images                    add qemu-img info of every volume (the image library)
  --since 24h                 log window: 90m, 24h, 7d or all (default 24h)
  --parallel 5                hosts collected at the same time (default 5)
  --screenshots               a screenshot of each running VM with a display
  --no-redact                 keep passwords, keys and tokens (needs --i-understand-unredacted)
  --output DIR                where to write the bundle (default: the current directory)
  --data-dir DIR              Hangar's data dir (default: the app's)`;

function parseHost(spec: string): { address: string; user?: string; port?: number } {
  const m = /^(?:([^@]+)@)?([^:@]+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new HangarError('INVALID_PARAMS', `--host ${spec}: expected [USER@]ADDR[:PORT]`);
  return { address: m[2]!, ...(m[1] ? { user: m[1] } : {}), ...(m[3] ? { port: Number(m[3]) } : {}) };
}

export async function gatherCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', multiple: true },
      identity: { type: 'string' },
      'accept-host-key': { type: 'string', multiple: true },
      only: { type: 'string', multiple: true },
      vm: { type: 'string', multiple: true },
      'no-vm-details': { type: 'boolean', default: false },
      images: { type: 'boolean', default: false },
      since: { type: 'string', default: '24h' },
      parallel: { type: 'string', default: '5' },
      screenshots: { type: 'boolean', default: false },
      'no-redact': { type: 'boolean', default: false },
      'i-understand-unredacted': { type: 'boolean', default: false },
      output: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(GATHER_USAGE);
    return;
  }
  const adHoc = (values.host ?? []).map(parseHost);
  // Ad-hoc hosts live in a throwaway data dir: nothing of the field engineer's session is kept.
  const scratch = adHoc.length ? fs.mkdtempSync(path.join(os.tmpdir(), 'hangar-gather-')) : null;
  const dataDir = scratch ?? (values['data-dir'] ? path.resolve(values['data-dir']) : defaultDataDir());
  const logFile = openLogFile(dataDir);
  const engine = await createEngine({
    dataDir,
    logger: createLogger((line) => logFile.write(line)),
    runtime: 'serve',
    // One bundle and out: no metrics sampling, periodic health checks or reconcile (the bundle runs its own checks).
    background: false,
    // Diagnostics look at the machine as it is: a local daemon is included if it runs, never started.
    localLibvirt: adHoc.length ? 'none' : ((await runningLocalSocket()) ?? 'none'),
    secrets: await headlessCipher({ keyFile: path.join(dataDir, 'secret.key') }),
  });
  const ac = new AbortController();
  let jobId: string | null = null;
  const onSigint = (): void => {
    if (jobId) void engine.call('jobs.cancel', { jobId }).catch(() => undefined);
    ac.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const accepted = values['accept-host-key'] ?? [];
    let reached = 0;
    for (const h of adHoc) {
      let added = false;
      for (const fp of [undefined, ...accepted]) {
        try {
          await engine.call('hosts.add', { ...h, auth: values.identity ? 'key' : 'auto', ...(values.identity ? { keyPath: path.resolve(values.identity) } : {}), ...(fp ? { acceptHostKey: fp } : {}) }, ac.signal);
          added = true;
          break;
        } catch (err) {
          const e = HangarError.from(err);
          // A host that cannot be reached does not stop the others (as in the bundle itself).
          if (e.code === 'UNREACHABLE' || e.code === 'TIMEOUT') {
            console.error(`skipped: ${h.address}: ${e.message}`);
            break;
          }
          if (e.code !== 'HOST_KEY_UNKNOWN') throw e;
          if (fp === accepted[accepted.length - 1] || accepted.length === 0) {
            throw new HangarError('HOST_KEY_UNKNOWN', `${h.address}: unknown host key ${String(e.details?.['fingerprint'] ?? '')}; check it and pass --accept-host-key ${String(e.details?.['fingerprint'] ?? 'SHA256:…')}`);
          }
        }
      }
      if (added) reached++;
    }
    if (adHoc.length && reached === 0) throw new HangarError('UNREACHABLE', 'None of the hosts given with --host could be reached');
    // Known hosts connect in the background: an unreachable one is skipped later.
    await hostsSettled(engine);
    const { hosts } = await engine.call('hosts.list', {});
    const only = values.only ?? [];
    const unknown = only.filter((n) => !hosts.some((h) => h.name === n));
    if (unknown.length) throw new HangarError('NOT_FOUND', `No host named ${unknown.join(', ')} (known: ${hosts.map((h) => h.name).join(', ') || 'none'})`);
    const hostIds = only.length ? hosts.filter((h) => only.includes(h.name)).map((h) => h.id) : undefined;
    let vmIds: string[] | undefined;
    if (values.vm?.length) {
      vmIds = [];
      for (const n of values.vm) vmIds.push(await vmIdByName(engine, n));
    }
    const ref = await engine.call('diagnostics.gather', {
      ...(hostIds ? { hostIds } : {}),
      ...(vmIds ? { vmIds } : {}),
      vmDetails: !values['no-vm-details'],
      images: values.images,
      since: values.since,
      parallel: Number(values.parallel),
      screenshots: values.screenshots,
      redact: !values['no-redact'],
      confirmUnredacted: values['i-understand-unredacted'],
      outputDir: path.resolve(values.output ?? process.cwd()),
    });
    jobId = ref.jobId;
    const job = await new Promise<Job>((resolve) => {
      const off = engine.subscribe('job.updated', { jobId: ref.jobId }, (j) => {
        if (j.step?.args?.['hosts']) process.stderr.write(`\r${Math.round((j.progress ?? 0) * 100)}% ${String(j.step.args['hosts'])}   `);
        if (j.state === 'succeeded' || j.state === 'failed' || j.state === 'cancelled') {
          off();
          resolve(j);
        }
      });
    });
    process.stderr.write('\n');
    if (job.state !== 'succeeded') throw new HangarError(job.error?.code ?? 'CANCELLED', `gather ${job.state}: ${job.error?.message ?? ''}`);
    const r = job.result as GatherResult;
    for (const s of r.skipped) console.error(`skipped: ${s.replace(/\t/g, ': ')}`);
    console.log(r.path);
  } finally {
    process.off('SIGINT', onSigint);
    await engine.close();
    await logFile.close();
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  }
}
