import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from '../logger';

/** A delay above this is a stall: logged with what was running. */
export const STALL_MS = 100;
/** The rolling window the figures cover. */
export const WINDOW_SEC = 60;

export interface LoopStats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Delay samples the figures are made of. */
  samples: number;
  windowSec: number;
}

export interface Stall {
  at: number;
  ms: number;
  /** What was running during that second (activity labels), or empty when nothing said. */
  activities: string[];
}

/** One second of the histogram, kept as a weighted summary: (value, count) points. */
interface Slot {
  at: number;
  points: Array<[number, number]>;
  max: number;
  count: number;
}

const ns = (v: number): number => v / 1e6;

/**
 * The engine thread's event-loop delay (perf_hooks.monitorEventLoopDelay): each second's
 * histogram is folded into a summary and reset, so p50/p99/max cover a rolling window; a second
 * whose worst delay exceeds STALL_MS is logged with the activities that ran in it. Activities are
 * cheap labels the inventory, jobs and gather put around their work (`activity(label, fn)`).
 */
export class EventLoopMonitor {
  private histogram: IntervalHistogram | null = null;
  private timer: NodeJS.Timeout | null = null;
  private slots: Slot[] = [];
  private readonly running = new Map<number, string>();
  /** Labels that ran at some point during the current second. */
  private seen = new Set<string>();
  private nextToken = 1;
  private readonly stalls: Stall[] = [];
  private logger: Logger | null = null;

  start(logger?: Logger): void {
    if (logger) this.logger = logger;
    if (this.histogram) return;
    this.histogram = monitorEventLoopDelay({ resolution: 10 });
    this.histogram.enable();
    this.timer = setInterval(() => this.fold(), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.histogram?.disable();
    this.histogram = null;
    this.timer = null;
  }

  get started(): boolean {
    return this.histogram !== null;
  }

  /** Marks a label as running until the returned function is called. */
  begin(label: string): () => void {
    const token = this.nextToken++;
    this.running.set(token, label);
    this.seen.add(label);
    return () => void this.running.delete(token);
  }

  /** The labels running right now. */
  current(): string[] {
    return [...new Set(this.running.values())];
  }

  private fold(): void {
    const h = this.histogram;
    if (!h) return;
    const now = Date.now();
    if (h.count > 0) {
      const points: Array<[number, number]> = [];
      let prev = 0;
      for (const [p, v] of h.percentiles) {
        const n = Math.round(((p - prev) / 100) * h.count);
        if (n > 0) points.push([ns(v), n]);
        prev = p;
      }
      const slot: Slot = { at: now, points, max: ns(h.max), count: h.count };
      this.slots.push(slot);
      if (slot.max > STALL_MS) {
        const stall: Stall = { at: now, ms: Math.round(slot.max), activities: [...new Set([...this.seen, ...this.running.values()])] };
        this.stalls.push(stall);
        if (this.stalls.length > 20) this.stalls.shift();
        this.logger?.warn('event loop stalled', { ms: stall.ms, activities: stall.activities });
      }
    }
    h.reset();
    this.seen = new Set(this.running.values());
    const oldest = now - WINDOW_SEC * 1000;
    while (this.slots.length && this.slots[0]!.at < oldest) this.slots.shift();
  }

  /** p50/p99/max over the window, or since `sinceMs` (a measurement's start), the current second included. */
  stats(sinceMs = 0): LoopStats {
    this.fold();
    const slots = this.slots.filter((s) => s.at >= sinceMs);
    const points = slots.flatMap((s) => s.points).sort((a, b) => a[0] - b[0]);
    const total = points.reduce((a, p) => a + p[1], 0);
    const at = (q: number): number => {
      const want = q * total;
      let acc = 0;
      for (const [v, n] of points) {
        acc += n;
        if (acc >= want) return v;
      }
      return points.at(-1)?.[0] ?? 0;
    };
    const r = (x: number) => Math.round(x * 10) / 10;
    return { p50Ms: r(at(0.5)), p99Ms: r(at(0.99)), maxMs: r(Math.max(0, ...slots.map((s) => s.max))), samples: total, windowSec: WINDOW_SEC };
  }

  recentStalls(): Stall[] {
    return [...this.stalls];
  }
}

/** The engine's one monitor (one event loop per process). */
export const eventLoop = new EventLoopMonitor();

/** Runs `fn` labelled as `label` for the stall log: what was running when the engine froze. */
export async function activity<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const end = eventLoop.begin(label);
  try {
    return await fn();
  } finally {
    end();
  }
}
