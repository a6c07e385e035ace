/**
 * Migration, version 3 with typed parameters. The client-managed flow (so hosts need not trust
 * each other) is: begin3 on the source → prepare3 on the destination → perform3 on the source →
 * finish3 on the destination → confirm3 on the source, passing each step's cookie to the next.
 * Peer-to-peer is a single perform3 on the source with VIR_MIGRATE_PEER2PEER and a dconnuri.
 */
import { int, opaque, struct, uhyper, uint } from '../codec';
import { REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX, REMOTE_MIGRATE_COOKIE_MAX } from './constants';
import { remoteProc } from './procedure';
import { domainRef, nonnullString, optString, typedParams } from './types';

const params = typedParams(REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX);
const cookie = opaque(REMOTE_MIGRATE_COOKIE_MAX);

export const domainMigrateBegin3Params = remoteProc(
  'domain migrate begin3 params',
  302,
  struct({ dom: domainRef, params, flags: uint }),
  struct({ cookieOut: cookie, xml: nonnullString }),
);
export const domainMigratePrepare3Params = remoteProc(
  'domain migrate prepare3 params',
  303,
  struct({ params, cookieIn: cookie, flags: uint }),
  struct({ cookieOut: cookie, uriOut: optString }),
);
export const domainMigratePerform3Params = remoteProc(
  'domain migrate perform3 params',
  305,
  struct({ dom: domainRef, dconnuri: optString, params, cookieIn: cookie, flags: uint }),
  cookie,
);
export const domainMigrateFinish3Params = remoteProc(
  'domain migrate finish3 params',
  306,
  struct({ params, cookieIn: cookie, flags: uint, cancelled: int }),
  struct({ dom: domainRef, cookieOut: cookie }),
);
export const domainMigrateConfirm3Params = remoteProc(
  'domain migrate confirm3 params',
  307,
  struct({ dom: domainRef, params, cookieIn: cookie, flags: uint, cancelled: int }),
);

/** The bandwidth limit of a migration running (or about to run) from this host, in MiB/s; 0 = unlimited. */
export const domainMigrateSetMaxSpeed = remoteProc('domain migrate set max speed', 207, struct({ dom: domainRef, bandwidth: uhyper, flags: uint }));
/** Switches a migration started with MigrateFlag.POSTCOPY from pre-copy to post-copy (the guest runs on the destination). */
export const domainMigrateStartPostCopy = remoteProc('domain migrate start post copy', 364, struct({ dom: domainRef, flags: uint }));

/** Typed-parameter names (VIR_MIGRATE_PARAM_*) Hangar uses. */
export const MigrateParam = {
  URI: 'migrate_uri',
  DEST_NAME: 'destination_name',
  DEST_XML: 'destination_xml',
  PERSIST_XML: 'persistent_xml',
  BANDWIDTH: 'bandwidth',
  LISTEN_ADDRESS: 'listen_address',
  MIGRATE_DISKS: 'migrate_disks',
  PARALLEL_CONNECTIONS: 'parallel.connections',
} as const;

/** virDomainMigrateFlags Hangar uses. */
export const MigrateFlag = {
  LIVE: 1 << 0,
  PEER2PEER: 1 << 1,
  TUNNELLED: 1 << 2,
  PERSIST_DEST: 1 << 3,
  UNDEFINE_SOURCE: 1 << 4,
  PAUSED: 1 << 5,
  NON_SHARED_DISK: 1 << 6,
  NON_SHARED_INC: 1 << 7,
  CHANGE_PROTECTION: 1 << 8,
  UNSAFE: 1 << 9,
  OFFLINE: 1 << 10,
  COMPRESSED: 1 << 11,
  ABORT_ON_ERROR: 1 << 12,
  AUTO_CONVERGE: 1 << 13,
  POSTCOPY: 1 << 15,
} as const;
