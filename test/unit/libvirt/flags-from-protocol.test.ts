/**
 * Issue 14: libvirt's flag and enum values live in engine/libvirt/protocol (flags.ts and friends)
 * and are never typed again. A hand-typed value drifts silently: display-state.ts had
 * VIR_DOMAIN_SHUTOFF_SAVED as 4 (that is MIGRATED), so a migrated-away copy showed as suspended.
 * These checks read the engine's source and name each file:line that types one again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DomainState, PausedReason, ShutoffReason } from '../../../engine/libvirt';
import { displayState } from '../../../engine/inventory/display-state';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const protocolDir = path.join(root, 'engine', 'libvirt', 'protocol');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** A file's `const NAME = <number>` bindings: a name is no better than the number it stands for. */
function numericConsts(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/^(?:export\s+)?const\s+([A-Z][A-Z0-9_]*)\s*=\s*([^;\n]+);/gm)) out.set(m[1]!, m[2]!);
  return out;
}

/** Engine sources outside the protocol definitions. */
const sources = files(path.join(root, 'engine'))
  .filter((f) => !f.startsWith(protocolDir + path.sep))
  .map((f) => {
    const text = fs.readFileSync(f, 'utf8');
    return { file: path.relative(root, f), text, consts: numericConsts(text) };
  });

const at = (file: string, text: string, index: number): string => `${file}:${text.slice(0, index).split('\n').length}`;

/** An expression made only of number literals (1, 0x10, 1 << 29, 1 | 2): a value typed by hand. */
const NUMERIC = /^\(?\s*(?:0x[0-9a-f]+|\d+)(?:\s*(?:\||<<|\+|\*)\s*\(?\s*(?:0x[0-9a-f]+|\d+)\s*\)?)*\s*\)?$/i;
/** True when `expr` (comments dropped, the file's numeric constants put in) is a non-zero number typed by hand. */
function nonZeroNumeric(expr: string, consts: Map<string, string> = new Map()): boolean {
  const e = expr
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\b[A-Z][A-Z0-9_]*\b/g, (n) => consts.get(n) ?? n)
    .trim();
  return NUMERIC.test(e) && !/^\(?\s*0\s*\)?$/.test(e);
}

/** Top-level arguments of the call whose '(' is at `open`. */
function callArgs(text: string, open: number): string[] {
  const args: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if ('([{'.includes(c)) depth++;
    if (')]}'.includes(c)) {
      if (depth === 0) {
        args.push(cur);
        return args;
      }
      depth--;
    }
    if (c === ',' && depth === 0) {
      args.push(cur);
      cur = '';
    } else cur += c;
  }
  return args;
}

/** The LibvirtConnection methods (what the engine calls libvirt through). */
const connectionMethods = (() => {
  const src = fs.readFileSync(path.join(root, 'engine', 'libvirt', 'connection.ts'), 'utf8');
  const names = new Set<string>();
  for (const m of src.matchAll(/^ {2}(?:async\s+)?([a-z]\w*)(?:\s*=\s*(?:async\s*)?\(|\s*(?:<[^>]*>)?\()/gm)) names.add(m[1]!);
  for (const n of ['constructor', 'call', 'close', 'open', 'authenticate', 'twoStepStats']) names.delete(n);
  // listAllDomains(flags), getSysinfo(flags)…: their first argument is a flag too.
  const flagsFirst = new Set([...src.matchAll(/^ {2}(?:async\s+)?([a-z]\w*)(?:\s*=\s*(?:async\s*)?\(|\()\s*flags\b/gm)].map((m) => m[1]!));
  return { names, flagsFirst };
})();

describe('libvirt flags come from libvirt/protocol, never typed again', () => {
  it('finds the connection methods it checks', () => {
    expect(connectionMethods.names.size).toBeGreaterThan(50);
    expect(connectionMethods.names).toContain('domainSetMemoryFlags');
    expect(connectionMethods.names).toContain('getAllDomainStats');
    expect(connectionMethods.flagsFirst).toContain('listAllStoragePools');
  });

  it('no connection method is passed a hand-typed non-zero number (0, "no flags", is fine)', () => {
    const bad: string[] = [];
    for (const { file, text, consts } of sources) {
      for (const m of text.matchAll(/\.([a-z]\w*)\(/g)) {
        if (!connectionMethods.names.has(m[1]!)) continue;
        const open = m.index! + m[0].length - 1;
        // The first argument is an object handle or a value (a name, a size), unless it is the flags.
        const args = callArgs(text, open).slice(connectionMethods.flagsFirst.has(m[1]!) ? 0 : 1);
        if (args.some((a) => nonZeroNumeric(a, consts))) bad.push(`${at(file, text, m.index!)} ${m[1]}(…${args.join(',').trim()})`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no flags, stats, type or source field of a libvirt call is a hand-typed number', () => {
    const bad: string[] = [];
    for (const { file, text, consts } of sources) {
      if (!/from '[./]*\/?libvirt/.test(text) && !file.startsWith(`engine${path.sep}libvirt`)) continue;
      for (const m of text.matchAll(/\b(flags|stats|types|source|eventID):\s*([^,}\n]+)/g)) {
        if (nonZeroNumeric(m[2]!, consts)) bad.push(`${at(file, text, m.index!)} ${m[0]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no libvirt state or reason is compared with a hand-typed number', () => {
    const bad: string[] = [];
    for (const { file, text, consts } of sources) {
      if (!/from '[./]*\/?libvirt/.test(text)) continue; // ssh2's err.reason and the like are not libvirt's
      for (const m of text.matchAll(/\b(state|reason|type)\s*[!=]==?\s*(\d+|[A-Z][A-Z0-9_]*)\b/g)) {
        if (nonZeroNumeric(m[2]!, consts)) bad.push(`${at(file, text, m.index!)} ${m[0]}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no constant documented as a libvirt enum or flag is given a number outside libvirt/protocol', () => {
    const bad: string[] = [];
    for (const { file, text } of sources) {
      // The documented constant and the run of constants right below it (one comment over a group).
      for (const m of text.matchAll(/\/\*\*[^/]*?\b(?:vir[A-Z]\w+|VIR_[A-Z_]+)[^/]*?\*\/\n((?:(?:export\s+)?const\s+\w+\s*=\s*[^;\n]+;\n)+)/g)) {
        const start = m.index! + m[0].length - m[1]!.length;
        for (const c of m[1]!.matchAll(/const\s+(\w+)\s*=\s*([^;\n]+);/g)) {
          if (nonZeroNumeric(c[2]!)) bad.push(`${at(file, text, start + c.index!)} ${c[1]} = ${c[2]}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('display state from libvirt reasons (the values the check above caught typed wrong)', () => {
  it('a managed save is suspended; a copy left behind by a migration is stopped', () => {
    expect(displayState(DomainState.SHUTOFF, ShutoffReason.SAVED)).toBe('suspended');
    expect(displayState(DomainState.SHUTOFF, ShutoffReason.MIGRATED)).toBe('stopped');
    expect(displayState(DomainState.SHUTOFF, ShutoffReason.CRASHED)).toBe('crashed');
    expect(displayState(DomainState.SHUTOFF, ShutoffReason.FAILED)).toBe('error');
    expect(displayState(DomainState.PAUSED, PausedReason.MIGRATION)).toBe('migrating');
    expect(displayState(DomainState.PAUSED, PausedReason.USER)).toBe('paused');
  });
});
