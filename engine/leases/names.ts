/** The seed's naming rule: `<username>` for one VM, `<username>1..N` for several. */
export function leaseNames(username: string, count: number): string[] {
  return count === 1 ? [username] : Array.from({ length: count }, (_, i) => `${username}${i + 1}`);
}
