import { HangarError } from '../../contract/errors';
import type { FleetLinks } from '../../hosts/fleet';
import type { JobRunner } from '../../jobs/job-runner';
import type { Logger } from '../../logger';
import type { Service } from '../../rpc/service';
import type { PoolInventory } from '../pool-inventory';
import type { TransferApi } from './api';

export interface TransferDeps {
  fleet: Pick<FleetLinks, 'libvirt' | 'ssh'>;
  pools: PoolInventory;
  jobs: JobRunner;
  logger: Logger;
  /** Where clients reach transfer URLs when that is not the origin that served the UI (the app's loopback server). */
  origin: () => string | null;
}

/** Volume upload and download (issue 17): the contract's storage.uploadBegin/uploadResume/uploadCancel/downloadBegin and the engine-side TransferApi. */
export function transferService(_deps: TransferDeps): Service & { readonly transfers: TransferApi } {
  const todo = (): never => {
    throw new HangarError('UNSUPPORTED', 'Volume transfers are not ready yet');
  };
  const transfers: TransferApi = { uploadIntoPool: async () => todo(), openVolume: async () => todo() };
  return {
    name: 'transfer',
    transfers,
    handlers: {
      'storage.uploadBegin': async () => todo(),
      'storage.uploadResume': async () => todo(),
      'storage.uploadCancel': async () => todo(),
      'storage.downloadBegin': async () => todo(),
    },
  };
}
