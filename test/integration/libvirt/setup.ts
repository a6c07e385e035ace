/**
 * Shared setup of the libvirt integration tests: why they may not run, a private daemon, the
 * test guest, and small waiting helpers.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectLocal, type LibvirtConnection, type LibvirtEvent, type OpenOptions } from '../../../engine/libvirt';
import { startPrivateDaemon, unavailableReason, useKvm, type PrivateDaemon } from './daemon';
import { buildGuestImage, guestUnavailableReason, guestXml, type GuestImage } from './guest';

export const SKIP_REASON = unavailableReason() ?? guestUnavailableReason();
if (SKIP_REASON) console.warn(`[libvirt integration] skipped: ${SKIP_REASON}`);

export interface Env {
  daemon: PrivateDaemon;
  img: GuestImage;
  connect(opts?: OpenOptions): Promise<LibvirtConnection>;
  /** Defines a test guest with virsh (independently of the code under test); returns its XML file. */
  defineGuest(name: string, opts?: { disk?: boolean; qcow2?: boolean }): string;
}

export async function startEnv(): Promise<Env> {
  const daemon = await startPrivateDaemon();
  const img = buildGuestImage();
  return {
    daemon,
    img,
    connect: (opts = {}) => connectLocal(daemon.socket, opts),
    defineGuest(name, opts = {}) {
      let disk: string | undefined;
      if (opts.qcow2) {
        disk = join(daemon.dir, `${name}.qcow2`);
        const r = spawnSync('qemu-img', ['create', '-q', '-f', 'qcow2', disk, '16M']);
        if (r.status !== 0) throw new Error(`qemu-img failed: ${r.stderr.toString()}`);
      } else if (opts.disk) {
        disk = join(daemon.dir, `${name}.img`);
        writeFileSync(disk, Buffer.alloc(1024 * 1024));
      }
      const file = join(daemon.dir, `${name}.xml`);
      const diskFormat = opts.qcow2 ? 'qcow2' : 'raw';
      writeFileSync(file, guestXml(name, img, { kvm: useKvm(), ...(disk ? { disk, diskFormat } : {}) }));
      daemon.virsh(['define', file]);
      return file;
    },
  };
}

/** Resolves with the first event matching `pred`, or rejects after timeoutMs. */
export function waitForEvent(
  conn: LibvirtConnection,
  pred: (ev: LibvirtEvent) => boolean,
  timeoutMs = 10_000,
): Promise<{ ev: LibvirtEvent; at: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off('event', on);
      reject(new Error(`no matching event within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (ev: LibvirtEvent): void => {
      if (!pred(ev)) return;
      clearTimeout(timer);
      conn.off('event', on);
      resolve({ ev, at: performance.now() });
    };
    conn.on('event', on);
  });
}

/** Polls `fn` until it returns true. */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Parses `virsh list --all` lines: " Id   Name   State" → name → state text. */
export function virshStates(out: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of out.split('\n')) {
    const parts = line.trim().split(/\s{2,}/);
    if (parts.length >= 3 && parts[1]) m.set(parts[1], parts.slice(2).join(' '));
  }
  return m;
}
