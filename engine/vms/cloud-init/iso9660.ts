/**
 * A minimal ISO 9660 image writer with Joliet names: one flat root directory of small files, as a
 * cloud-init NoCloud seed needs (`user-data`, `meta-data`, volume label `cidata`). Written from
 * ECMA-119 and the Joliet specification; Joliet carries the real names (ISO 9660 level 1 could not
 * hold `user-data`), the primary descriptor carries 8.3 fallbacks.
 */
const SECTOR = 2048;

const both16 = (b: Buffer, off: number, v: number) => {
  b.writeUInt16LE(v, off);
  b.writeUInt16BE(v, off + 2);
};
const both32 = (b: Buffer, off: number, v: number) => {
  b.writeUInt32LE(v, off);
  b.writeUInt32BE(v, off + 4);
};
const ucs2be = (s: string) => {
  const b = Buffer.alloc(s.length * 2);
  for (let i = 0; i < s.length; i++) b.writeUInt16BE(s.charCodeAt(i), i * 2);
  return b;
};
/** A-characters padded with spaces (or UCS-2 spaces for Joliet). */
const padded = (s: string, len: number, joliet: boolean) => {
  const b = Buffer.alloc(len, 0x20);
  if (joliet) {
    for (let i = 0; i + 1 < len; i += 2) b.writeUInt16BE(0x20, i);
    ucs2be(s).copy(b, 0, 0, Math.min(len, s.length * 2));
  } else b.write(s, 0, Math.min(len, s.length), 'ascii');
  return b;
};

function dirDate(d: Date): Buffer {
  return Buffer.from([d.getUTCFullYear() - 1900, d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), 0]);
}
function volDate(d: Date): Buffer {
  const s = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCHours()).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}${String(d.getUTCSeconds()).padStart(2, '0')}00`;
  return Buffer.concat([Buffer.from(s, 'ascii'), Buffer.from([0])]);
}

function dirRecord(name: Buffer, lba: number, size: number, isDir: boolean, date: Date): Buffer {
  const len = 33 + name.length + (name.length % 2 === 0 ? 1 : 0);
  const r = Buffer.alloc(len);
  r[0] = len;
  both32(r, 2, lba);
  both32(r, 10, size);
  dirDate(date).copy(r, 18);
  r[25] = isDir ? 2 : 0;
  both16(r, 28, 1);
  r[32] = name.length;
  name.copy(r, 33);
  return r;
}

/** 8.3 upper-case d-characters for the primary descriptor, unique within the image. */
function isoName(name: string, taken: Set<string>): string {
  const [base = 'FILE', ext = ''] = name.toUpperCase().replace(/[^A-Z0-9.]/g, '_').split(/\.(?=[^.]*$)/);
  let candidate = `${base.slice(0, 8)}.${ext.slice(0, 3)};1`;
  for (let i = 1; taken.has(candidate); i++) candidate = `${base.slice(0, 6)}~${i}.${ext.slice(0, 3)};1`;
  taken.add(candidate);
  return candidate;
}

export interface IsoFile {
  name: string;
  data: Buffer;
}

export function buildIso(volumeId: string, files: IsoFile[], now = new Date()): Buffer {
  // Layout: 16 system sectors, PVD, SVD, terminator, 4 path tables, 2 root directories, files.
  const PVD = 16, SVD = 17, TERM = 18, L_PT = 19, M_PT = 20, JL_PT = 21, JM_PT = 22, ROOT = 23, JROOT = 24;
  let next = 25;
  const placed = files.map((f) => {
    const lba = next;
    next += Math.max(1, Math.ceil(f.data.length / SECTOR));
    return { ...f, lba };
  });
  const total = next;
  const img = Buffer.alloc(total * SECTOR);

  const taken = new Set<string>();
  const rootDir = (joliet: boolean, self: number) => {
    const recs = [dirRecord(Buffer.from([0]), self, SECTOR, true, now), dirRecord(Buffer.from([1]), self, SECTOR, true, now)];
    for (const f of placed) recs.push(dirRecord(joliet ? ucs2be(`${f.name};1`) : Buffer.from(isoName(f.name, taken), 'ascii'), f.lba, f.data.length, false, now));
    const body = Buffer.concat(recs);
    if (body.length > SECTOR) throw new Error('too many files for a one-sector directory');
    body.copy(img, self * SECTOR);
  };
  rootDir(false, ROOT);
  rootDir(true, JROOT);

  const pathTable = (at: number, root: number, bigEndian: boolean) => {
    const o = at * SECTOR;
    img[o] = 1; // root's identifier is one byte (0)
    if (bigEndian) img.writeUInt32BE(root, o + 2);
    else img.writeUInt32LE(root, o + 2);
    if (bigEndian) img.writeUInt16BE(1, o + 6);
    else img.writeUInt16LE(1, o + 6);
  };
  pathTable(L_PT, ROOT, false);
  pathTable(M_PT, ROOT, true);
  pathTable(JL_PT, JROOT, false);
  pathTable(JM_PT, JROOT, true);

  const descriptor = (at: number, type: 1 | 2, root: number, lpt: number, mpt: number) => {
    const joliet = type === 2;
    const d = img.subarray(at * SECTOR, (at + 1) * SECTOR);
    d[0] = type;
    d.write('CD001', 1, 'ascii');
    d[6] = 1;
    padded('LINUX', 32, joliet).copy(d, 8);
    padded(volumeId, 32, joliet).copy(d, 40);
    both32(d, 80, total);
    if (joliet) d.write('%/E', 88, 'ascii'); // UCS-2 level 3
    both16(d, 120, 1);
    both16(d, 124, 1);
    both16(d, 128, SECTOR);
    both32(d, 132, 10); // path table size: one 10-byte record
    d.writeUInt32LE(lpt, 140);
    d.writeUInt32BE(mpt, 148);
    dirRecord(Buffer.from([0]), root, SECTOR, true, now).copy(d, 156);
    for (const [off, len] of [[190, 128], [318, 128], [446, 128], [574, 128], [702, 37], [739, 37], [776, 37]] as const) padded('', len, joliet).copy(d, off);
    padded('HANGAR', 128, joliet).copy(d, 446); // data preparer
    volDate(now).copy(d, 813);
    volDate(now).copy(d, 830);
    Buffer.from('0000000000000000\0', 'ascii').copy(d, 847);
    Buffer.from('0000000000000000\0', 'ascii').copy(d, 864);
    d[881] = 1;
  };
  descriptor(PVD, 1, ROOT, L_PT, M_PT);
  descriptor(SVD, 2, JROOT, JL_PT, JM_PT);
  const t = img.subarray(TERM * SECTOR);
  t[0] = 255;
  t.write('CD001', 1, 'ascii');
  t[6] = 1;

  for (const f of placed) f.data.copy(img, f.lba * SECTOR);
  return img;
}
