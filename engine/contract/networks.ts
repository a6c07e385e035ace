import { z } from 'zod';
import { HostId } from './hosts';

/** Virtual networks of a host (issue 17): reads from the networks collection, every change a job. */

export const NetworkName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits and . _ - only, starting with a letter or digit');
const Ipv4 = z.string().regex(/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/, 'an IPv4 address such as 192.168.100.10');
const Mac = z.string().regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, 'a MAC address such as 52:54:00:12:34:56');

export const NETWORK_MODES = ['nat', 'route', 'isolated', 'bridge'] as const;
export const NetworkMode = z.enum(NETWORK_MODES);
export type NetworkMode = z.infer<typeof NetworkMode>;

export const DhcpReservation = z.object({ mac: Mac, ip: Ipv4, name: z.string().max(63).regex(/^[A-Za-z0-9-]*$/, 'letters, digits and - only').optional() }).strict();
export type DhcpReservation = z.infer<typeof DhcpReservation>;

export const Network = z.object({
  /** `hostId/name`. */
  id: z.string(),
  hostId: z.string(),
  name: z.string(),
  uuid: z.string(),
  active: z.boolean(),
  autostart: z.boolean(),
  /** nat, route, isolated, bridge, or another libvirt forward mode (open, passthrough…). */
  mode: z.string(),
  bridge: z.string().nullable(),
  /** The IPv4 subnet as CIDR (`192.168.122.0/24`), the host's address in it, DHCP. */
  subnet: z.string().nullable(),
  address: z.string().nullable(),
  dhcpRange: z.object({ start: z.string(), end: z.string() }).nullable(),
  reservations: z.array(z.object({ mac: z.string(), ip: z.string(), name: z.string().optional() })),
  /** DHCP lease time in minutes; null = dnsmasq's default (one hour). */
  leaseMinutes: z.number().nullable(),
});
export type Network = z.infer<typeof Network>;

export const CreateNetworkParams = z
  .object({
    hostId: HostId,
    name: NetworkName,
    mode: NetworkMode,
    /** bridge mode: an existing bridge on the host (br0); other modes: libvirt picks virbrN. */
    bridge: z.string().max(15).regex(/^[A-Za-z0-9_.-]+$/, 'an interface name such as br0').optional(),
    /** CIDR, e.g. 192.168.150.0/24; the host takes the first address. Not for bridge mode. */
    subnet: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d{1,2}$/, 'a subnet such as 192.168.150.0/24').optional(),
    dhcp: z.object({ start: Ipv4, end: Ipv4 }).strict().nullable().default(null),
    reservations: z.array(DhcpReservation).max(256).default([]),
    /** Long leases exhaust addresses (seed 004 L112). */
    leaseMinutes: z.number().int().min(2).max(525_600).optional(),
    autostart: z.boolean().default(true),
  })
  .strict();
export type CreateNetworkParams = z.infer<typeof CreateNetworkParams>;

export const NETWORK_ACTIONS = ['start', 'stop', 'delete', 'autostartOn', 'autostartOff'] as const;
export const NetworkAction = z.enum(NETWORK_ACTIONS);
export type NetworkAction = z.infer<typeof NetworkAction>;

export const DhcpLeaseInfo = z.object({
  mac: z.string().nullable(),
  ip: z.string(),
  prefix: z.number(),
  hostname: z.string().nullable(),
  /** Epoch ms. */
  expiresAt: z.number(),
});
export type DhcpLeaseInfo = z.infer<typeof DhcpLeaseInfo>;
