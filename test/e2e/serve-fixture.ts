import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'out/cli/hangar.mjs');

export interface Serve {
  url: string;
  origin: string;
  dataDir: string;
  stop(): Promise<void>;
  /** A crash: SIGKILL, nothing closed, nothing flushed. */
  kill(): Promise<void>;
}

export async function tempDataDir(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'hangar-e2e-'));
}

/** Starts the built `hangar serve` as a user would, and reads the URL it prints. */
export async function startServe(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<Serve> {
  await fs.access(CLI).catch(() => {
    throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  });
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--data-dir', dataDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The machine's own libvirt is left out unless a spec asks for it (it would be a host in every list).
    env: { ...process.env, HANGAR_DATA_DIR: dataDir, HANGAR_LOCAL_LIBVIRT_SOCKET: 'none', ...env },
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hangar serve printed no URL:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = output.match(/Hangar UI: (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`hangar serve exited with ${code}:\n${output}`)));
  });
  return {
    url,
    origin: new URL(url).origin,
    dataDir,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    },
  };
}
