import { describe, expect, it } from 'vitest';
import { desEncryptBlock } from '../../../engine/console/des';
import { vncAuthResponse } from '../../../engine/console/vnc-auth';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('DES and VNC authentication', () => {
  it('matches the textbook DES vector', () => {
    expect(hex(desEncryptBlock(Buffer.from('133457799BBCDFF1', 'hex'), Buffer.from('0123456789ABCDEF', 'hex')))).toBe('85e813540f0ab405');
  });

  // Expected values computed with `openssl enc -des-ecb -provider legacy` on bit-reversed keys.
  it('answers a challenge as VNC servers expect', () => {
    expect(hex(vncAuthResponse('s3cret!x', Uint8Array.from({ length: 16 }, (_, i) => i)))).toBe('83b69a37a6de8a0904dca894779deebe');
    expect(hex(vncAuthResponse('ab', new Uint8Array(16).fill(0xff)))).toBe('431849e250c6193e431849e250c6193e');
  });

  it('uses only the first 8 bytes of a longer password, as QEMU does', () => {
    const ch = new Uint8Array(16).fill(7);
    expect(hex(vncAuthResponse('s3cret!xTAIL', ch))).toBe(hex(vncAuthResponse('s3cret!x', ch)));
  });
});
