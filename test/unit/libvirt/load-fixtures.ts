/**
 * Loads the frames recorded from a real libvirtd by test/integration/libvirt/capture.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Fixture {
  name: string;
  description: string;
  recordedWith: string;
  frames: { dir: 'in' | 'out'; bytes: Buffer }[];
  oracle: Record<string, unknown>;
}

const DIR = join(import.meta.dirname, 'fixtures');

export function loadFixtures(): Fixture[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const raw = JSON.parse(readFileSync(join(DIR, f), 'utf8')) as {
        name: string;
        description: string;
        recordedWith: string;
        frames: { dir: 'in' | 'out'; hex: string }[];
        oracle: Record<string, unknown>;
      };
      return { ...raw, frames: raw.frames.map((fr) => ({ dir: fr.dir, bytes: Buffer.from(fr.hex, 'hex') })) };
    });
}

export function fixture(name: string): Fixture {
  const f = loadFixtures().find((x) => x.name === name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
}

/** The frames of a fixture in one direction. */
export function frames(name: string, dir: 'in' | 'out'): Buffer[] {
  return fixture(name).frames.filter((f) => f.dir === dir).map((f) => f.bytes);
}
