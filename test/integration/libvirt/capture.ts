/**
 * Records real libvirt traffic into fixture files for the codec unit tests.
 *
 * Each fixture is one named step (a call, an event, a stream exchange): the frames that crossed
 * the socket during it, both directions, as hex, plus an `oracle` — what virsh (an independent
 * client) said about the same thing at the same moment. The unit tests decode the frames with our
 * codecs and compare against the oracle, and re-encode libvirt's replies to prove our encoder
 * produces libvirt's exact bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectUnixSocket, LibvirtConnection } from '../../../engine/libvirt';
import { KEEPALIVE_PROGRAM } from '../../../engine/libvirt/protocol/constants';

export interface FixtureFrame {
  dir: 'in' | 'out';
  hex: string;
}

export interface Fixture {
  name: string;
  description: string;
  recordedWith: string;
  frames: FixtureFrame[];
  oracle: Record<string, unknown>;
}

export class Recorder {
  private frames: FixtureFrame[] = [];
  private keepKeepalive = false;
  readonly fixtures: Fixture[] = [];

  constructor(private readonly recordedWith: string) {}

  /** Tap for RpcClientOptions: keepalive frames only land in the step that asks for them. */
  readonly tap = (dir: 'in' | 'out', frame: Buffer): void => {
    if (!this.keepKeepalive && frame.length >= 8 && frame.readUInt32BE(4) === KEEPALIVE_PROGRAM) return;
    this.frames.push({ dir, hex: frame.toString('hex') });
  };

  async step(
    name: string,
    description: string,
    fn: () => Promise<Record<string, unknown>>,
    opts: { keepalive?: boolean } = {},
  ): Promise<void> {
    this.frames = [];
    this.keepKeepalive = opts.keepalive ?? false;
    const oracle = await fn();
    this.fixtures.push({ name, description, recordedWith: this.recordedWith, frames: this.frames, oracle });
    this.frames = [];
    this.keepKeepalive = false;
  }

  write(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const f of this.fixtures) writeFileSync(join(dir, `${f.name}.json`), `${JSON.stringify(f, null, 1)}\n`);
  }
}

/** Opens a connection whose every frame goes through the recorder. */
export async function openRecorded(
  rec: Recorder,
  socket: string,
  uri: string,
  keepalive = { intervalMs: 60_000, count: 5 },
): Promise<LibvirtConnection> {
  return LibvirtConnection.open(await connectUnixSocket(socket), { uri, tap: rec.tap, keepalive });
}
