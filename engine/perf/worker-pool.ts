import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { ErrorCode, HangarError } from '../contract/errors';

const isErrorCode = (c: string | undefined): c is ErrorCode => ErrorCode.safeParse(c).success;

/** What a pool's worker receives and answers: one request, one reply, matched by id. */
export interface PoolRequest<T> {
  id: number;
  task: T;
}
export type PoolReply<R> = { id: number; ok: true; value: R } | { id: number; ok: false; message: string; code?: string };

interface Job {
  task: unknown;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Job>;
  /** Ends the worker once it has had nothing to do for the pool's idle time. */
  idle: ReturnType<typeof setTimeout> | null;
}

/**
 * How long a worker with nothing to do stays (issue 17/20: the engine's memory at idle). Each is a
 * V8 isolate of its own (~10–20 MiB resident): kept through a burst (an inventory, a reconnect),
 * ended when the burst is over; the next task starts one again (~50 ms).
 */
export const WORKER_IDLE_MS = 30_000;

/** How many workers a pool may start: one core stays for the engine's own thread. */
export const defaultPoolSize = (): number => Math.min(4, Math.max(1, os.availableParallelism() - 1));

/** Tasks posted to one worker at a time: one running, one ready behind it. The rest wait here, where an urgent task can pass them. */
const PER_WORKER = 2;

/**
 * A small pool of worker threads for CPU work that must not run on the engine's thread (Electron's
 * main thread in the app). `entry` is the worker script: a built `.js` beside the bundle, or in the
 * sources a `.ts` run through ts-worker-boot.mjs. Workers start on first use, each task goes to the
 * worker with the fewest in flight, and an idle pool does not keep the process alive. Tasks beyond
 * what the workers hold wait in order on the engine's side; an urgent one (a host being added
 * waits for its capabilities) goes before them rather than behind 10,000 domains being parsed.
 */
export class WorkerPool<T, R> {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly entry: URL,
    private readonly size: number = defaultPoolSize(),
    private readonly idleMs: number = WORKER_IDLE_MS,
  ) {}

  get workers(): number {
    return this.slots.length;
  }

  run(task: T, opts: { urgent?: boolean } = {}): Promise<R> {
    if (this.closed) return Promise.reject(new HangarError('INTERNAL', `${this.name} pool is closed`));
    return new Promise<R>((resolve, reject) => {
      const job: Job = { task, resolve: resolve as (v: unknown) => void, reject };
      if (opts.urgent) this.queue.unshift(job);
      else this.queue.push(job);
      this.dispatch();
    });
  }

  /** Starts one worker ahead of the first task (its start-up then overlaps the caller's network wait). */
  warm(): void {
    if (!this.closed && this.slots.length === 0) this.spawn();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.pick();
      if (!slot) return;
      const job = this.queue.shift()!;
      const id = this.nextId++;
      if (slot.idle) clearTimeout(slot.idle);
      slot.idle = null;
      if (slot.pending.size === 0) slot.worker.ref();
      slot.pending.set(id, job);
      slot.worker.postMessage({ id, task: job.task as T } satisfies PoolRequest<T>);
    }
  }

  private pick(): Slot | null {
    const idle = this.slots.find((s) => s.pending.size === 0);
    if (idle) return idle;
    if (this.slots.length < this.size) return this.spawn();
    const least = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    return least.pending.size < PER_WORKER ? least : null;
  }

  private spawn(): Slot {
    const source = this.entry.pathname.endsWith('.ts');
    const worker = source
      ? new Worker(new URL('./ts-worker-boot.mjs', import.meta.url), { workerData: { entry: this.entry.href }, name: this.name })
      : new Worker(this.entry, { name: this.name });
    const slot: Slot = { worker, pending: new Map(), idle: null };
    worker.unref();
    worker.on('message', (reply: PoolReply<R>) => {
      const p = slot.pending.get(reply.id);
      if (!p) return;
      slot.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      // A HangarError thrown in the worker keeps its code (e.g. malformed XML is LIBVIRT_ERROR).
      else p.reject(new HangarError(isErrorCode(reply.code) ? reply.code : 'INTERNAL', reply.code ? reply.message : `${this.name}: ${reply.message}`));
      this.dispatch();
      if (slot.pending.size === 0) {
        worker.unref();
        slot.idle = setTimeout(() => this.retire(slot), this.idleMs);
        slot.idle.unref();
      }
    });
    const fail = (err: Error) => {
      if (slot.idle) clearTimeout(slot.idle);
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1); // the next task starts a fresh worker
      for (const p of slot.pending.values()) p.reject(new HangarError('INTERNAL', `${this.name} worker: ${err.message}`));
      slot.pending.clear();
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  /** Ends an idle worker: out of the pool first, so no task is sent to it while it stops. */
  private retire(slot: Slot): void {
    if (slot.pending.size > 0) return;
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    void slot.worker.terminate().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) if (s.idle) clearTimeout(s.idle);
    for (const job of this.queue.splice(0)) job.reject(new HangarError('INTERNAL', `${this.name} pool is closed`));
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate().catch(() => undefined)));
  }
}

/**
 * Lowers the calling worker thread's CPU priority (Linux: a thread's id is its own scheduling
 * entity), so on a busy machine the engine's thread is served first and the work waits instead.
 * Best effort: elsewhere, or when not allowed, the worker runs at normal priority.
 */
function lowerThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, 10);
  } catch {
    // not permitted or not Linux-like: normal priority
  }
}

/** The worker side: answers each request with `handle`'s value or its error's message. */
export async function serveWorker<T, R>(port: import('node:worker_threads').MessagePort, handle: (task: T) => R | Promise<R>): Promise<void> {
  lowerThreadPriority();
  port.on('message', async (req: PoolRequest<T>) => {
    let reply: PoolReply<R>;
    try {
      reply = { id: req.id, ok: true, value: await handle(req.task) };
    } catch (err) {
      const code = err instanceof HangarError ? err.code : undefined;
      reply = { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err), ...(code ? { code } : {}) };
    }
    port.postMessage(reply);
  });
}
