import type { Client, ClientChannel } from 'ssh2';
import type { Duplex } from 'node:stream';
import { HangarError } from '../contract/errors';
import type { OpScope } from '../common/abort';

export interface ExecOptions {
  signal?: AbortSignal;
  /** Whole run, from asking for the connection to the exit status. Default 60 s; Infinity for none. */
  timeoutMs?: number;
  /** Written to the command's stdin, which is then closed (it is closed at once without it). */
  stdin?: string | Buffer;
  onStdout?(chunk: Buffer): void;
  onStderr?(chunk: Buffer): void;
  /** Bytes of stdout and of stderr kept in the result (default 16 MiB each); streaming callbacks see all. */
  maxBuffer?: number;
}

export interface ExecResult {
  /** null when the command was ended by a signal. */
  exitCode: number | null;
  /** e.g. 'KILL', 'TERM' (without 'SIG'), when the command died of a signal. */
  signal: string | null;
  stdout: string;
  stderr: string;
  /** True when output went beyond maxBuffer and the kept copy was cut. */
  truncated: boolean;
}

export interface StreamOptions {
  signal?: AbortSignal;
  /** For opening the channel only; the stream then lives until closed. Default 15 s. */
  timeoutMs?: number;
}

const DEFAULT_MAX_BUFFER = 16 * 1024 * 1024;

/**
 * Opens a channel, honouring the scope; a channel that arrives after the scope ended is closed.
 *
 * `attach` runs synchronously in ssh2's callback, before the promise settles: ssh2 parses every
 * packet of a TCP read in one go, so a fast command's exit-status can be emitted in the same tick
 * as the exec reply. A listener added after `await` missed it, and the command looked as if its
 * channel had closed without an exit status (seen under load as "the connection closed before the
 * command finished"). Stream data is buffered until read; plain events like 'exit' are not.
 */
export function openChannel(
  what: string,
  scope: OpScope,
  open: (cb: (err: Error | undefined, ch: ClientChannel) => void) => void,
  attach?: (ch: ClientChannel) => void,
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    if (scope.signal.aborted) return reject(scope.error(what));
    let done = false;
    const onAbort = (): void => {
      done = true;
      reject(scope.error(what));
    };
    scope.signal.addEventListener('abort', onAbort, { once: true });
    try {
      open((err, ch) => {
        scope.signal.removeEventListener('abort', onAbort);
        if (done) {
          ch?.close();
          return;
        }
        done = true;
        if (err) return reject(channelOpenError(what, err));
        attach?.(ch);
        resolve(ch);
      });
    } catch (err) {
      // ssh2 throws synchronously when the connection is already gone.
      scope.signal.removeEventListener('abort', onAbort);
      done = true;
      reject(new HangarError('UNREACHABLE', `${what}: ${(err as Error).message}`));
    }
  });
}

function channelOpenError(what: string, err: Error & { reason?: number }): HangarError {
  // RFC 4254 §5.1 reason 1 = administratively prohibited (e.g. AllowStreamLocalForwarding no).
  // `openFailed`: the server answered, but no. For a session channel OpenSSH says so (a bare
  // "open failed") when it would go beyond its MaxSessions: the connection learns that limit from it.
  const details = { openFailed: true, reason: err.reason };
  if (err.reason === 1) return new HangarError('FORBIDDEN', `${what} was refused by the server: ${err.message}`, details);
  return new HangarError('UNREACHABLE', `${what} failed: ${err.message}`, details);
}

/**
 * Runs one command to completion, streaming its output; on timeout or abort the remote command and
 * everything it started are killed.
 *
 * Killing needs care: the SSH "signal" request is ignored by sshd for root logins (they run without
 * privilege separation, where sshd refuses to signal) and closing the channel does not stop a
 * process that neither reads nor writes. But sshd starts each exec in a new session (setsid), so
 * the login shell's PID is the process group of the whole command. The command line is prefixed
 * with `echo $$;` to learn it (the first stdout line, stripped before the caller sees output), and
 * an abort sends `kill -s KILL -- -<pgid>` over a second channel.
 */
export async function runExec(client: Client, command: string, opts: ExecOptions, scope: OpScope): Promise<ExecResult> {
  const what = `Command "${abbreviate(command)}"`;
  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  let exited = false;
  const channel = await openChannel(
    what,
    scope,
    (cb) => client.exec(`echo $$; ${command}`, cb),
    (ch) =>
      ch.on('exit', (code: number | null, signal?: string) => {
        exited = true;
        exitCode = typeof code === 'number' ? code : null;
        exitSignal = typeof signal === 'string' ? signal.replace(/^SIG/, '') : null;
      }),
  );
  const max = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
  const out = collector(max);
  const err = collector(max);
  let pgid: number | undefined;
  let head: Buffer | undefined = Buffer.alloc(0); // stdout until the PID line is complete
  const onStdout = (chunk: Buffer): void => {
    out.add(chunk);
    opts.onStdout?.(chunk);
  };
  return new Promise<ExecResult>((resolve, reject) => {
    const onAbort = (): void => {
      if (pgid !== undefined) killGroup(client, pgid);
      channel.close();
      reject(scope.error(what));
    };
    scope.signal.addEventListener('abort', onAbort, { once: true });
    channel.on('data', (chunk: Buffer) => {
      if (head === undefined) return onStdout(chunk);
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(0x0a);
      if (nl < 0 && head.length < 32) return;
      const first = head.subarray(0, Math.max(nl, 0)).toString('latin1');
      const rest = /^\d+$/.test(first) ? head.subarray(nl + 1) : head; // not a PID: a noisy shell rc; pass it on
      if (rest !== head) pgid = Number(first);
      head = undefined;
      if (rest.length > 0) onStdout(rest);
    });
    channel.stderr.on('data', (chunk: Buffer) => {
      err.add(chunk);
      opts.onStderr?.(chunk);
    });
    channel.on('close', () => {
      scope.signal.removeEventListener('abort', onAbort);
      if (scope.signal.aborted) return; // already rejected
      if (head !== undefined && head.length > 0) onStdout(head);
      if (!exited) return reject(new HangarError('UNREACHABLE', `${what}: the connection closed before the command finished`, { noExitStatus: true }));
      resolve({ exitCode, signal: exitSignal, stdout: out.text(), stderr: err.text(), truncated: out.truncated || err.truncated });
    });
    channel.end(opts.stdin);
  });
}

/** Fire-and-forget: the aborted caller does not wait for the kill to land. */
function killGroup(client: Client, pgid: number): void {
  try {
    client.exec(`kill -s KILL -- -${pgid}`, (err, ch) => {
      if (err) return;
      ch.on('data', () => undefined);
      ch.stderr.on('data', () => undefined);
      ch.end();
    });
  } catch {
    // connection gone: so is the command
  }
}

/**
 * Runs a command whose stdin/stdout are the stream (e.g. `virt-ssh-helper qemu:///system` or
 * `nc -U /run/libvirt/libvirt-sock`), for hosts that forbid stream-local forwarding. If the command
 * fails, the stream is destroyed with an error that carries its stderr.
 */
export async function openExecDuplex(client: Client, command: string, scope: OpScope): Promise<Duplex> {
  const what = `Stream command "${abbreviate(command)}"`;
  const err = collector(4096);
  const onExit = (channel: ClientChannel) => (code: number | null, signal?: string): void => {
    if (code === 0) return;
    const why = code === 127 ? 'UNSUPPORTED' : 'UNREACHABLE';
    const status = code === null ? `signal ${signal ?? '?'}` : `exit code ${code}`;
    const msg = err.text().trim();
    const error = new HangarError(why, `${what} ended with ${status}${msg ? `: ${msg}` : ''}`);
    // ssh2's channel.destroy() drops its argument, so the error is emitted by hand, and only to a
    // listener: an unheard 'error' event would bring the whole engine down.
    if (channel.listenerCount('error') > 0) channel.emit('error', error);
    channel.close();
  };
  const channel = await openChannel(what, scope, (cb) => client.exec(command, cb), (ch) => {
    ch.on('exit', onExit(ch));
    ch.stderr.on('data', (chunk: Buffer) => err.add(chunk)); // must be read, or the window fills and stalls
  });
  return channel;
}

function collector(max: number): { add(b: Buffer): void; text(): string; truncated: boolean } {
  const parts: Buffer[] = [];
  let size = 0;
  const c = {
    truncated: false,
    add(b: Buffer) {
      if (size >= max) {
        c.truncated = true;
        return;
      }
      const take = b.subarray(0, max - size);
      if (take.length < b.length) c.truncated = true;
      parts.push(take);
      size += take.length;
    },
    text: () => Buffer.concat(parts).toString('utf8'),
  };
  return c;
}

function abbreviate(command: string): string {
  return command.length > 80 ? `${command.slice(0, 77)}...` : command;
}
