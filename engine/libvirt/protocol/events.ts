/**
 * Event registration procedures and the decoders of the event messages the daemon then sends
 * (type MESSAGE, serial 0). Hangar uses the "callback" registration variants: each registration
 * returns a callbackID that every matching event carries, so one connection can hold several
 * filtered registrations and tell their events apart.
 */
import { decodeBuffer, hyper, int, optional, struct, uhyper, type Codec } from '../codec';
import { REMOTE_DOMAIN_JOB_STATS_MAX } from './constants';
import { remoteProc } from './procedure';
import {
  domainRef,
  networkRef,
  nonnullString,
  optDomainRef,
  optString,
  storagePoolRef,
  typedParams,
  type DomainRef,
  type NetworkRef,
  type StoragePoolRef,
  type TypedParam,
} from './types';

/** virDomainEventID */
export const DomainEventId = {
  LIFECYCLE: 0,
  REBOOT: 1,
  RTC_CHANGE: 2,
  WATCHDOG: 3,
  IO_ERROR: 4,
  GRAPHICS: 5,
  IO_ERROR_REASON: 6,
  CONTROL_ERROR: 7,
  BLOCK_JOB: 8,
  DISK_CHANGE: 9,
  TRAY_CHANGE: 10,
  PMWAKEUP: 11,
  PMSUSPEND: 12,
  BALLOON_CHANGE: 13,
  PMSUSPEND_DISK: 14,
  DEVICE_REMOVED: 15,
  BLOCK_JOB_2: 16,
  TUNABLE: 17,
  AGENT_LIFECYCLE: 18,
  DEVICE_ADDED: 19,
  MIGRATION_ITERATION: 20,
  JOB_COMPLETED: 21,
  DEVICE_REMOVAL_FAILED: 22,
  METADATA_CHANGE: 23,
} as const;
export type DomainEventId = (typeof DomainEventId)[keyof typeof DomainEventId];

/** The domain events Inventory needs (DESIGN §3). */
export const INVENTORY_DOMAIN_EVENTS: readonly DomainEventId[] = [
  DomainEventId.LIFECYCLE,
  DomainEventId.REBOOT,
  DomainEventId.DEVICE_ADDED,
  DomainEventId.DEVICE_REMOVED,
  DomainEventId.JOB_COMPLETED,
  DomainEventId.MIGRATION_ITERATION,
  DomainEventId.AGENT_LIFECYCLE,
  DomainEventId.BLOCK_JOB_2,
  DomainEventId.METADATA_CHANGE,
];

export const NetworkEventId = { LIFECYCLE: 0 } as const;
export const StoragePoolEventId = { LIFECYCLE: 0, REFRESH: 1 } as const;

/** virDomainEventType (lifecycle `event`) */
export const DomainLifecycle = {
  DEFINED: 0,
  UNDEFINED: 1,
  STARTED: 2,
  SUSPENDED: 3,
  RESUMED: 4,
  STOPPED: 5,
  SHUTDOWN: 6,
  PMSUSPENDED: 7,
  CRASHED: 8,
} as const;

// --- registration --------------------------------------------------------------------------

/** dom null = events of every domain. Returns the callbackID. */
export const connectDomainEventCallbackRegisterAny = remoteProc(
  'connect domain event callback register any',
  316,
  struct({ eventID: int, dom: optDomainRef }),
  int,
);
export const connectDomainEventCallbackDeregisterAny = remoteProc(
  'connect domain event callback deregister any',
  317,
  int,
);
export const connectNetworkEventRegisterAny = remoteProc(
  'connect network event register any',
  313,
  struct({ eventID: int, net: optional(networkRef) }),
  int,
);
export const connectNetworkEventDeregisterAny = remoteProc('connect network event deregister any', 314, int);
export const connectStoragePoolEventRegisterAny = remoteProc(
  'connect storage pool event register any',
  368,
  struct({ eventID: int, pool: optional(storagePoolRef) }),
  int,
);
export const connectStoragePoolEventDeregisterAny = remoteProc(
  'connect storage pool event deregister any',
  369,
  int,
);
/** Asks the daemon to tell us (event 362) before it closes the connection on its side. */
export const connectRegisterCloseCallback = remoteProc('connect register close callback', 360);

// --- event messages ------------------------------------------------------------------------

interface Cb {
  callbackId: number;
}
interface DomEv extends Cb {
  dom: DomainRef;
}

export type LibvirtEvent =
  | ({ kind: 'domain-lifecycle'; event: number; detail: number } & DomEv)
  | ({ kind: 'domain-reboot' } & DomEv)
  | ({ kind: 'domain-device-added'; devAlias: string } & DomEv)
  | ({ kind: 'domain-device-removed'; devAlias: string } & DomEv)
  | ({ kind: 'domain-device-removal-failed'; devAlias: string } & DomEv)
  | ({ kind: 'domain-job-completed'; params: TypedParam[] } & DomEv)
  | ({ kind: 'domain-migration-iteration'; iteration: number } & DomEv)
  | ({ kind: 'domain-agent-lifecycle'; state: number; reason: number } & DomEv)
  | ({ kind: 'domain-block-job'; path: string; type: number; status: number } & DomEv)
  | ({ kind: 'domain-block-job-2'; dst: string; type: number; status: number } & DomEv)
  | ({ kind: 'domain-metadata-change'; type: number; nsuri: string | null } & DomEv)
  | ({ kind: 'domain-balloon-change'; actual: number } & DomEv)
  | ({ kind: 'domain-rtc-change'; offset: number } & DomEv)
  | ({ kind: 'network-lifecycle'; net: NetworkRef; event: number; detail: number } & Cb)
  | ({ kind: 'storage-pool-lifecycle'; pool: StoragePoolRef; event: number; detail: number } & Cb)
  | ({ kind: 'storage-pool-refresh'; pool: StoragePoolRef } & Cb)
  | { kind: 'connection-closed'; reason: number };

export type LibvirtEventKind = LibvirtEvent['kind'];

type Decoder = (body: Uint8Array) => LibvirtEvent;

/** Builds a decoder from a wire struct and a mapping to the event object. */
function ev<W>(codec: Codec<W>, map: (w: W) => LibvirtEvent): Decoder {
  return (body) => map(decodeBuffer(codec, body, 'event'));
}

const devAliasMsg = struct({ callbackID: int, dom: domainRef, devAlias: nonnullString });

/** Event message decoders by procedure number. */
export const EVENT_DECODERS: ReadonlyMap<number, Decoder> = new Map<number, Decoder>([
  [
    318,
    ev(struct({ callbackID: int, dom: domainRef, event: int, detail: int }), (m) => ({
      kind: 'domain-lifecycle',
      callbackId: m.callbackID,
      dom: m.dom,
      event: m.event,
      detail: m.detail,
    })),
  ],
  [319, ev(struct({ callbackID: int, dom: domainRef }), (m) => ({ kind: 'domain-reboot', callbackId: m.callbackID, dom: m.dom }))],
  [
    320,
    ev(struct({ callbackID: int, dom: domainRef, offset: hyper }), (m) => ({
      kind: 'domain-rtc-change',
      callbackId: m.callbackID,
      dom: m.dom,
      offset: m.offset,
    })),
  ],
  [
    326,
    ev(struct({ callbackID: int, dom: domainRef, path: nonnullString, type: int, status: int }), (m) => ({
      kind: 'domain-block-job',
      callbackId: m.callbackID,
      dom: m.dom,
      path: m.path,
      type: m.type,
      status: m.status,
    })),
  ],
  [
    331,
    ev(struct({ callbackID: int, dom: domainRef, actual: uhyper }), (m) => ({
      kind: 'domain-balloon-change',
      callbackId: m.callbackID,
      dom: m.dom,
      actual: m.actual,
    })),
  ],
  [
    333,
    ev(devAliasMsg, (m) => ({ kind: 'domain-device-removed', callbackId: m.callbackID, dom: m.dom, devAlias: m.devAlias })),
  ],
  [
    339,
    ev(struct({ callbackID: int, dom: domainRef, dst: nonnullString, type: int, status: int }), (m) => ({
      kind: 'domain-block-job-2',
      callbackId: m.callbackID,
      dom: m.dom,
      dst: m.dst,
      type: m.type,
      status: m.status,
    })),
  ],
  [
    348,
    ev(struct({ callbackID: int, dom: domainRef, state: int, reason: int }), (m) => ({
      kind: 'domain-agent-lifecycle',
      callbackId: m.callbackID,
      dom: m.dom,
      state: m.state,
      reason: m.reason,
    })),
  ],
  [354, ev(devAliasMsg, (m) => ({ kind: 'domain-device-added', callbackId: m.callbackID, dom: m.dom, devAlias: m.devAlias }))],
  [
    359,
    ev(struct({ callbackID: int, dom: domainRef, iteration: int }), (m) => ({
      kind: 'domain-migration-iteration',
      callbackId: m.callbackID,
      dom: m.dom,
      iteration: m.iteration,
    })),
  ],
  [
    363,
    ev(struct({ callbackID: int, dom: domainRef, params: typedParams(REMOTE_DOMAIN_JOB_STATS_MAX) }), (m) => ({
      kind: 'domain-job-completed',
      callbackId: m.callbackID,
      dom: m.dom,
      params: m.params,
    })),
  ],
  [
    367,
    ev(devAliasMsg, (m) => ({
      kind: 'domain-device-removal-failed',
      callbackId: m.callbackID,
      dom: m.dom,
      devAlias: m.devAlias,
    })),
  ],
  [
    379,
    ev(struct({ callbackID: int, dom: domainRef, type: int, nsuri: optString }), (m) => ({
      kind: 'domain-metadata-change',
      callbackId: m.callbackID,
      dom: m.dom,
      type: m.type,
      nsuri: m.nsuri,
    })),
  ],
  [
    315,
    ev(struct({ callbackID: int, net: networkRef, event: int, detail: int }), (m) => ({
      kind: 'network-lifecycle',
      callbackId: m.callbackID,
      net: m.net,
      event: m.event,
      detail: m.detail,
    })),
  ],
  [
    370,
    ev(struct({ callbackID: int, pool: storagePoolRef, event: int, detail: int }), (m) => ({
      kind: 'storage-pool-lifecycle',
      callbackId: m.callbackID,
      pool: m.pool,
      event: m.event,
      detail: m.detail,
    })),
  ],
  [
    373,
    ev(struct({ callbackID: int, pool: storagePoolRef }), (m) => ({
      kind: 'storage-pool-refresh',
      callbackId: m.callbackID,
      pool: m.pool,
    })),
  ],
  [362, ev(int, (reason) => ({ kind: 'connection-closed', reason }))],
]);

/** Decodes an event message; null for event procedures Hangar does not model. */
export function decodeEvent(proc: number, body: Uint8Array): LibvirtEvent | null {
  const d = EVENT_DECODERS.get(proc);
  return d ? d(body) : null;
}
