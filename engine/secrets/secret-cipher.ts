import type { EngineInfo } from '../contract/engine-info';

/** Something about where secrets are kept that the user should know (shown in Settings, logged). */
export type SecretWarning = NonNullable<EngineInfo['secrets']['warning']>;

/**
 * What turns a secret into ciphertext at rest. The app gives Electron's safeStorage; `hangar serve`
 * gives an AES-GCM key from a key file or the environment. The engine stores only the ciphertext.
 */
export interface SecretCipher {
  /** A short name for the backend, shown in Settings (e.g. `gnome_libsecret`, `key-file`). */
  readonly backend: string;
  /** Whether secrets may be stored; when not, `reason` says why in words for the user. */
  availability(): Promise<{ available: boolean; reason?: string; warning?: SecretWarning }>;
  encrypt(plain: string): Promise<Uint8Array>;
  decrypt(ciphertext: Uint8Array): Promise<string>;
}
