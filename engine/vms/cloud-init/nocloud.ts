import { buildIso } from './iso9660';
import { sha512Crypt } from './sha512-crypt';

export interface CloudInit {
  hostname?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  sshAuthorizedKeys?: string[] | undefined;
  /** A complete user-data document of the user's own (then the fields above are not used). */
  userData?: string | undefined;
}

/** JSON is valid YAML: the seed is written as JSON so no user string can break its structure. */
export function userDataOf(c: CloudInit, fallbackHostname: string): string {
  if (c.userData) return c.userData;
  const user: Record<string, unknown> = { name: c.user ?? 'hangar', shell: '/bin/bash', sudo: 'ALL=(ALL) NOPASSWD:ALL', groups: 'sudo' };
  if (c.sshAuthorizedKeys?.length) user.ssh_authorized_keys = c.sshAuthorizedKeys;
  if (c.password) {
    // The seed ISO stays in a pool on the host where others can read it: only the crypt hash goes in.
    user.passwd = sha512Crypt(c.password);
    user.lock_passwd = false;
  }
  const doc = { hostname: c.hostname ?? fallbackHostname, users: ['default', user], ssh_pwauth: !!c.password };
  return `#cloud-config\n${JSON.stringify(doc, null, 2)}\n`;
}

/** A NoCloud seed: an ISO labelled `cidata` with `meta-data` and `user-data`, as cloud-init reads it. */
export function nocloudSeed(c: CloudInit, instanceId: string, hostname: string): Buffer {
  const meta = JSON.stringify({ 'instance-id': instanceId, 'local-hostname': c.hostname ?? hostname }) + '\n';
  return buildIso('cidata', [
    { name: 'meta-data', data: Buffer.from(meta) },
    { name: 'user-data', data: Buffer.from(userDataOf(c, hostname)) },
  ]);
}
