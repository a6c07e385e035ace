/**
 * What the pre-flights of many VMs at once (a maintenance plan of a host with hundreds) share: a
 * host's answers asked once (its active domains, networks, pools, CPU verdicts, a volume by path),
 * and per-path shell checks gathered into few execs. Without it a plan of 300 VMs made 900 SSH
 * execs and listed every target's pool volumes 600 times, and timed out under libvirtd's and sshd's
 * session limits. A batch lives as long as one plan: its answers are that plan's snapshot.
 */

/** Arguments per exec stay well under the remote shell's single-argument and ARG_MAX limits. */
const ARGS_BYTES = 60_000;

type Lines = (paths: string[]) => Promise<string[]>;

interface Queue {
  running: boolean;
  waiting: Map<string, Array<{ resolve(line: string): void; reject(err: unknown): void }>>;
}

export class ProbeBatch {
  private readonly answers = new Map<string, Promise<unknown>>();
  private readonly queues = new Map<string, Queue>();

  /** The answer under `key`, asked once per batch (a failure is shared too: the host said it once). */
  once<T>(key: string, ask: () => Promise<T>): Promise<T> {
    let p = this.answers.get(key) as Promise<T> | undefined;
    if (!p) {
      p = ask();
      this.answers.set(key, p);
    }
    return p;
  }

  /**
   * One output line per path, from `run` over many callers' paths at once: while one exec for `key`
   * runs, the paths asked meanwhile wait and go together in the next (the same path once).
   */
  async lines(key: string, paths: readonly string[], run: Lines): Promise<string[]> {
    let q = this.queues.get(key);
    if (!q) this.queues.set(key, (q = { running: false, waiting: new Map() }));
    const queue = q;
    const mine = paths.map(
      (p) =>
        new Promise<string>((resolve, reject) => {
          const list = queue.waiting.get(p) ?? [];
          list.push({ resolve, reject });
          queue.waiting.set(p, list);
        }),
    );
    if (!queue.running) void this.drain(queue, run);
    return Promise.all(mine);
  }

  private async drain(q: Queue, run: Lines): Promise<void> {
    q.running = true;
    // Callers of the same turn join the first exec.
    await new Promise((r) => setImmediate(r));
    while (q.waiting.size > 0) {
      const taken = new Map<string, Array<{ resolve(line: string): void; reject(err: unknown): void }>>();
      let bytes = 0;
      for (const [path, waiters] of q.waiting) {
        if (taken.size > 0 && bytes + path.length + 1 > ARGS_BYTES) break;
        bytes += path.length + 1;
        taken.set(path, waiters);
      }
      for (const path of taken.keys()) q.waiting.delete(path);
      const paths = [...taken.keys()];
      try {
        const out = await run(paths);
        paths.forEach((p, i) => taken.get(p)!.forEach((w) => w.resolve(out[i] ?? '')));
      } catch (err) {
        for (const ws of taken.values()) ws.forEach((w) => w.reject(err));
      }
    }
    q.running = false;
  }
}
