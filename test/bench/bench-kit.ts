/**
 * What every benchmark shares: statistics, a named stderr log (stdout is kept for the one JSON
 * line), and the lab — reused when one fits, else brought up here and taken down afterwards.
 */
import { spawnSync } from 'node:child_process';
import { LAB_SCRIPT, readLabInfo, type LabInfo } from '../lab/lab-info';

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.max(0, Math.ceil((xs.length * p) / 100) - 1))]!;

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

export const benchLog =
  (name: string) =>
  (msg: string): void =>
    void process.stderr.write(`[bench:${name}] ${msg}\n`);

export interface BenchLab {
  lab: LabInfo;
  /** Takes the lab down if this run brought it up. */
  release(): void;
}

/** A lab with at least `hosts` hosts and `domainsPerHost` bench domains on each. */
export function ensureLab(log: (msg: string) => void, hosts: number, domainsPerHost = 0): BenchLab {
  try {
    const lab = readLabInfo();
    if (lab.hosts.length >= hosts && (lab.domainsPerHost ?? 0) >= domainsPerHost) return { lab, release: () => undefined };
  } catch {
    // no lab yet
  }
  log(`bringing the lab up: ${hosts} host(s)${domainsPerHost ? `, ${domainsPerHost} domains each` : ''}`);
  const args = ['up', '--hosts', String(hosts), ...(domainsPerHost ? ['--domains', String(domainsPerHost)] : [])];
  if (spawnSync(process.execPath, [LAB_SCRIPT, ...args], { stdio: ['ignore', 2, 2] }).status !== 0) throw new Error('lab up failed');
  return { lab: readLabInfo(), release: () => void spawnSync(process.execPath, [LAB_SCRIPT, 'down'], { stdio: ['ignore', 2, 2] }) };
}
