import fs from 'node:fs/promises';
import { HangarError } from '../contract/errors';

/**
 * A private key file must be the owner's alone: one others can read is refused (as OpenSSH
 * refuses an unprotected private key) with the command that fixes it, never used silently.
 * Windows has no such mode bits; its ACLs are the profile's.
 */
export async function assertOwnerOnly(file: string, what: string): Promise<void> {
  if (process.platform === 'win32') return;
  const mode = (await fs.stat(file)).mode & 0o777;
  if (mode & 0o077) {
    throw new HangarError(
      'SECRET_STORE_UNAVAILABLE',
      `${what} ${file} is open to other users (mode ${mode.toString(8).padStart(4, '0')}). Make it yours alone with: chmod 600 ${file}`,
      { file, mode: mode.toString(8) },
    );
  }
}
