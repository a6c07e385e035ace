/**
 * Every procedure definition Hangar has, by number: for decoding captured traffic, tracing, and
 * the fixture tests that check each codec against libvirt's own bytes.
 */
import * as connect from './connect';
import * as domain from './domain';
import * as events from './events';
import * as jobs from './jobs';
import * as migrate from './migrate';
import * as network from './network';
import * as snapshot from './snapshot';
import * as storage from './storage';
import type { ProcedureDef } from './procedure';

function isProc(v: unknown): v is ProcedureDef<unknown, unknown> {
  return typeof v === 'object' && v !== null && 'proc' in v && 'args' in v && 'ret' in v && 'program' in v;
}

function collect(): Map<number, ProcedureDef<unknown, unknown>> {
  const out = new Map<number, ProcedureDef<unknown, unknown>>();
  for (const mod of [connect, domain, events, jobs, migrate, network, snapshot, storage]) {
    for (const v of Object.values(mod)) {
      if (!isProc(v)) continue;
      const seen = out.get(v.proc);
      if (seen && seen !== v) throw new Error(`procedure ${v.proc} defined twice (${seen.name}, ${v.name})`);
      out.set(v.proc, v);
    }
  }
  return out;
}

export const PROCEDURES: ReadonlyMap<number, ProcedureDef<unknown, unknown>> = collect();
