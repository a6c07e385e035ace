import { APP_VERSION } from './app-version';
import { CONTRACT_VERSION } from './contract';
import type { EngineInfo } from './contract/engine-info';
import type { Service } from './rpc/service';
import type { SecretStore } from './secrets/secret-store';

/** `engine.info`: what this engine is, where its data lives, and whether its secrets can be read. */
export function engineInfoService(deps: { runtime: EngineInfo['runtime']; dataDir: string; sqliteVersion: string; secrets: Pick<SecretStore, 'status'>; startedAt: number }): Service {
  return {
    name: 'engine',
    handlers: {
      'engine.info': async () => ({
        appVersion: APP_VERSION,
        contractVersion: CONTRACT_VERSION,
        runtime: deps.runtime,
        platform: process.platform,
        nodeVersion: process.versions.node,
        sqliteVersion: deps.sqliteVersion,
        dataDir: deps.dataDir,
        secrets: await deps.secrets.status(),
        startedAt: deps.startedAt,
      }),
    },
  };
}
