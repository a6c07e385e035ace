/**
 * Issue 21, finding 2: the bundle viewer unpacks a bundle once, streaming, onto disk, and refuses
 * what exceeds its limits as soon as the limit can be known, with a message key for the UI.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexBundle } from '../../../engine/diagnostics/bundle/bundle-index';
import { BUNDLE_LIMITS } from '../../../engine/diagnostics/bundle/limits';
import { TarGzWriter } from '../../../engine/diagnostics/bundle/tar';
import { writeBomb } from '../../helpers/bundle-bomb';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h6-index-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('indexing a bundle', () => {
  it('indexes files by offset, hashes them, and reads them back on demand', async () => {
    const file = path.join(dir, 'ok.tar.gz');
    const w = new TarGzWriter(file);
    await w.add('diag-x/version', Buffer.from('Hangar 1\n'));
    await w.add(`diag-x/hosts/a/${'l'.repeat(120)}.log`, Buffer.from('one\ntwo\nthree'));
    await w.add('diag-x/empty', Buffer.alloc(0));
    await w.close();
    const { store, root } = await indexBundle(file);
    expect(root).toBe('diag-x');
    expect([...store.entries.keys()]).toEqual(['version', `hosts/a/${'l'.repeat(120)}.log`, 'empty']);
    expect((await store.read('version')).toString()).toBe('Hangar 1\n');
    expect((await store.read(`hosts/a/${'l'.repeat(120)}.log`, 3, true)).toString()).toBe('ree');
    const lines: string[] = [];
    for await (const l of store.lines(`hosts/a/${'l'.repeat(120)}.log`, 4)) lines.push(l);
    expect(lines).toEqual(['one', 'two', 'three']);
    await store.close();
    await expect(store.read('version')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses an entry larger than a bundle file may be from its header, before unpacking it', async () => {
    const file = path.join(dir, 'one.tar.gz');
    await writeBomb(file, { entryMiB: 1024, totalMiB: 1024 });
    const t0 = Date.now();
    await expect(indexBundle(file)).rejects.toMatchObject({ code: 'INVALID_PARAMS', details: { message: { key: 'diag.bundle.error.entryTooBig', args: { size: '1024 MiB', limit: '64 MiB' } } } });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('refuses a bundle whose files add up past the total, or that unpacks like a bomb', async () => {
    const file = path.join(dir, 'many.tar.gz');
    await writeBomb(file, { entryMiB: 8, totalMiB: 48 });
    await expect(indexBundle(file, { ...BUNDLE_LIMITS, totalBytes: 32 * 1024 * 1024 })).rejects.toMatchObject({ details: { message: { key: 'diag.bundle.error.tooBig' } } });
    await expect(indexBundle(file, { ...BUNDLE_LIMITS, ratioAfterBytes: 16 * 1024 * 1024 })).rejects.toMatchObject({ details: { message: { key: 'diag.bundle.error.ratio' } } });
    await expect(indexBundle(file, { ...BUNDLE_LIMITS, entries: 3 })).rejects.toMatchObject({ details: { message: { key: 'diag.bundle.error.tooManyFiles' } } });
  });

  it('refuses what is not a tar.gz, and a truncated archive', async () => {
    const junk = path.join(dir, 'junk.tar.gz');
    fs.writeFileSync(junk, Buffer.alloc(2048, 7));
    await expect(indexBundle(junk)).rejects.toMatchObject({ details: { message: { key: 'diag.bundle.error.unreadable' } } });
    const full = path.join(dir, 'ok.tar.gz');
    const cut = path.join(dir, 'cut.tar');
    fs.writeFileSync(cut, (await import('node:zlib')).gunzipSync(fs.readFileSync(full)).subarray(0, 700));
    await expect(indexBundle(cut)).rejects.toThrow(/truncated/);
  });
});
