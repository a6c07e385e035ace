import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTarGz, TarGzWriter } from '../../../engine/diagnostics/bundle/tar';

describe('bundle tar writer and reader', () => {
  it('round-trips files, long names and binary content', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dg-tar-'));
    const file = path.join(dir, 'b.tar.gz');
    const w = new TarGzWriter(file);
    const long = `root/hosts/lab1/files/${'x'.repeat(150)}/qemu.log`;
    await w.add('root/version', Buffer.from('Hangar 1\n'));
    await w.add(long, Buffer.from('long name'));
    await w.add('root/bin', Buffer.from([0, 1, 2, 255]));
    await w.add('root/empty', Buffer.alloc(0));
    await w.close();
    const entries = await readTarGz(file);
    expect(entries.map((e) => e.name)).toEqual(['root/version', long, 'root/bin', 'root/empty']);
    expect(entries[1]!.data.toString()).toBe('long name');
    expect([...entries[2]!.data]).toEqual([0, 1, 2, 255]);
    fs.rmSync(dir, { recursive: true });
  });
});
