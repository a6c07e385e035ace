import type { Alert, Finding } from '../../contract/diagnostics';
import { kvmUsable, type Host } from '../../contract/hosts';
import type { Job } from '../../contract/jobs';
import { Collection } from '../../events/collection';
import { StoragePoolState, type LibvirtConnection } from '../../libvirt';
import type { Logger } from '../../logger';
import type { SshConnection } from '../../ssh';
import type { Db } from '../../store/db';
import { evaluate } from './evaluate';
import { clockOffset, kernelKvmErrors, outdatedQemu, parseCerts, reasonWord, stateWord, vmFromSummary } from './parse';
import type { DomainSummary } from '../../xml/domain-read';
import type { HealthSnapshot, HostSnap } from './snapshot';
import { taskLeftovers } from './task-leftovers';
import { hostCommands } from '../gather/host-items';

export interface HealthDeps {
  hosts(): Host[];
  libvirt(hostId: string): LibvirtConnection;
  ssh(hostId: string): SshConnection | null;
  jobs(): Job[];
  /** The inventory's model of each host's domains (no second fetch and parse of every XML). */
  domainsOn(hostId: string): Array<{ summary: DomainSummary; state: number | null; reason: number | null }>;
  db: Db;
  logger: Logger;
}

const PROBE_TIMEOUT_MS = 15_000;
/** The probe's commands are the bundle's own (same files, same parsers). */
const PROBE = new Map(hostCommands(Math.floor(Date.now() / 1000)).map((c) => [c.out, c.command]));
const probeCommand = (out: string): string => PROBE.get(out)!;

/**
 * Health checks on live data: a snapshot of every host (libvirt over RPC plus a few read-only
 * commands over SSH), the catalogue's evaluators, and the result as the `alerts` collection.
 * An alert keeps its id while its condition lasts; when it clears it is resolved in SQLite.
 */
export class HealthService {
  readonly alerts = new Collection<Alert>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<Finding[]> | null = null;

  constructor(private readonly deps: HealthDeps) {}

  async init(): Promise<void> {
    const rows = await this.deps.db.all<{ data: string }>('SELECT data FROM alerts WHERE resolved_at IS NULL');
    this.alerts.upsert(rows.map((r) => JSON.parse(r.data) as Alert));
  }

  start(intervalMs: number): void {
    // A first run soon after start, once hosts had a moment to connect; then periodically.
    setTimeout(() => void this.run().catch(() => undefined), Math.min(intervalMs, 20_000)).unref();
    this.timer = setInterval(() => void this.run().catch((err: unknown) => this.deps.logger.warn('health run failed', { error: String(err) })), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Runs every check now (a run already under way is joined). */
  run(): Promise<Finding[]> {
    this.running ??= this.runOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runOnce(): Promise<Finding[]> {
    const snap = await this.snapshot();
    const findings = evaluate(snap);
    const now = Date.now();
    const seen = new Set<string>();
    const upserts: Alert[] = [];
    for (const f of findings) {
      seen.add(f.id);
      const prev = this.alerts.get(f.id);
      upserts.push({ ...f, firstSeen: prev?.firstSeen ?? now, lastSeen: now });
    }
    const gone = this.alerts.values().filter((a) => !seen.has(a.id));
    this.alerts.upsert(upserts);
    if (gone.length) this.alerts.remove(gone.map((a) => a.id));
    await this.deps.db
      .batch([
        ...upserts.map((a) => ({
          sql: 'INSERT INTO alerts(id, check_id, severity, host_id, vm_id, data, first_seen, last_seen, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT(id) DO UPDATE SET severity = excluded.severity, data = excluded.data, last_seen = excluded.last_seen, resolved_at = NULL',
          params: [a.id, a.checkId, a.severity, a.hostId, a.vmId, JSON.stringify(a), a.firstSeen, a.lastSeen],
        })),
        ...gone.map((a) => ({ sql: 'UPDATE alerts SET resolved_at = ? WHERE id = ?', params: [now, a.id] })),
      ])
      .catch((err: unknown) => this.deps.logger.error('alerts write failed', { error: String(err) }));
    return findings;
  }

  /** Alert history (active and resolved) for bundles. */
  async history(sinceMs: number | null): Promise<unknown[]> {
    const rows = await this.deps.db.all<{ data: string; resolved_at: number | null }>('SELECT data, resolved_at FROM alerts WHERE last_seen >= ? ORDER BY last_seen DESC LIMIT 5000', [sinceMs ?? 0]);
    return rows.map((r) => ({ ...(JSON.parse(r.data) as Alert), resolvedAt: r.resolved_at }));
  }

  async snapshot(): Promise<HealthSnapshot> {
    // A host the user disconnected, or one still connecting, is not judged.
    const hosts = await Promise.all(this.deps.hosts().filter((h) => h.state !== 'disconnected' && h.state !== 'connecting').map((h) => this.probeHost(h)));
    const migrationFailures = this.deps
      .jobs()
      .filter((j) => j.kind === 'vm.migrate' && j.state === 'failed')
      .map((j) => ({ vmName: String(j.title.args?.['name'] ?? j.title.args?.['vm'] ?? '?'), hostId: j.hostId ?? null, at: j.finishedAt ?? Date.now() }));
    return { now: Date.now(), hosts, migrationFailures, taskLeftovers: taskLeftovers(this.deps.jobs(), (id) => this.deps.hosts().find((h) => h.id === id)?.name) };
  }

  private async probeHost(h: Host): Promise<HostSnap> {
    const snap: HostSnap = {
      id: h.id,
      name: h.name,
      reachable: true,
      reachError: null,
      libvirtUp: h.state === 'connected',
      libvirtError: h.state === 'connected' ? null : (h.lastError?.message ?? h.state),
      // What the probe found working, not what libvirt offers: a kvm_pvm /dev/kvm is offered but runs nothing.
      kvm: h.facts ? kvmUsable(h.facts) : null,
      libvirtVersion: h.facts?.libvirtVersion ?? null,
      qemuVersion: h.facts?.hypervisorVersion ?? null,
      cpuModel: h.facts?.cpuModel ?? null,
      cpus: h.facts?.cpus ?? null,
      memoryKiB: h.facts?.memoryKiB ?? null,
      clockOffsetSec: null,
      pools: [],
      certs: [],
      kernelKvmErrors: [],
      outdatedQemu: [],
      vms: [],
    };
    if (h.state === 'connected') {
      try {
        const conn = this.deps.libvirt(h.id);
        const pools = await conn.listAllStoragePools(0);
        const infos = await Promise.all(pools.map((p) => conn.storagePoolGetInfo(p)));
        snap.pools = pools.map((p, i) => ({ name: p.name, active: infos[i]!.state === StoragePoolState.RUNNING, capacity: infos[i]!.capacity, available: infos[i]!.available }));
        snap.vms = this.deps.domainsOn(h.id).flatMap((d) => {
          if (d.state === null) return [];
          const state = stateWord(d.state);
          return [vmFromSummary(d.summary, state, reasonWord(state, d.reason ?? 0))];
        });
      } catch (err) {
        snap.libvirtUp = false;
        snap.libvirtError = String(err instanceof Error ? err.message : err);
      }
    }
    const ssh = h.kind === 'ssh' ? this.deps.ssh(h.id) : null;
    if (ssh) {
      const exec = (out: string) => ssh.exec(probeCommand(out), { timeoutMs: PROBE_TIMEOUT_MS });
      try {
        const t = Date.now();
        const clock = await exec('clock.txt');
        snap.clockOffsetSec = clockOffset(clock.stdout, t, Date.now() - t);
        const [tls, dmesg, procs] = await Promise.all([exec('libvirt/tls-expiry.txt'), ssh.exec('dmesg 2>/dev/null | tail -n 2000', { timeoutMs: PROBE_TIMEOUT_MS }), exec('qemu-processes.txt')]);
        snap.certs = parseCerts(tls.stdout);
        snap.kernelKvmErrors = kernelKvmErrors(dmesg.stdout);
        snap.outdatedQemu = outdatedQemu(procs.stdout);
      } catch (err) {
        if (h.state !== 'connected') {
          snap.reachable = false;
          snap.reachError = h.lastError?.message ?? String(err instanceof Error ? err.message : err);
        }
      }
    } else if (h.state === 'unreachable') {
      snap.reachable = false;
      snap.reachError = h.lastError?.message ?? 'unreachable';
    }
    return snap;
  }
}
