/**
 * Framing: real captured frames fed in every possible split and coalescing.
 */
import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../../engine/libvirt/framing';
import { HangarError } from '../../../engine/contract/errors';
import { loadFixtures } from './load-fixtures';

const all = loadFixtures().flatMap((f) => f.frames.filter((x) => x.dir === 'in').map((x) => x.bytes));
const stream = Buffer.concat(all);

describe('FrameDecoder', () => {
  it('yields each frame whole when fed one byte at a time', () => {
    const d = new FrameDecoder();
    const out: Buffer[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...d.push(stream.subarray(i, i + 1)));
    expect(out.map((b) => b.toString('hex'))).toEqual(all.map((b) => b.toString('hex')));
    expect(d.pending).toBe(0);
  });

  it('splits coalesced reads (all frames in one chunk) and arbitrary chunk boundaries', () => {
    expect(new FrameDecoder().push(stream).map((b) => b.toString('hex'))).toEqual(all.map((b) => b.toString('hex')));
    for (const size of [3, 7, 29, 100, 1000]) {
      const d = new FrameDecoder();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) out.push(...d.push(stream.subarray(i, i + size)));
      expect(out.map((b) => b.toString('hex'))).toEqual(all.map((b) => b.toString('hex')));
    }
  });

  it('handles a frame whose length word itself is split across reads', () => {
    const frame = all[0]!;
    const d = new FrameDecoder();
    expect(d.push(frame.subarray(0, 2))).toEqual([]);
    expect(d.push(frame.subarray(2, 3))).toEqual([]);
    expect(d.push(frame.subarray(3))).toEqual([frame]);
  });

  it('refuses lengths shorter than a header or longer than the maximum before buffering them', () => {
    expect(() => new FrameDecoder().push(Buffer.from('00000004', 'hex'))).toThrow(HangarError);
    expect(() => new FrameDecoder(1024).push(Buffer.from('7fffffff', 'hex'))).toThrow(HangarError);
  });
});
