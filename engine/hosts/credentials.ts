import type { CredentialsProvider } from '../ssh';
import type { SecretStore } from '../secrets/secret-store';

const secretName = (hostId: string) => `host:${hostId}:password`;

/**
 * Answers the SSH layer's password questions: a password given for this attempt (kept in memory
 * only), else the one the user chose to save (encrypted in the SecretStore). No prompt UI yet: a
 * host whose secret is unknown reports AUTH_FAILED and the user re-enters it.
 */
export class HostCredentials implements CredentialsProvider {
  private readonly session = new Map<string, string>();

  constructor(private readonly secrets: SecretStore) {}

  remember(hostId: string, password: string): void {
    this.session.set(hostId, password);
  }

  async save(hostId: string, password: string): Promise<void> {
    this.session.set(hostId, password);
    await this.secrets.set(secretName(hostId), password);
  }

  async forget(hostId: string): Promise<void> {
    this.session.delete(hostId);
    await this.secrets.delete(secretName(hostId));
  }

  async keyPassphrase(): Promise<string | undefined> {
    return undefined;
  }

  async password(req: { hostId: string | undefined; attempt: number }): Promise<string | undefined> {
    if (!req.hostId || req.attempt > 1) return undefined;
    return this.session.get(req.hostId) ?? (await this.secrets.get(secretName(req.hostId)).catch(() => undefined));
  }

  async keyboardInteractive(req: { hostId: string | undefined; attempt: number; prompts: { prompt: string }[] }): Promise<string[] | undefined> {
    // PAM's single "Password:" prompt is the common case: answer it like password auth.
    if (req.prompts.length !== 1 || !/password/i.test(req.prompts[0]!.prompt)) return undefined;
    const pw = await this.password(req);
    return pw === undefined ? undefined : [pw];
  }
}
