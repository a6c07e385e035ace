/**
 * The SSH layer: connections to hosts (auth, ~/.ssh/config, known_hosts + pinned keys, keepalive,
 * reconnect), commands, and streams for the libvirt client. Import from here, not from the files.
 */
export { SshPool } from './pool';
export { SshConnection } from './connection';
export type { SshEnvironment, SshState, SshStateEvent, ConnectOptions } from './connection';
export type { ExecOptions, ExecResult, StreamOptions } from './channels';
export type { SshTarget, ResolvedHop, ResolvedTarget, ConfigSource } from './config';
export { resolveTarget } from './config';
export type {
  CredentialsProvider,
  AuthContext,
  PassphraseRequest,
  PasswordRequest,
  KeyboardInteractiveRequest,
  SecretOutcome,
} from './credentials';
export type { HostKeyStore, HostKeyRef, PinnedKey } from './host-keys';
export type { HostPublicKey } from './fingerprint';
export { sha256Fingerprint } from './fingerprint';
export { shellQuote, shellQuoteArg } from './shell-quote';
export type { BackoffPolicy } from '../common/backoff';
export { DEFAULT_BACKOFF } from '../common/backoff';
