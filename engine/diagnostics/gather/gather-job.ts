import fs from 'node:fs/promises';
import path from 'node:path';
import { HangarError } from '../../contract/errors';
import type { z } from 'zod';
import type { GatherParams, GatherResult } from '../../contract/diagnostics';
import type { Host } from '../../contract/hosts';
import type { Vm } from '../../contract/vms';
import type { JobContext, JobHandler } from '../../jobs/job-runner';
import type { LibvirtConnection } from '../../libvirt';
import type { SshConnection } from '../../ssh';
import { BundleWriter } from './bundle-writer';
import { collectHost } from './collect-host';
import { redactObject } from './redact';

type Params = z.output<typeof GatherParams>;

export interface GatherDeps {
  appVersion: string;
  dataDir: string;
  hosts(): Host[];
  vms(): Vm[];
  ssh(hostId: string): SshConnection | null;
  libvirt(hostId: string): LibvirtConnection;
  /** Hangar's own side, as files under `hangar/` (JSON values are written pretty-printed). */
  engineSide(sinceMs: number | null): Promise<Record<string, unknown>>;
  commandTimeoutMs?: number;
}

export function sinceSeconds(since: string): number | null {
  if (since === 'all') return null;
  const n = Number(since.slice(0, -1));
  return n * { m: 60, h: 3600, d: 86400 }[since.slice(-1) as 'm' | 'h' | 'd'];
}

/** Checked before the job starts, so a bad scope or a missing confirmation is refused at once. */
export function planGather(p: Params, deps: GatherDeps): { hosts: Host[]; vmUuids: Map<string, Set<string>> | null } {
  if (!p.redact && !p.confirmUnredacted) throw new HangarError('INVALID_PARAMS', 'An unredacted bundle carries passwords and keys: confirm it explicitly (confirmUnredacted)');
  const all = deps.hosts();
  const ids = new Set(p.hostIds ?? (p.vmIds ? [] : all.map((h) => h.id)));
  let vmUuids: Map<string, Set<string>> | null = null;
  if (p.vmIds) {
    vmUuids = new Map();
    const vms = deps.vms();
    for (const id of p.vmIds) {
      const vm = vms.find((v) => v.id === id);
      if (!vm) throw new HangarError('NOT_FOUND', `No VM ${id}`);
      ids.add(vm.hostId);
      vmUuids.set(vm.hostId, (vmUuids.get(vm.hostId) ?? new Set()).add(vm.uuid));
    }
  }
  const hosts = all.filter((h) => ids.has(h.id));
  for (const id of ids) if (!all.some((h) => h.id === id)) throw new HangarError('NOT_FOUND', `No host ${id}`);
  if (hosts.length === 0) throw new HangarError('INVALID_PARAMS', 'No hosts to collect from: add a host first');
  return { hosts, vmUuids };
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

/**
 * The must-gather job: hosts in parallel (p.parallel at a time), each collected into its folder;
 * an unreachable host is listed in skipped_hosts.txt and the others go on. The bundle is written
 * on the engine's machine as one .tar.gz.
 */
export function gatherJob(p: Params, deps: GatherDeps): JobHandler {
  const plan = planGather(p, deps);
  return async (ctx: JobContext) => {
    const outDir = p.outputDir ? path.resolve(p.outputDir) : path.join(deps.dataDir, 'bundles');
    await fs.mkdir(outDir, { recursive: true, mode: 0o700 });
    const base = `diag-${stamp(new Date())}-${deps.appVersion}`;
    const file = path.join(outDir, `${base}.tar.gz`);
    const options = { ...p, hostIds: plan.hosts.map((h) => h.name) };
    const w = new BundleWriter(file, base, p.redact, { appVersion: deps.appVersion, options });
    const sinceSec = sinceSeconds(p.since);
    const sinceEpoch = sinceSec === null ? null : Math.floor(Date.now() / 1000) - sinceSec;
    const skipped: string[] = [];
    const perHost = new Map<string, [number, number]>(plan.hosts.map((h) => [h.name, [0, 1]]));
    let shown = 0;
    const report = (): void => {
      let done = 0;
      let total = 0;
      for (const [d, t] of perHost.values()) {
        done += d / t;
        total += 1;
      }
      const hosts = [...perHost].map(([n, [d, t]]) => `${n} ${d}/${t}`).join(', ');
      // Totals grow as a host's domains and files are discovered: the bar never goes back.
      shown = Math.max(shown, total ? (done / total) * 0.95 : 0);
      ctx.progress(shown, { key: 'job.gather.step', args: { hosts } });
    };
    try {
      w.logLine(`gather: ${plan.hosts.length} host(s), since ${p.since}, parallel ${p.parallel}, vmDetails ${p.vmDetails}, images ${p.images}, redact ${p.redact}`);
      // Hangar's own side is gathered beside the hosts.
      const side = (async () => {
        const t = Date.now();
        const files = await deps.engineSide(sinceEpoch === null ? null : sinceEpoch * 1000);
        for (const [name, value] of Object.entries(files)) {
          const body = typeof value === 'string' ? value : JSON.stringify(p.redact ? redactObject(value) : value, null, 1);
          await w.put(`hangar/${name}`, body);
          w.item({ host: null, out: `hangar/${name}`, kind: 'hangar', command: `engine: ${name}`, exitCode: 0, startedAt: t, durationMs: Date.now() - t, stderr: '' });
        }
      })();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < plan.hosts.length && !ctx.signal.aborted) {
          const h = plan.hosts[next++]!;
          w.logLine(`${h.name}: start`);
          if (h.state !== 'connected' && h.kind === 'ssh') {
            // The link may be reconnecting: SSH alone can still give logs and files.
            w.logLine(`${h.name}: host is ${h.state}${h.lastError ? `: ${h.lastError.message}` : ''}`);
          }
          const ssh = h.kind === 'ssh' ? deps.ssh(h.id) : null;
          if (ssh) {
            try {
              await ssh.connect({ signal: ctx.signal, timeoutMs: 20_000 });
            } catch (err) {
              if (ctx.signal.aborted) return;
              const msg = HangarError.from(err).message;
              skipped.push(`${h.name}\tunreachable\t${msg}`);
              w.logLine(`${h.name}: skipped: ${msg}`);
              perHost.set(h.name, [1, 1]);
              report();
              continue;
            }
          }
          const r = await collectHost(
            { name: h.name, ssh, libvirt: () => deps.libvirt(h.id), vmUuids: plan.vmUuids ? (plan.vmUuids.get(h.id) ?? new Set()) : null },
            w,
            {
              vmDetails: p.vmDetails,
              images: p.images,
              screenshots: p.screenshots,
              sinceEpochSec: sinceEpoch,
              signal: ctx.signal,
              commandTimeoutMs: deps.commandTimeoutMs ?? 60_000,
              progress: (d, t) => {
                perHost.set(h.name, [d, t]);
                report();
              },
            },
          );
          if (r.libvirtError) skipped.push(`${h.name}\tlibvirt unreachable (partial: SSH items collected)\t${r.libvirtError}`);
          w.logLine(`${h.name}: done, ${r.failed} failed item(s)`);
        }
      };
      await Promise.all([side, ...Array.from({ length: Math.min(p.parallel, plan.hosts.length) }, worker)]);
      if (ctx.signal.aborted) throw new HangarError('CANCELLED', 'Cancelled');
      ctx.progress(0.97, { key: 'job.gather.writing', args: {} });
      await w.finish({ skipped, version: `Hangar ${deps.appVersion}\nbundle format hangar-bundle/1\n` });
      const st = await fs.stat(file);
      const result: GatherResult = { path: file, bytes: st.size, hosts: plan.hosts.length, skipped, files: Object.keys(w.manifest.files).length + 1 };
      return result;
    } catch (err) {
      await w.abort();
      await fs.rm(file, { force: true });
      throw err;
    }
  };
}
