import { z } from 'zod';

/**
 * Per-user API tokens for the pools REST listener (`hangar serve --pools-listen`). The secret is
 * shown once, at creation; the engine keeps only its SHA-256. Each token carries a quota.
 */

/** The user a token acts for: the `user` of `https://user:token@host/` (Basic auth). */
export const ApiUser = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash, underscore; starting with a letter or digit');

export const ApiTokenId = z.string().min(1).max(64);

export const ApiToken = z.object({
  id: ApiTokenId,
  user: ApiUser,
  /** The secret's first characters, so a person can tell tokens apart (never enough to use). */
  hint: z.string(),
  /** Most VMs this token may hold leased at once. */
  maxVms: z.number().int().min(1).max(1000),
  /** Longest expiry (minutes) a lease made with this token may ask for. */
  maxExpiryMinutes: z.number().int().min(1).max(525_600),
  createdAt: z.number(),
  lastUsedAt: z.number().nullable(),
});
export type ApiToken = z.infer<typeof ApiToken>;

export const CreateApiTokenParams = z
  .object({
    user: ApiUser,
    maxVms: z.number().int().min(1).max(1000).default(10),
    maxExpiryMinutes: z.number().int().min(1).max(525_600).default(720),
  })
  .strict();

export const CreatedApiToken = z.object({
  token: ApiToken,
  /** The secret itself: shown once, never stored. */
  secret: z.string(),
});
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;
