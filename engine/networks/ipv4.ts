/** IPv4 arithmetic for network forms: subnets as [first, last] integer ranges. */

export function ipToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export interface Subnet {
  /** The network address (host bits zero), as written back: `192.168.150.0`. */
  network: string;
  prefix: number;
  first: number;
  last: number;
}

/** `a.b.c.d/n` → its range; null when malformed. Host bits that are set are cleared (`10.0.0.5/24` is `10.0.0.0/24`). */
export function parseCidr(cidr: string): Subnet | null {
  const [ip, p] = cidr.split('/');
  const addr = ipToInt(ip ?? '');
  const prefix = Number(p);
  if (addr === null || !Number.isInteger(prefix) || prefix < 0 || prefix > 32 || p === undefined || p === '') return null;
  const size = 2 ** (32 - prefix);
  const first = Math.floor(addr / size) * size;
  return { network: intToIp(first), prefix, first, last: first + size - 1 };
}

export const subnetOf = (address: string, prefix: number): Subnet | null => parseCidr(`${address}/${prefix}`);

export const overlaps = (a: Subnet, b: Subnet): boolean => a.first <= b.last && b.first <= a.last;

/** Within the subnet's usable hosts (not the network or broadcast address of a /30 or wider). */
export function usableIn(s: Subnet, ip: number): boolean {
  if (s.prefix >= 31) return ip >= s.first && ip <= s.last;
  return ip > s.first && ip < s.last;
}
