/**
 * Issue 21, finding 3: every byte the writer stores is redacted — files, binary files, the gather
 * log and the manifest — and no entry exceeds what the viewer accepts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_LIMITS } from '../../../engine/diagnostics/bundle/limits';
import { readTarGz } from '../../../engine/diagnostics/bundle/tar';
import { BundleWriter } from '../../../engine/diagnostics/gather/bundle-writer';

describe('the bundle writer', () => {
  it('redacts the manifest, the gather log, binary files and command output', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h6-writer-'));
    const file = path.join(dir, 'b.tar.gz');
    const w = new BundleWriter(file, 'diag-t', true, { appVersion: '0', options: { note: 'proxy https://u:OptPw1@proxy/' } });
    await w.put('hosts/a/out.txt', 'Authorization: Bearer OutTok9\n');
    await w.put('hosts/a/bin.dat', Buffer.concat([Buffer.from([0, 1, 0]), Buffer.from(' passwd=BinPw77 ')]));
    w.item({ host: 'a', out: 'hosts/a/x', kind: 'command', command: 'tool --url https://u:CmdPw2@h/', exitCode: 1, durationMs: 1, stderr: 'failed: password=ErrPw3', error: 'Cookie: sid=CkPw4' });
    w.logLine('a: skipped: ssh said password=LogPw5 was wrong');
    await w.finish({ skipped: ['a\tunreachable\ttoken=SkipPw6'], version: 'x' });
    const entries = await readTarGz(file);
    const all = entries.map((e) => e.data.toString('latin1')).join('\n');
    for (const secret of ['OptPw1', 'OutTok9', 'BinPw77', 'CmdPw2', 'ErrPw3', 'CkPw4', 'LogPw5', 'SkipPw6']) expect(all, secret).not.toContain(secret);
    const manifest = JSON.parse(entries.find((e) => e.name.endsWith('/manifest.json'))!.data.toString('utf8')) as { items: Array<{ stderr: string }> };
    expect(manifest.items[0]!.stderr).toBe('failed: password=********');
    expect(entries.find((e) => e.name.endsWith('/bin.dat'))!.data.length).toBe(3 + 16);
    fs.rmSync(dir, { recursive: true });
  });

  it('keeps the tail of a file larger than a bundle entry may be, and says so in the manifest', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h6-writer-'));
    const file = path.join(dir, 'b.tar.gz');
    const w = new BundleWriter(file, 'diag-t', false, { appVersion: '0', options: {} });
    const line = 'x'.repeat(99) + '\n';
    const big = Buffer.from(line.repeat(Math.ceil(BUNDLE_LIMITS.entryBytes / 100) + 1000) + 'LAST LINE\n');
    await w.put('hosts/a/files/var/log/big.log', big);
    await w.finish({ skipped: [], version: 'x' });
    expect(w.manifest.files['hosts/a/files/var/log/big.log']).toMatchObject({ truncatedFrom: big.length });
    const e = (await readTarGz(file)).find((x) => x.name.endsWith('big.log'))!;
    expect(e.data.length).toBeLessThanOrEqual(BUNDLE_LIMITS.entryBytes);
    expect(e.data.subarray(-10).toString()).toBe('LAST LINE\n');
    expect(e.data.subarray(0, 100).toString()).toBe(line); // cut at a line start
    fs.rmSync(dir, { recursive: true });
  });
});
