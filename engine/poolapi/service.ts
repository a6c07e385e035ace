import type { Host } from '../contract/hosts';
import type { LeaseEngine } from '../leases/lease-engine';
import type { Service } from '../rpc/service';
import type { Db } from '../store/db';
import { TokenStore } from './token-store';

/** What the pools REST listener needs from the engine: the leases engine, the tokens, the hosts (for the seed's host numbers). */
export interface PoolApiDeps {
  leases: LeaseEngine;
  tokens: TokenStore;
  hosts(): Promise<Host[]>;
}

/** API tokens for the pools REST listener: created, listed and revoked in Settings through the contract. */
export function poolApiService(deps: { db: Db }): Service & { readonly tokens: TokenStore } {
  const tokens = new TokenStore(deps.db);
  return {
    name: 'poolapi',
    tokens,
    handlers: {
      'apiTokens.list': async () => ({ tokens: await tokens.list() }),
      'apiTokens.create': (p) => tokens.create(p),
      'apiTokens.revoke': async (p) => {
        await tokens.revoke(p.id);
        return { revoked: true as const };
      },
    },
  };
}
