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
  /** Releases the lab: the last holder out takes it down if a holder brought it up. */
  release(): void;
}

/** A lab with at least `hosts` hosts and `domainsPerHost` bench domains on each, shared with any other runner. */
export function ensureLab(log: (msg: string) => void, hosts: number, domainsPerHost = 0): BenchLab {
  log(`acquiring the lab: ${hosts} host(s)${domainsPerHost ? `, ${domainsPerHost} domains each` : ''}`);
  const holder = String(process.pid);
  const args = ['acquire', '--hosts', String(hosts), '--holder', holder, ...(domainsPerHost ? ['--domains', String(domainsPerHost)] : [])];
  if (spawnSync(process.execPath, [LAB_SCRIPT, ...args], { stdio: ['ignore', 2, 2] }).status !== 0) throw new Error('lab up failed');
  return { lab: readLabInfo(), release: () => void spawnSync(process.execPath, [LAB_SCRIPT, 'release', '--holder', holder], { stdio: ['ignore', 2, 2] }) };
}
