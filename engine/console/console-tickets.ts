import crypto from 'node:crypto';

/** How long a ticket waits for its socket: enough for a viewer to connect, too short to be reused later. */
export const TICKET_TTL_MS = 30_000;

interface Entry<T> {
  vmId: string;
  expiresAt: number;
  value: T;
  timer: NodeJS.Timeout;
}

/**
 * Single-use, short-lived tickets binding a console socket to one VM. A ticket is taken at most
 * once; an unknown, expired or reused one, or one presented for another VM, is refused. What it
 * carries (the upstream connection already opened) is handed to `onExpire` if nobody takes it.
 */
export class ConsoleTickets<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly onExpire: (value: T) => void,
    private readonly ttlMs = TICKET_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  issue(vmId: string, value: T): { ticket: string; expiresAt: number } {
    const ticket = crypto.randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    const timer = setTimeout(() => this.expire(ticket), this.ttlMs);
    timer.unref();
    this.entries.set(ticket, { vmId, expiresAt, value, timer });
    return { ticket, expiresAt };
  }

  /** The ticket's value when it is valid for this VM, else null; a valid ticket is gone afterwards. */
  take(ticket: string, vmId: string): T | null {
    const e = this.entries.get(ticket);
    if (!e) return null;
    if (e.vmId !== vmId || this.now() > e.expiresAt) {
      // Presented for the wrong VM or too late: burn it, so a leaked ticket cannot be probed with.
      this.expire(ticket);
      return null;
    }
    clearTimeout(e.timer);
    this.entries.delete(ticket);
    return e.value;
  }

  /** Ends every waiting ticket (engine shutdown). */
  clear(): void {
    for (const t of [...this.entries.keys()]) this.expire(t);
  }

  private expire(ticket: string): void {
    const e = this.entries.get(ticket);
    if (!e) return;
    clearTimeout(e.timer);
    this.entries.delete(ticket);
    this.onExpire(e.value);
  }
}
