import crypto from 'node:crypto';
import { HangarError } from '../contract/errors';
import type { ApiToken, CreatedApiToken } from '../contract/api-tokens';
import type { Db } from '../store/db';

interface TokenRow {
  id: string;
  user: string;
  hint: string;
  max_vms: number;
  max_expiry_min: number;
  created_at: number;
  last_used_at: number | null;
}

const SECRET_PREFIX = 'hgr_';

/** SHA-256 of a secret, hex: what the database holds instead of the secret. */
export function hashSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

function toToken(r: TokenRow): ApiToken {
  return { id: r.id, user: r.user, hint: r.hint, maxVms: r.max_vms, maxExpiryMinutes: r.max_expiry_min, createdAt: r.created_at, lastUsedAt: r.last_used_at };
}

/**
 * API tokens: 32 random bytes (base64url, with a recognisable prefix), shown once and kept as
 * their SHA-256. Looking a token up by its hash needs no comparison of secrets at all.
 */
export class TokenStore {
  constructor(private readonly db: Db) {}

  async list(): Promise<ApiToken[]> {
    const rows = await this.db.all<TokenRow>('SELECT id, user, hint, max_vms, max_expiry_min, created_at, last_used_at FROM api_tokens ORDER BY created_at');
    return rows.map(toToken);
  }

  async create(p: { user: string; maxVms: number; maxExpiryMinutes: number }): Promise<CreatedApiToken> {
    const secret = SECRET_PREFIX + crypto.randomBytes(32).toString('base64url');
    const id = crypto.randomUUID();
    const now = Date.now();
    const hint = secret.slice(0, SECRET_PREFIX.length + 4);
    await this.db.run('INSERT INTO api_tokens (id, user, hash, hint, max_vms, max_expiry_min, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      id,
      p.user,
      hashSecret(secret),
      hint,
      p.maxVms,
      p.maxExpiryMinutes,
      now,
    ]);
    return { token: { id, user: p.user, hint, maxVms: p.maxVms, maxExpiryMinutes: p.maxExpiryMinutes, createdAt: now, lastUsedAt: null }, secret };
  }

  async revoke(id: string): Promise<void> {
    const { changes } = await this.db.run('DELETE FROM api_tokens WHERE id = ?', [id]);
    if (!changes) throw new HangarError('NOT_FOUND', `No API token ${id}`);
  }

  /**
   * The token a secret belongs to, when the user named with it (if any) is its user; else null.
   * Marks it used (at most once a minute, to spare the database).
   */
  async verify(secret: string, user: string | null): Promise<ApiToken | null> {
    if (!secret.startsWith(SECRET_PREFIX) || secret.length > 200) return null;
    const row = await this.db.get<TokenRow>('SELECT id, user, hint, max_vms, max_expiry_min, created_at, last_used_at FROM api_tokens WHERE hash = ?', [hashSecret(secret)]);
    if (!row) return null;
    if (user !== null && user !== row.user) return null;
    const now = Date.now();
    if (row.last_used_at === null || now - row.last_used_at > 60_000) {
      await this.db.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [now, row.id]);
      row.last_used_at = now;
    }
    return toToken(row);
  }
}
