/**
 * Domain jobs (migration, save, dump progress) and block jobs.
 */
import { int, struct, uhyper, uint, type Infer } from '../codec';
import { REMOTE_DOMAIN_JOB_STATS_MAX } from './constants';
import { remoteProc } from './procedure';
import { domainRef, nonnullString, optString, typedParams } from './types';

export const jobInfo = struct({
  type: int, // virDomainJobType: 0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed, 5 cancelled
  timeElapsed: uhyper,
  timeRemaining: uhyper,
  dataTotal: uhyper,
  dataProcessed: uhyper,
  dataRemaining: uhyper,
  memTotal: uhyper,
  memProcessed: uhyper,
  memRemaining: uhyper,
  fileTotal: uhyper,
  fileProcessed: uhyper,
  fileRemaining: uhyper,
});
export type JobInfo = Infer<typeof jobInfo>;

export const domainGetJobInfo = remoteProc('domain get job info', 163, struct({ dom: domainRef }), jobInfo);
export const domainGetJobStats = remoteProc(
  'domain get job stats',
  298,
  struct({ dom: domainRef, flags: uint }),
  struct({ type: int, params: typedParams(REMOTE_DOMAIN_JOB_STATS_MAX) }),
);
export const domainAbortJob = remoteProc('domain abort job', 164, struct({ dom: domainRef }));

const diskArgs = struct({ dom: domainRef, path: nonnullString, flags: uint });

export const domainBlockJobAbort = remoteProc('domain block job abort', 237, diskArgs);
export const domainGetBlockJobInfo = remoteProc(
  'domain get block job info',
  238,
  diskArgs,
  struct({ found: int, type: int, bandwidth: uhyper, cur: uhyper, end: uhyper }),
);
export const domainBlockJobSetSpeed = remoteProc(
  'domain block job set speed',
  239,
  struct({ dom: domainRef, path: nonnullString, bandwidth: uhyper, flags: uint }),
);
export const domainBlockPull = remoteProc(
  'domain block pull',
  240,
  struct({ dom: domainRef, path: nonnullString, bandwidth: uhyper, flags: uint }),
);
export const domainBlockRebase = remoteProc(
  'domain block rebase',
  266,
  struct({ dom: domainRef, path: nonnullString, base: optString, bandwidth: uhyper, flags: uint }),
);
export const domainBlockCommit = remoteProc(
  'domain block commit',
  290,
  struct({
    dom: domainRef,
    disk: nonnullString,
    base: optString,
    top: optString,
    bandwidth: uhyper,
    flags: uint,
  }),
);
