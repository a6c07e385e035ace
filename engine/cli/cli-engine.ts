import path from 'node:path';
import { defaultDataDir } from '../data-dir';
import { createEngine, type Engine } from '../engine';
import { runningLocalSocket } from '../hosts/local-host';
import { openLogFile } from '../log-file';
import { createLogger } from '../logger';
import { headlessCipher } from '../secrets/key-cipher';
import { hostsSettled } from './cli-lookups';

/**
 * One command's engine, as the `hangar` commands that act on known hosts run it: the person's data
 * dir (or --data-dir), its log file, no background work (one task and out), a local daemon only if
 * one already runs, and the known hosts given a moment to connect before `fn` runs. Closed after.
 */
export async function withCliEngine<T>(dataDirArg: string | undefined, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const dataDir = dataDirArg ? path.resolve(dataDirArg) : defaultDataDir();
  const logFile = openLogFile(dataDir);
  const engine = await createEngine({
    dataDir,
    logger: createLogger((line) => logFile.write(line)),
    runtime: 'serve',
    background: false,
    localLibvirt: (await runningLocalSocket()) ?? 'none',
    secrets: await headlessCipher({ keyFile: path.join(dataDir, 'secret.key') }),
  });
  try {
    await hostsSettled(engine);
    return await fn(engine);
  } finally {
    await engine.close();
    await logFile.close();
  }
}
