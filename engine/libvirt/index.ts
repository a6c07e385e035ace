/**
 * libvirt remote protocol client (DESIGN §3). Import from here; the protocol modules are for
 * code that needs a procedure without a facade method (`conn.call(proc, args)`).
 */
export { LibvirtConnection, isNotFound, type OpenOptions, type DomainXmlResult, type EventRegistration, type UnsupportedEvent } from './connection';
export { connectLocal, connectSocket, connectUnixSocket, detectLocalSocket, LOCAL_SOCKET_CANDIDATES, type LocalEndpoint } from './local';
export { RpcClient, type CallOptions, type RpcClientOptions } from './rpc-client';
export { LibvirtStream } from './stream';
export {
  DomainEventId,
  DomainLifecycle,
  NetworkEventId,
  StoragePoolEventId,
  INVENTORY_DOMAIN_EVENTS,
  type LibvirtEvent,
  type LibvirtEventKind,
} from './protocol/events';
export * from './protocol/flags';
export { MigrateFlag, MigrateParam } from './protocol/migrate';
export {
  param,
  paramsToRecord,
  type DomainRef,
  type NetworkRef,
  type SnapshotRef,
  type StoragePoolRef,
  type StorageVolRef,
  type TypedParam,
  type ParamValue,
} from './protocol/types';
export type { NodeInfo } from './protocol/connect';
export type { DomainInfo, DomainInterface, DomainStatsRecord } from './protocol/domain';
export type { JobInfo } from './protocol/jobs';
export type { DhcpLease } from './protocol/network';
export type { StoragePoolInfo, StorageVolInfo } from './protocol/storage';
export { VirErrorCode } from './protocol/error';
export { PROCEDURES } from './protocol/registry';
export type { ProcedureDef } from './protocol/procedure';
