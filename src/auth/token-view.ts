/**
 * The one public shape of a token's facts, shared by `cairn token list --json` and the
 * admin HTTP API: times as RFC 3339, a derived status, never the secret.
 */
import type { TokenInfo } from './token-store.js';

export type TokenStatus = 'active' | 'revoked' | 'expired';

export interface TokenView {
  readonly id: string;
  readonly tenant: string | null;
  readonly admin: boolean;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly status: TokenStatus;
  readonly created: string;
  readonly expires: string | null;
  readonly revoked: string | null;
  readonly lastUsed: string | null;
  readonly requestCount: number;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function tokenStatus(info: TokenInfo, now: number): TokenStatus {
  if (info.revokedAt !== null) return 'revoked';
  if (info.expiresAt !== null && info.expiresAt <= now) return 'expired';
  return 'active';
}

export function toTokenView(info: TokenInfo, now: number): TokenView {
  return {
    id: info.id,
    tenant: info.tenant,
    admin: info.admin,
    name: info.name,
    scopes: info.admin ? ['admin'] : info.scopes,
    status: tokenStatus(info, now),
    created: iso(info.createdAt)!,
    expires: iso(info.expiresAt),
    revoked: iso(info.revokedAt),
    lastUsed: iso(info.lastUsedAt),
    requestCount: info.requestCount,
  };
}
