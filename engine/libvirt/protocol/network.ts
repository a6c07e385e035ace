/**
 * Virtual network procedures.
 */
import { array, hyper, int, struct, uint, type Infer } from '../codec';
import { REMOTE_NETWORK_DHCP_LEASES_MAX, REMOTE_NETWORK_LIST_MAX } from './constants';
import { remoteProc } from './procedure';
import { networkRef, nonnullString, optString, uuid } from './types';

export const connectListAllNetworks = remoteProc(
  'connect list all networks',
  283,
  struct({ needResults: int, flags: uint }),
  struct({ nets: array(networkRef, REMOTE_NETWORK_LIST_MAX, 20), ret: uint }),
);
export const networkLookupByName = remoteProc('network lookup by name', 46, nonnullString, networkRef);
export const networkLookupByUuid = remoteProc('network lookup by uuid', 47, uuid, networkRef);
export const networkGetXmlDesc = remoteProc(
  'network get xml desc',
  43,
  struct({ net: networkRef, flags: uint }),
  nonnullString,
);
const net = struct({ net: networkRef });
export const networkDefineXml = remoteProc('network define xml', 41, nonnullString, networkRef);
export const networkCreate = remoteProc('network create', 39, net);
export const networkDestroy = remoteProc('network destroy', 42, net);
export const networkUndefine = remoteProc('network undefine', 49, net);
export const networkGetAutostart = remoteProc('network get autostart', 44, net, int);
export const networkSetAutostart = remoteProc('network set autostart', 48, struct({ net: networkRef, autostart: int }));
export const networkIsActive = remoteProc('network is active', 152, struct({ net: networkRef }), int);

export const dhcpLease = struct({
  iface: nonnullString,
  expirytime: hyper, // seconds since the epoch
  type: int, // virIPAddrType: 0 IPv4, 1 IPv6
  mac: optString,
  iaid: optString,
  ipaddr: nonnullString,
  prefix: uint,
  hostname: optString,
  clientid: optString,
});
export type DhcpLease = Infer<typeof dhcpLease>;

export const networkGetDhcpLeases = remoteProc(
  'network get dhcp leases',
  341,
  struct({ net: networkRef, mac: optString, needResults: int, flags: uint }),
  struct({ leases: array(dhcpLease, REMOTE_NETWORK_DHCP_LEASES_MAX, 36), ret: uint }),
);
