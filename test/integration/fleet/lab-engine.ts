import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, type Engine } from '../../../engine/engine';
import { silentLogger } from '../../../engine/logger';
import { aesGcmCipher } from '../../../engine/secrets/key-cipher';
import type { LabInfo } from '../../lab/lab-info';

/**
 * An in-process engine for integration tests against the lab: its own data dir, the lab's
 * known_hosts, no agent, no ~/.ssh/config, and the machine's own libvirt left out.
 */
export async function labEngine(
  lab: LabInfo,
  name: string,
  ssh: { knownHostsFiles?: string[]; configText?: string } = {},
): Promise<{ engine: Engine; dir: string; dispose(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hangar-${name}-`));
  const engine = await createEngine({
    dataDir: dir,
    secrets: aesGcmCipher(Buffer.alloc(32, 7), 'test'),
    logger: silentLogger,
    runtime: 'in-process',
    localLibvirt: 'none',
    ssh: { knownHostsFiles: ssh.knownHostsFiles ?? [lab.knownHostsPath], agent: null, sshConfig: { configText: ssh.configText ?? '' } },
  });
  return {
    engine,
    dir,
    async dispose() {
      await engine.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
