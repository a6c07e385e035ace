import type { SecretCipher } from '../engine/secrets/secret-cipher';

/** The part of Electron's safeStorage Hangar uses (async API: the sync one is deprecated in 45). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plain: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  getSelectedStorageBackend?(): string;
}

/**
 * SecretCipher on the OS keyring through safeStorage. On Linux without a keyring Electron falls
 * back to `basic_text`, which is obfuscation, not encryption: Hangar refuses to store secrets then
 * and says so, instead of writing passwords effectively in clear.
 */
export function safeStorageCipher(safeStorage: SafeStorageLike, platform: NodeJS.Platform): SecretCipher {
  const backend =
    platform === 'linux' ? (safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : platform === 'darwin' ? 'keychain' : 'dpapi';
  return {
    backend,
    async availability() {
      if (!(await safeStorage.isAsyncEncryptionAvailable())) {
        return { available: false, reason: 'the operating system offers no encryption for this user session' };
      }
      if (platform === 'linux' && (backend === 'basic_text' || backend === 'unknown')) {
        return {
          available: false,
          reason: 'no keyring (GNOME Keyring, KWallet) was found, so passwords would be kept in clear; Hangar will ask for them each time instead',
        };
      }
      return { available: true };
    },
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    async decrypt(ciphertext) {
      return (await safeStorage.decryptStringAsync(Buffer.from(ciphertext))).result;
    },
  };
}
