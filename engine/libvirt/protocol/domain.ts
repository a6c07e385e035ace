/**
 * Domain procedures: inventory, XML, lifecycle, state, stats, console, keys, guest info.
 */
import { array, char, int, struct, uhyper, uint, type Infer } from '../codec';
import {
  REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX,
  REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX,
  REMOTE_DOMAIN_INTERFACE_MAX,
  REMOTE_DOMAIN_IP_ADDR_MAX,
  REMOTE_DOMAIN_LIST_MAX,
  REMOTE_DOMAIN_SEND_KEY_MAX,
} from './constants';
import { remoteProc } from './procedure';
import { domainRef, nonnullString, optString, typedParams, uuid } from './types';

const dom = struct({ dom: domainRef });
const domFlags = struct({ dom: domainRef, flags: uint });

// --- inventory -----------------------------------------------------------------------------

/** needResults 1 returns the domains, 0 only their count (in `ret`). */
export const connectListAllDomains = remoteProc(
  'connect list all domains',
  273,
  struct({ needResults: int, flags: uint }),
  struct({ domains: array(domainRef, REMOTE_DOMAIN_LIST_MAX, 24), ret: uint }),
);
export const domainLookupByUuid = remoteProc('domain lookup by uuid', 24, uuid, domainRef);
export const domainLookupByName = remoteProc('domain lookup by name', 23, nonnullString, domainRef);
export const domainLookupById = remoteProc('domain lookup by id', 22, int, domainRef);
export const domainGetXmlDesc = remoteProc('domain get xml desc', 14, domFlags, nonnullString);

// --- define / undefine / start -------------------------------------------------------------

export const domainDefineXmlFlags = remoteProc(
  'domain define xml flags',
  350,
  struct({ xml: nonnullString, flags: uint }),
  domainRef,
);
export const domainUndefineFlags = remoteProc('domain undefine flags', 231, domFlags);
/** Returns the domain handle updated with its new id. */
export const domainCreateWithFlags = remoteProc('domain create with flags', 196, domFlags, domainRef);
export const domainCreateXml = remoteProc(
  'domain create xml',
  10,
  struct({ xmlDesc: nonnullString, flags: uint }),
  domainRef,
);

// --- lifecycle -----------------------------------------------------------------------------

export const domainShutdownFlags = remoteProc('domain shutdown flags', 258, domFlags);
/** libvirt "destroy" = force off. */
export const domainDestroyFlags = remoteProc('domain destroy flags', 234, domFlags);
export const domainReboot = remoteProc('domain reboot', 27, domFlags);
export const domainReset = remoteProc('domain reset', 245, domFlags);
export const domainSuspend = remoteProc('domain suspend', 34, dom);
export const domainResume = remoteProc('domain resume', 28, dom);
export const domainManagedSave = remoteProc('domain managed save', 182, domFlags);
export const domainManagedSaveRemove = remoteProc('domain managed save remove', 184, domFlags);
export const domainHasManagedSaveImage = remoteProc('domain has managed save image', 183, domFlags, int);

// --- state and info ------------------------------------------------------------------------

export const domainGetState = remoteProc(
  'domain get state',
  212,
  domFlags,
  struct({ state: int, reason: int }),
);

export const domainInfo = struct({
  state: char,
  maxMem: uhyper, // KiB
  memory: uhyper, // KiB
  nrVirtCpu: char, // unsigned short on the wire is a 4-byte int too
  cpuTime: uhyper, // ns
});
export type DomainInfo = Infer<typeof domainInfo>;
export const domainGetInfo = remoteProc('domain get info', 16, dom, domainInfo);

export const domainSetAutostart = remoteProc('domain set autostart', 29, struct({ dom: domainRef, autostart: int }));
export const domainGetAutostart = remoteProc('domain get autostart', 15, dom, int);
export const domainIsActive = remoteProc('domain is active', 150, dom, int);
export const domainIsPersistent = remoteProc('domain is persistent', 151, dom, int);

// --- bulk stats ----------------------------------------------------------------------------

export const domainStatsRecord = struct({
  dom: domainRef,
  params: typedParams(REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX),
});
export type DomainStatsRecord = Infer<typeof domainStatsRecord>;

/** An empty `doms` list means every domain matching `flags` (virConnectGetAllDomainStats). */
export const connectGetAllDomainStats = remoteProc(
  'connect get all domain stats',
  344,
  struct({ doms: array(domainRef, REMOTE_DOMAIN_LIST_MAX, 24), stats: uint, flags: uint }),
  array(domainStatsRecord, REMOTE_DOMAIN_LIST_MAX, 28),
);

// --- guest ---------------------------------------------------------------------------------

const ipAddr = struct({ type: int, addr: nonnullString, prefix: uint });
export const domainInterface = struct({
  name: nonnullString,
  hwaddr: optString,
  addrs: array(ipAddr, REMOTE_DOMAIN_IP_ADDR_MAX, 12),
});
export type DomainInterface = Infer<typeof domainInterface>;

/** source: 0 = DHCP leases, 1 = guest agent, 2 = ARP table. */
export const domainInterfaceAddresses = remoteProc(
  'domain interface addresses',
  353,
  struct({ dom: domainRef, source: uint, flags: uint }),
  array(domainInterface, REMOTE_DOMAIN_INTERFACE_MAX, 12),
);

export const domainGetGuestInfo = remoteProc(
  'domain get guest info',
  418,
  struct({ dom: domainRef, types: uint, flags: uint }),
  typedParams(REMOTE_DOMAIN_GUEST_INFO_PARAMS_MAX),
);

/** codeset: 0 = Linux keycodes, see virKeycodeSet. holdtime in ms. */
export const domainSendKey = remoteProc(
  'domain send key',
  226,
  struct({
    dom: domainRef,
    codeset: uint,
    holdtime: uint,
    keycodes: array(uint, REMOTE_DOMAIN_SEND_KEY_MAX),
    flags: uint,
  }),
);

/** A read stream: the reply names the image's MIME type, then the image flows as STREAM messages. */
export const domainScreenshot = remoteProc('domain screenshot', 211, struct({ dom: domainRef, screen: uint, flags: uint }), struct({ mime: optString }));

/** A read/write stream procedure: after the reply, console bytes flow as STREAM messages. */
export const domainOpenConsole = remoteProc(
  'domain open console',
  201,
  struct({ dom: domainRef, devName: optString, flags: uint }),
);

export const domainGetHostname = remoteProc('domain get hostname', 277, domFlags, nonnullString);
/** Renames an inactive domain (retcode 0 on success). */
export const domainRename = remoteProc('domain rename', 358, struct({ dom: domainRef, newName: optString, flags: uint }), struct({ retcode: int }));
/** Balloon target (flags LIVE/CONFIG; with MAXIMUM the maximum memory), in KiB. */
export const domainSetMemoryFlags = remoteProc('domain set memory flags', 204, struct({ dom: domainRef, memory: uhyper, flags: uint }));
/** Grows a running domain's disk, in KiB unless flags say bytes (1). */
export const domainBlockResize = remoteProc('domain block resize', 251, struct({ dom: domainRef, disk: nonnullString, size: uhyper, flags: uint }));

export const domainAttachDeviceFlags = remoteProc(
  'domain attach device flags',
  160,
  struct({ dom: domainRef, xml: nonnullString, flags: uint }),
);
export const domainDetachDeviceFlags = remoteProc(
  'domain detach device flags',
  161,
  struct({ dom: domainRef, xml: nonnullString, flags: uint }),
);
export const domainUpdateDeviceFlags = remoteProc(
  'domain update device flags',
  174,
  struct({ dom: domainRef, xml: nonnullString, flags: uint }),
);
export const domainSetMetadata = remoteProc(
  'domain set metadata',
  264,
  struct({
    dom: domainRef,
    type: int,
    metadata: optString,
    key: optString,
    uri: optString,
    flags: uint,
  }),
);
export const domainGetMetadata = remoteProc(
  'domain get metadata',
  265,
  struct({ dom: domainRef, type: int, uri: optString, flags: uint }),
  nonnullString,
);
