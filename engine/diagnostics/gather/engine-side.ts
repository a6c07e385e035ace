import fs from 'node:fs/promises';
import path from 'node:path';

/** The engine log's tail that goes into a bundle. */
const LOG_TAIL_BYTES = 4 * 1024 * 1024;

async function tail(file: string, bytes: number): Promise<string | null> {
  try {
    const h = await fs.open(file, 'r');
    try {
      const { size } = await h.stat();
      const start = Math.max(0, size - bytes);
      const buf = Buffer.alloc(size - start);
      await h.read(buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      await h.close();
    }
  } catch {
    return null;
  }
}

/**
 * Hangar's own side of a bundle (`hangar/…`): what the engine knows about the fleet, its tasks,
 * history, alerts and health results, its settings and version. Values are redacted by the writer.
 */
export async function engineSide(s: {
  dataDir: string;
  appVersion: string;
  hosts: unknown[];
  vms: unknown[];
  jobs: Array<{ createdAt: number }>;
  events: Promise<Array<{ at: number }>>;
  alerts: Promise<unknown[]>;
  health: Promise<unknown>;
  settings: unknown;
  since: number | null;
}): Promise<Record<string, unknown>> {
  const inWindow = <T extends { at?: number; createdAt?: number }>(xs: T[]): T[] => (s.since === null ? xs : xs.filter((x) => (x.at ?? x.createdAt ?? 0) >= s.since!));
  const [events, alerts, health, log] = await Promise.all([s.events, s.alerts, s.health, tail(path.join(s.dataDir, 'engine.log'), LOG_TAIL_BYTES)]);
  return {
    'app-version.json': { appVersion: s.appVersion, node: process.versions.node, platform: process.platform, arch: process.arch },
    'hosts.json': s.hosts,
    'inventory.json': s.vms,
    'jobs.json': inWindow(s.jobs),
    'events.json': inWindow(events),
    'alerts-history.json': alerts,
    'health-results.json': health,
    'settings-redacted.json': s.settings,
    ...(log !== null ? { 'engine.log': log } : {}),
  };
}
