/**
 * Domain snapshot procedures.
 */
import { array, int, struct, uint } from '../codec';
import { REMOTE_DOMAIN_SNAPSHOT_LIST_MAX } from './constants';
import { remoteProc } from './procedure';
import { domainRef, nonnullString, snapshotRef } from './types';

const snapFlags = struct({ snap: snapshotRef, flags: uint });

export const domainSnapshotCreateXml = remoteProc(
  'domain snapshot create xml',
  185,
  struct({ dom: domainRef, xmlDesc: nonnullString, flags: uint }),
  snapshotRef,
);
export const domainListAllSnapshots = remoteProc(
  'domain list all snapshots',
  274,
  struct({ dom: domainRef, needResults: int, flags: uint }),
  struct({ snapshots: array(snapshotRef, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX, 28), ret: int }),
);
export const domainSnapshotLookupByName = remoteProc(
  'domain snapshot lookup by name',
  189,
  struct({ dom: domainRef, name: nonnullString, flags: uint }),
  snapshotRef,
);
export const domainSnapshotGetXmlDesc = remoteProc('domain snapshot get xml desc', 186, snapFlags, nonnullString);
export const domainRevertToSnapshot = remoteProc('domain revert to snapshot', 192, snapFlags);
export const domainSnapshotDelete = remoteProc('domain snapshot delete', 193, snapFlags);
export const domainSnapshotCurrent = remoteProc(
  'domain snapshot current',
  191,
  struct({ dom: domainRef, flags: uint }),
  snapshotRef,
);
export const domainSnapshotGetParent = remoteProc('domain snapshot get parent', 244, snapFlags, snapshotRef);

/** Thaws the guest's frozen file systems through the agent (no mount points = all): a snapshot past its deadline must not leave the guest frozen. */
export const domainFsThaw = remoteProc(
  'domain fsthaw',
  336,
  struct({ dom: domainRef, mountpoints: array(nonnullString, 256), flags: uint }),
  int,
);
