/**
 * How the SSH layer asks for secrets. The engine implements it: it may answer from its SecretStore,
 * or ask the user (once) through the UI and keep the answer if the user chose so. The SSH layer
 * never stores a secret; it reports whether each one worked so the provider can keep or forget it.
 */
export interface AuthContext {
  /** The Hangar host being connected to; undefined while authenticating to a bastion. */
  hostId: string | undefined;
  /** `host` or `[host]:port`, as in known_hosts. */
  endpoint: string;
  host: string;
  port: number;
  user: string;
  /**
   * True when Hangar reconnects on its own after a drop (nobody is waiting at the screen): a provider
   * may answer from its SecretStore only and return undefined rather than raise a prompt.
   */
  automatic: boolean;
  /** Fires when the connect attempt is cancelled or the UI prompt should be withdrawn. */
  signal: AbortSignal;
}

export interface PassphraseRequest extends AuthContext {
  /** Absolute path of the encrypted private key. */
  keyPath: string;
  /** 1 for the first ask; more after a wrong passphrase. */
  attempt: number;
}

export interface PasswordRequest extends AuthContext {
  attempt: number;
}

export interface KeyboardInteractiveRequest extends AuthContext {
  /** Texts sent by the server (PAM): show them; may be empty. */
  name: string;
  instructions: string;
  prompts: { prompt: string; echo: boolean }[];
  attempt: number;
}

export type SecretOutcome =
  | { kind: 'passphrase'; ok: boolean; keyPath: string; context: Omit<AuthContext, 'signal'> }
  | { kind: 'password' | 'keyboard-interactive'; ok: boolean; context: Omit<AuthContext, 'signal'> };

export interface CredentialsProvider {
  /** Passphrase for an encrypted key file; undefined skips that key. */
  keyPassphrase(req: PassphraseRequest): Promise<string | undefined>;
  /** Password for `user@host`; undefined skips password authentication. */
  password(req: PasswordRequest): Promise<string | undefined>;
  /** One answer per prompt, in order; undefined gives up keyboard-interactive authentication. */
  keyboardInteractive(req: KeyboardInteractiveRequest): Promise<string[] | undefined>;
  /**
   * Whether the secret last returned worked: a passphrase when it decrypted the key (or did not),
   * a password or answers when the server accepted (or refused) them. Keep only what worked.
   */
  report?(outcome: SecretOutcome): void;
}
