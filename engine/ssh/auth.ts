import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { AnyAuthMethod, AuthHandlerMiddleware, AuthenticationType, ParsedKey, Prompt } from 'ssh2';
import { HangarError } from '../contract/errors';
import type { ResolvedHop } from './config';
import type { AuthContext, CredentialsProvider, SecretOutcome } from './credentials';

export interface AuthInput {
  hop: ResolvedHop;
  context: AuthContext;
  credentials: CredentialsProvider | undefined;
  /** ssh2 agent: a socket path, 'pageant', or undefined for none. */
  agent: string | undefined;
  /** How many times to ask for a password / passphrase / prompt answers (OpenSSH NumberOfPasswordPrompts). */
  maxPrompts: number;
  /** Wraps every wait on the user so the connect deadline does not run meanwhile. */
  interact<T>(ask: () => Promise<T>): Promise<T>;
}

export interface AuthSession {
  handler: AuthHandlerMiddleware;
  /** Call on 'ready': the last secret used was accepted. */
  succeeded(): void;
  /** The AUTH_FAILED error, naming what was tried and what the server accepts. */
  failure(): HangarError;
}

/** ssh2 takes `false` as "no more methods" although its typings omit it. */
const NO_MORE = false as unknown as AuthenticationType;

/**
 * Auth in OpenSSH's order (PreferredAuthentications default minus gssapi/hostbased): `none` to learn
 * what the server accepts, then publickey (agent keys, then IdentityFile keys), keyboard-interactive,
 * password. A method the server does not list is skipped, so the user is never asked for a secret
 * the server would not take.
 */
export function createAuthSession(input: AuthInput): AuthSession {
  const { hop, context, credentials } = input;
  const username = hop.user;
  const tried: string[] = [];
  const notes: string[] = [];
  let serverMethods: AuthenticationType[] | undefined;
  let pending: SecretOutcome | undefined; // a secret whose verdict comes with the server's next answer
  const publicCtx: Omit<AuthContext, 'signal'> = {
    hostId: context.hostId,
    endpoint: context.endpoint,
    host: context.host,
    port: context.port,
    user: context.user,
    automatic: context.automatic,
  };
  const report = (o: SecretOutcome): void => {
    try {
      credentials?.report?.(o);
    } catch {
      // A provider bug must not break the connection attempt.
    }
  };
  const allows = (m: AuthenticationType): boolean => serverMethods === undefined || serverMethods.includes(m);

  async function* plan(): AsyncGenerator<AnyAuthMethod, void, void> {
    yield { type: 'none', username };
    if (allows('publickey')) {
      if (input.agent !== undefined && !hop.identitiesOnly) {
        tried.push('agent');
        yield { type: 'agent', username, agent: input.agent };
      }
      for (const path of hop.identityFiles) {
        if (!allows('publickey')) break;
        const key = await loadIdentity(path);
        if (key === undefined) continue;
        tried.push(`publickey ${path}`);
        yield { type: 'publickey', username, key };
      }
    }
    if (credentials && allows('keyboard-interactive')) {
      for (let attempt = 1; attempt <= input.maxPrompts && allows('keyboard-interactive'); attempt++) {
        let declined = false;
        if (attempt === 1) tried.push('keyboard-interactive');
        pending = { kind: 'keyboard-interactive', ok: false, context: publicCtx };
        yield {
          type: 'keyboard-interactive',
          username,
          prompt: (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: (a: string[]) => void) => {
            const req = { ...context, name, instructions, prompts: prompts.map((p) => ({ prompt: p.prompt, echo: p.echo ?? false })), attempt };
            input
              .interact(() => credentials.keyboardInteractive(req))
              .then(
                (answers) => {
                  if (answers === undefined) {
                    declined = true;
                    pending = undefined; // nothing was supplied, so nothing to keep or forget
                  }
                  finish(answers ?? prompts.map(() => ''));
                },
                () => {
                  declined = true;
                  pending = undefined;
                  finish(prompts.map(() => ''));
                },
              );
          },
        };
        if (declined) break;
      }
    }
    if (credentials && allows('password')) {
      for (let attempt = 1; attempt <= input.maxPrompts && allows('password'); attempt++) {
        const password = await input.interact(() => credentials.password({ ...context, attempt })).catch(() => undefined);
        if (password === undefined) break;
        if (attempt === 1) tried.push('password');
        pending = { kind: 'password', ok: false, context: publicCtx };
        yield { type: 'password', username, password };
      }
    }
  }

  async function loadIdentity(path: string): Promise<ParsedKey | undefined> {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch {
      return undefined; // OpenSSH silently skips identity files that do not exist
    }
    let parsed = firstKey(ssh2.utils.parseKey(data));
    if (parsed instanceof Error && /passphrase/i.test(parsed.message)) {
      if (!credentials) {
        notes.push(`${path} is encrypted and no passphrase provider is set`);
        return undefined;
      }
      for (let attempt = 1; attempt <= input.maxPrompts; attempt++) {
        const pass = await input.interact(() => credentials.keyPassphrase({ ...context, keyPath: path, attempt })).catch(() => undefined);
        if (pass === undefined) return undefined;
        parsed = firstKey(ssh2.utils.parseKey(data, pass));
        const ok = !(parsed instanceof Error);
        report({ kind: 'passphrase', ok, keyPath: path, context: publicCtx });
        if (ok) break;
      }
    }
    if (parsed instanceof Error) {
      notes.push(`${path}: ${parsed.message}`);
      return undefined;
    }
    return parsed.isPrivateKey() ? parsed : undefined;
  }

  const steps = plan();
  const handler: AuthHandlerMiddleware = (methodsLeft, partialSuccess, next) => {
    // ssh2 passes null before the first attempt, then the server's list after each refusal.
    if (Array.isArray(methodsLeft)) serverMethods = methodsLeft;
    if (pending) {
      if (partialSuccess) report({ ...pending, ok: true });
      else report(pending);
      pending = undefined;
    }
    if (context.signal.aborted) return next(NO_MORE);
    steps.next().then(
      (r) => next(r.done ? NO_MORE : r.value),
      () => next(NO_MORE),
    );
  };

  return {
    handler,
    succeeded: () => {
      if (pending) report({ ...pending, ok: true });
      pending = undefined;
    },
    failure: () => {
      const who = `${hop.user}@${context.endpoint}`;
      const what = tried.length > 0 ? `Tried: ${tried.join(', ')}.` : 'No credentials were available to try (no agent, no key file, no password).';
      const server = serverMethods ? ` The server accepts: ${serverMethods.join(', ') || 'nothing'}.` : '';
      const extra = notes.length > 0 ? ` (${notes.join('; ')})` : '';
      return new HangarError('AUTH_FAILED', `Authentication to ${who} was refused. ${what}${server}${extra}`, {
        host: context.host,
        port: context.port,
        user: hop.user,
        tried: [...tried],
        serverMethods: serverMethods ?? [],
      });
    },
  };
}

function firstKey(k: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  if (Array.isArray(k)) return k[0] ?? new Error('No key in file');
  return k;
}
