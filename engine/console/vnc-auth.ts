import { desEncryptBlock } from './des';

/** VNC passwords are at most 8 bytes; libvirt and QEMU silently use the first 8. */
const KEY_BYTES = 8;

const reverseBits = (b: number): number => {
  let r = 0;
  for (let i = 0; i < 8; i++) r |= ((b >> i) & 1) << (7 - i);
  return r;
};

/**
 * The answer to RFB's VNC-authentication challenge: the 16 challenge bytes DES-encrypted (ECB)
 * with the password as key, each key byte bit-reversed (a quirk of the original implementation
 * that every server expects).
 */
export function vncAuthResponse(password: string, challenge: Uint8Array): Uint8Array {
  if (challenge.length !== 16) throw new RangeError('the VNC challenge has 16 bytes');
  const key = new Uint8Array(KEY_BYTES);
  Buffer.from(password, 'latin1').subarray(0, KEY_BYTES).forEach((b, i) => (key[i] = reverseBits(b)));
  const out = new Uint8Array(16);
  out.set(desEncryptBlock(key, challenge.subarray(0, 8)), 0);
  out.set(desEncryptBlock(key, challenge.subarray(8, 16)), 8);
  return out;
}
