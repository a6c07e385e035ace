import crypto from 'node:crypto';
import { redactBuffer } from './redact';

/**
 * A bundle entry as it goes into the archive: redacted first (images too: their bytes are scanned
 * like any binary file's, a text chunk can carry a secret), then, past `maxBytes`, cut to its tail
 * from a line start as sos keeps the end of the logs it cuts (the viewer refuses larger entries, a
 * decompression bomb's shape), then hashed for the manifest. Redacted before the cut, so a cut
 * never splits a secret open. Runs in the diagnostics worker.
 */
export function prepareEntry(data: Buffer, redact: boolean, maxBytes: number): { data: Buffer; sha256: string; redactions: number; full: number } {
  let buf = data;
  let redactions = 0;
  if (redact) {
    const r = redactBuffer(buf);
    buf = r.data;
    redactions = r.count;
  }
  const full = buf.length;
  if (full > maxBytes) {
    const tail = buf.subarray(full - maxBytes);
    const nl = tail.indexOf(0x0a);
    buf = nl >= 0 && nl < 4096 ? tail.subarray(nl + 1) : tail;
  }
  return { data: buf, sha256: crypto.createHash('sha256').update(buf).digest('hex'), redactions, full };
}
