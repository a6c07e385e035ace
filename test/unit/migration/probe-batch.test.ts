import { describe, expect, it } from 'vitest';
import { ProbeBatch } from '../../../engine/migration/probe-batch';

describe('ProbeBatch', () => {
  it('asks once per key, failures included', async () => {
    const b = new ProbeBatch();
    let asked = 0;
    const ask = () => (asked++, Promise.resolve(42));
    expect(await Promise.all([b.once('k', ask), b.once('k', ask)])).toEqual([42, 42]);
    expect(asked).toBe(1);
    let failed = 0;
    const fail = () => (failed++, Promise.reject(new Error('down')));
    await expect(b.once('f', fail)).rejects.toThrow('down');
    await expect(b.once('f', fail)).rejects.toThrow('down');
    expect(failed).toBe(1);
  });

  it('gathers the paths of callers of the same turn, and those asked while an exec runs, into few execs', async () => {
    const b = new ProbeBatch();
    const execs: string[][] = [];
    const run = async (paths: string[]) => {
      execs.push(paths);
      await new Promise((r) => setTimeout(r, 20));
      return paths.map((p) => `line:${p}`);
    };
    const first = await Promise.all([b.lines('h', ['/a', '/b'], run), b.lines('h', ['/b', '/c'], run)]);
    expect(first).toEqual([
      ['line:/a', 'line:/b'],
      ['line:/b', 'line:/c'],
    ]);
    expect(execs).toEqual([['/a', '/b', '/c']]);
    // While one runs, the rest wait and go together.
    execs.length = 0;
    const p1 = b.lines('h', ['/x'], run);
    await new Promise((r) => setTimeout(r, 5));
    const rest = await Promise.all([b.lines('h', ['/y'], run), b.lines('h', ['/z', '/x'], run), p1]);
    expect(rest).toEqual([['line:/y'], ['line:/z', 'line:/x'], ['line:/x']]);
    expect(execs).toEqual([['/x'], ['/y', '/z', '/x']]);
  });

  it('splits a huge batch under the argument limit and rejects only the failed exec', async () => {
    const b = new ProbeBatch();
    const paths = Array.from({ length: 2000 }, (_, i) => `/var/lib/libvirt/images/${'x'.repeat(40)}-${i}.qcow2`);
    const sizes: number[] = [];
    const run = async (ps: string[]) => (sizes.push(ps.join('\n').length), ps.map(() => '1'));
    const out = await b.lines('h', paths, run);
    expect(out).toHaveLength(2000);
    expect(sizes.length).toBeGreaterThan(1);
    for (const n of sizes) expect(n).toBeLessThanOrEqual(60_000);
    const bad = new ProbeBatch();
    await expect(bad.lines('h', ['/a'], () => Promise.reject(new Error('timed out')))).rejects.toThrow('timed out');
    expect(await bad.lines('h', ['/b'], async (ps) => ps.map(() => 'ok'))).toEqual(['ok']);
  });
});
