import { HangarError } from '../contract/errors';

/**
 * Caps concurrent session channels (exec, exec streams) on one connection. OpenSSH's MaxSessions
 * (default 10) refuses a session beyond it; queueing here turns a burst of commands into a short
 * wait instead. Hangar's cap starts below OpenSSH's default and comes down to what a server really
 * allows once it refuses a session while others are open (`lowerTo`): the server's limit, learned.
 */
export class Slots {
  private used = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(private size: number) {
    this.size = Math.max(1, size);
  }

  get capacity(): number {
    return this.size;
  }

  get inUse(): number {
    return this.used;
  }

  /** The server allows no more than `n` sessions at once: never ask it for more (at least one). */
  lowerTo(n: number): void {
    this.size = Math.max(1, Math.min(this.size, n));
  }

  acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) return Promise.reject(new HangarError('CANCELLED', 'Cancelled'));
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.releaser());
      };
      const onAbort = (): void => {
        const i = this.waiters.indexOf(grant);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new HangarError('CANCELLED', 'Cancelled'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(grant);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used--;
      while (this.used < this.size && this.waiters.length > 0) {
        this.used++;
        this.waiters.shift()!(); // hand the slot over directly
      }
    };
  }
}
