import crypto from 'node:crypto';
import type { SshConnection } from '../../ssh';
import { shellQuote, shellQuoteArg } from '../../ssh/shell-quote';
import type { CommandItem } from './host-items';

/**
 * Many read-only commands in one SSH exec, each command's output, stderr and exit status kept
 * apart in-band.
 *
 * A process per command is what made a bundle slow: at 500 domains a host, thousands of `virsh`
 * processes, each loading libvirt and connecting to the daemon (about 20 ms of CPU each). A batch
 * runs its virsh commands inside one virsh session (`virsh -r -c URI 'cmd1; cmd2; …'`; its parser
 * reads words the way a POSIX shell does, so shellQuote quotes them) and every other command in a
 * subshell of one shell script.
 *
 * Framing: before and after each command a marker line `<token> <i> B` / `<token> <i> E [status]`
 * is written to stdout and to stderr (virsh's `echo` and `echo --err`; the latter prefixes
 * `error: `). The token is 128 random bits, new per batch. Output that does not hold the token
 * cannot make a marker. Output that does (someone on the host read it from a process list) cannot
 * forge one unnoticed either: every real marker still follows, in a strict order, so a forged one
 * breaks the sequence, and a batch whose sequence breaks is thrown away whole and its commands run
 * one exec each. A batch cut short (timeout, lost link, virsh unable to connect) keeps the commands
 * framed before the cut; the rest run one by one, as they did before batching.
 *
 * A virsh session does not report each command's exit status; virsh exits 1 exactly when a command
 * fails, and a failing command reports `error: …`. A virsh command whose stderr holds such a line is
 * therefore run again as a process of its own (in a second batch, as a shell command), so the status
 * and stderr recorded are virsh's own. So are the commands of a session that did not run at all
 * (virsh exits at once when it cannot connect) in a batch that otherwise ended.
 */

/** The remote login shell receives the script as one argument: Linux caps one at 128 KiB. */
export const BATCH_MAX_BYTES = 64 * 1024;
/** Output kept per stream of one batch; past it the batch reads as cut short. */
const BATCH_MAX_OUTPUT = 128 * 1024 * 1024;

export function batchToken(): string {
  return crypto.randomBytes(16).toString('hex');
}

const VIRSH_RO = 'virsh -r -c qemu:///system';
const VIRSH_RW = 'virsh -c qemu:///system';

/** The script's byte size for one item, for planning batches under BATCH_MAX_BYTES. */
export function batchCost(c: CommandItem): number {
  return (c.virsh ? shellQuote(c.virsh.args).length * 1.5 : c.command.length) + 200;
}

/**
 * The shell script of a batch and the order its markers come in. Read-only virsh commands share one
 * session, read-write ones (the guest agent's ping) another, the rest run each in a subshell.
 */
export function batchScript(items: readonly CommandItem[], token: string): { script: string; order: number[]; starts: Set<number> } {
  const ro: number[] = [];
  const rw: number[] = [];
  const sh: number[] = [];
  items.forEach((c, i) => (c.virsh ? (c.virsh.rw ? rw : ro) : sh).push(i));
  const lines: string[] = [];
  for (const [idx, virsh] of [[ro, VIRSH_RO], [rw, VIRSH_RW]] as const) {
    if (idx.length === 0) continue;
    const session = idx.map((i) => `echo ${token} ${i} B; echo --err ${token} ${i} B; ${shellQuote(items[i]!.virsh!.args)}; echo ${token} ${i} E; echo --err ${token} ${i} E`).join('; ');
    lines.push(`${virsh} ${shellQuoteArg(session)} </dev/null`);
  }
  for (const i of sh) {
    lines.push(`echo '${token} ${i} B'; echo '${token} ${i} B' >&2; (${items[i]!.command}\n) </dev/null; echo "${token} ${i} E $?"; echo '${token} ${i} E' >&2`);
  }
  lines.push(`echo '${token} END'; echo '${token} END' >&2`);
  // Where each part starts in the order of markers: each session, each shell command.
  const starts = new Set<number>([0, ro.length, ro.length + rw.length, ...sh.map((_, k) => ro.length + rw.length + k)]);
  return { script: lines.join('\n'), order: [...ro, ...rw, ...sh], starts };
}

export interface FramedItem {
  stdout: Buffer;
  stderr: Buffer;
  /** From the marker (shell commands); null for a virsh command in a session (none is reported). */
  status: number | null;
  /** Offsets in the stdout stream of the item's start and end markers. */
  from: number;
  to: number;
}

export interface ParsedBatch {
  /** Per item (by its index in the batch): its framed output, or undefined when it was not framed. */
  items: Array<FramedItem | undefined>;
  /** A marker out of its place: nothing of the batch can be trusted. */
  tampered: boolean;
  /** The script reached its end (both streams): what is not framed did not run. */
  ended: boolean;
}

interface Segment {
  body: Buffer;
  from: number;
  to: number;
  status: number | null;
}

const MARKER = /^ (?:(\d{1,9}) ([BE])(?: (\d{1,3}))?|END)$/;

function scan(buf: Buffer, token: string, order: readonly number[], starts: ReadonlySet<number>, virshErr: ReadonlySet<number> | null): { segs: Map<number, Segment>; tampered: boolean; ended: boolean } {
  const tok = Buffer.from(token, 'latin1');
  const segs = new Map<number, Segment>();
  let next = 0;
  let open = -1;
  let bodyStart = 0;
  let ended = false;
  let pos = 0;
  for (;;) {
    const p = buf.indexOf(tok, pos);
    if (p < 0) return { segs, tampered: false, ended };
    const nl = buf.indexOf(0x0a, p);
    if (nl < 0) return { segs, tampered: false, ended: false }; // the stream was cut inside a marker
    const m = MARKER.exec(buf.toString('latin1', p + tok.length, nl));
    if (!m || ended) return { segs, tampered: true, ended: false };
    if (m[1] === undefined) {
      // The end: after every command, or after a virsh session that ran none of its own.
      if (open !== -1) return { segs, tampered: true, ended: false };
      ended = true;
    } else {
      const i = Number(m[1]);
      if (m[2] === 'B') {
        if (open !== -1) return { segs, tampered: true, ended: false };
        if (i !== order[next]) {
          // Only forward to the start of a later part: a virsh session that stopped early (or could
          // not connect) leaves out the rest of its commands. Never back, so a forged marker still
          // puts the real ones that follow it out of order.
          const at = order.indexOf(i, next);
          if (at < 0 || !starts.has(at)) return { segs, tampered: true, ended: false };
          next = at;
        }
        open = i;
        bodyStart = nl + 1;
      } else {
        if (open !== i) return { segs, tampered: true, ended: false };
        let end = p;
        // virsh's `echo --err` writes `error: <marker>` on a line of its own.
        if (virshErr?.has(i) && end - 7 >= bodyStart && buf.toString('latin1', end - 7, end) === 'error: ' && (end - 7 === bodyStart || buf[end - 8] === 0x0a)) end -= 7;
        segs.set(i, { body: buf.subarray(bodyStart, end), from: bodyStart, to: p, status: m[3] === undefined ? null : Number(m[3]) });
        open = -1;
        next++;
      }
    }
    pos = nl + 1;
  }
}

/** Splits a batch's two streams into its items' outputs (see the framing above). */
export function parseBatch(stdout: Buffer, stderr: Buffer, token: string, plan: { order: readonly number[]; starts: ReadonlySet<number> }, virshItems: ReadonlySet<number>): ParsedBatch {
  const o = scan(stdout, token, plan.order, plan.starts, null);
  const e = scan(stderr, token, plan.order, plan.starts, virshItems);
  const items: Array<FramedItem | undefined> = [];
  for (let i = 0; i < plan.order.length; i++) items.push(undefined);
  if (o.tampered || e.tampered) return { items, tampered: true, ended: false };
  for (const [i, s] of o.segs) {
    const err = e.segs.get(i);
    if (err) items[i] = { stdout: s.body, stderr: err.body, status: s.status, from: s.from, to: s.to };
  }
  return { items, tampered: false, ended: o.ended && e.ended };
}

export interface BatchOutcome {
  stdout: string;
  stderr: string;
  exitCode: number;
  startedAt: number;
  durationMs: number;
}

/** A stream's bytes, with when each arrived (an item's markers date its start and end). */
class Received {
  private readonly parts: Buffer[] = [];
  private readonly ends: number[] = [];
  private readonly times: number[] = [];
  size = 0;

  add(b: Buffer): void {
    if (this.size >= BATCH_MAX_OUTPUT) return;
    this.parts.push(b);
    this.size += b.length;
    this.ends.push(this.size);
    this.times.push(Date.now());
  }

  buffer(): Buffer {
    return Buffer.concat(this.parts);
  }

  /** When the byte at `offset` arrived. */
  timeAt(offset: number): number {
    let lo = 0;
    let hi = this.ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid]! > offset) hi = mid;
      else lo = mid + 1;
    }
    return this.times[lo] ?? Date.now();
  }
}

/** Commands cost this much extra time in a batch (virsh's guest-agent ping waits up to 5 s). */
const AGENT_WAIT_MS = 6_000;

/** Per item of a batch: its outcome, or how it must run instead. */
export type BatchAnswer = BatchOutcome | 'alone' | 'process';

/**
 * Runs a batch in one exec. Per item: its outcome; 'process' for a virsh command to run again as a
 * process of its own (it reported an error, or its session never ran it in a batch that ended);
 * 'alone' for one to run in an exec of its own (the batch was cut short, or tampered with). Throws
 * only when cancelled.
 */
export async function runBatch(ssh: SshConnection, items: readonly CommandItem[], opts: { signal: AbortSignal; timeoutMs: number }): Promise<BatchAnswer[]> {
  const token = batchToken();
  const plan = batchScript(items, token);
  const out = new Received();
  const err = new Received();
  const rw = items.filter((c) => c.virsh?.rw).length;
  const timeoutMs = Math.max(opts.timeoutMs, ...items.map((c) => c.timeoutMs ?? 0)) + rw * AGENT_WAIT_MS;
  try {
    await ssh.exec(plan.script, { signal: opts.signal, timeoutMs, maxBuffer: 0, onStdout: (c) => out.add(c), onStderr: (c) => err.add(c) });
  } catch (e) {
    if (opts.signal.aborted) throw e;
    // Timed out or lost: the commands framed so far stand, the others run on their own.
  }
  const virshItems = new Set(items.flatMap((c, i) => (c.virsh ? [i] : [])));
  const parsed = parseBatch(out.buffer(), err.buffer(), token, plan, virshItems);
  return parsed.items.map((f, i): BatchAnswer => {
    if (!f) return parsed.ended && virshItems.has(i) ? 'process' : 'alone';
    const stderr = f.stderr.toString('utf8');
    let exitCode = f.status;
    if (exitCode === null) {
      if (/^error: /m.test(stderr)) return 'process';
      exitCode = 0;
    }
    const startedAt = out.timeAt(f.from);
    return { stdout: f.stdout.toString('utf8'), stderr, exitCode, startedAt, durationMs: Math.max(0, out.timeAt(f.to) - startedAt) };
  });
}

/** Cuts items into batches under BATCH_MAX_BYTES and `maxItems`, keeping each unit (one VM's items) whole. */
export function planBatches(units: ReadonlyArray<readonly CommandItem[]>, maxItems: number): CommandItem[][] {
  const batches: CommandItem[][] = [];
  let cur: CommandItem[] = [];
  let bytes = 0;
  for (const u of units) {
    const cost = u.reduce((s, c) => s + batchCost(c), 0);
    if (cur.length > 0 && (bytes + cost > BATCH_MAX_BYTES || cur.length + u.length > maxItems)) {
      batches.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(...u);
    bytes += cost;
  }
  if (cur.length > 0) batches.push(cur);
  return batches;
}
