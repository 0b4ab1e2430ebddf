/**
 * Tokens and tenants in `system.db`. Only a hash of each secret is stored. The server
 * and the `cairn token` CLI open the same file (WAL mode), and the server reads the row
 * on every request, so a revocation by the CLI is seen by the next request.
 */
import { CairnError, badData } from '../util/errors.js';
import type { Clock } from '../util/clock.js';
import { migrate, type SqlDatabase, type SqlStatement } from '../util/sqlite.js';
import { parseScopes, type Scope } from './scopes.js';
import { hashToken, hashesEqual, mintToken, tokenId } from './secret.js';

const MIGRATIONS = [
  `CREATE TABLE auth_tenants (
     id TEXT PRIMARY KEY,
     created_at INTEGER NOT NULL
   );
   CREATE TABLE auth_tokens (
     id TEXT PRIMARY KEY,
     tenant TEXT REFERENCES auth_tenants(id),
     admin INTEGER NOT NULL DEFAULT 0,
     name TEXT NOT NULL,
     scopes TEXT NOT NULL,
     secret_hash BLOB NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     revoked_at INTEGER,
     last_used_at INTEGER,
     request_count INTEGER NOT NULL DEFAULT 0
   );
   CREATE INDEX auth_tokens_tenant ON auth_tokens(tenant);`,
];

/** A token as listed: everything but the secret. Times are ms since the epoch. */
export interface TokenInfo {
  readonly id: string;
  /** Null for admin tokens, which belong to no tenant. */
  readonly tenant: string | null;
  readonly admin: boolean;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
  readonly requestCount: number;
}

/** What to create. `admin: true` ignores tenant and scopes. */
export interface CreateTokenRequest {
  readonly tenant?: string;
  readonly admin?: boolean;
  readonly scopes?: string;
  readonly name?: string;
  /** Lifetime in ms; undefined = never expires. */
  readonly expiresInMs?: number;
}

interface TokenRow {
  id: string;
  tenant: string | null;
  admin: number;
  name: string;
  scopes: string;
  secret_hash: Buffer;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  request_count: number;
}

function toInfo(r: TokenRow): TokenInfo {
  return {
    id: r.id,
    tenant: r.tenant,
    admin: r.admin === 1,
    name: r.name,
    scopes: r.scopes === '' ? [] : (r.scopes.split(',') as Scope[]),
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
    requestCount: r.request_count,
  };
}

/** Why a presented token was refused, for the 401 message (never echoing the token). */
export type TokenRejection = 'unknown' | 'revoked' | 'expired';

/** Token persistence and verification over one `system.db` connection. */
export class TokenStore {
  private readonly byId: SqlStatement<TokenRow>;
  private readonly insertTenant: SqlStatement;
  private readonly insertToken: SqlStatement;
  private readonly addUsage: SqlStatement;
  private revocations = 0;

  constructor(
    private readonly db: SqlDatabase,
    private readonly clock: Clock,
  ) {
    migrate(db, 'auth', MIGRATIONS);
    this.byId = db.prepare<TokenRow>('SELECT * FROM auth_tokens WHERE id = ?');
    this.insertTenant = db.prepare('INSERT OR IGNORE INTO auth_tenants (id, created_at) VALUES (?, ?)');
    this.insertToken = db.prepare(
      'INSERT INTO auth_tokens (id, tenant, admin, name, scopes, secret_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.addUsage = db.prepare(
      'UPDATE auth_tokens SET request_count = request_count + ?, last_used_at = MAX(COALESCE(last_used_at, 0), ?) WHERE id = ?',
    );
  }

  /**
   * Creates a token and returns its info plus the secret, which is not stored and cannot
   * be shown again. Creates the tenant row on first use of a tenant ID. The caller
   * validates the tenant ID.
   */
  create(req: CreateTokenRequest): { info: TokenInfo; token: string } {
    const admin = req.admin === true;
    if (!admin && (req.tenant === undefined || req.tenant === '')) throw badData('missing_tenant', 'a tenant is required for a non-admin token');
    const scopes = admin ? [] : parseScopes(req.scopes ?? '');
    if (req.expiresInMs !== undefined && !(req.expiresInMs > 0)) throw badData('invalid_expiry', `expiry must be a positive duration, got ${req.expiresInMs} ms`);
    const now = this.clock.now();
    const minted = mintToken();
    const name = req.name ?? (admin ? 'admin' : `${req.tenant}-token`);
    this.db.transaction(() => {
      if (!admin) this.insertTenant.run(req.tenant, now);
      this.insertToken.run(
        minted.id,
        admin ? null : req.tenant,
        admin ? 1 : 0,
        name,
        scopes.join(','),
        minted.hash,
        now,
        req.expiresInMs === undefined ? null : now + req.expiresInMs,
      );
    })();
    return { info: toInfo(this.byId.get(minted.id)!), token: minted.token };
  }

  /**
   * Finds the live token a secret belongs to. Returns the rejection reason when it is
   * unknown, revoked or expired. The hash comparison is constant-time.
   */
  verify(token: string): TokenInfo | TokenRejection {
    const id = tokenId(token);
    if (id === undefined) return 'unknown';
    const row = this.byId.get(id);
    if (row === undefined || !hashesEqual(row.secret_hash, hashToken(token))) return 'unknown';
    if (row.revoked_at !== null) return 'revoked';
    if (row.expires_at !== null && row.expires_at <= this.clock.now()) return 'expired';
    return toInfo(row);
  }

  /** All tokens, optionally of one tenant, oldest first. Never includes secrets. */
  list(tenant?: string): TokenInfo[] {
    const rows =
      tenant === undefined
        ? this.db.prepare<TokenRow>('SELECT * FROM auth_tokens ORDER BY created_at, id').all()
        : this.db.prepare<TokenRow>('SELECT * FROM auth_tokens WHERE tenant = ? ORDER BY created_at, id').all(tenant);
    return rows.map(toInfo);
  }

  get(id: string): TokenInfo | undefined {
    const row = this.byId.get(id);
    return row === undefined ? undefined : toInfo(row);
  }

  /** Revokes a token. Throws `not_found` for an unknown id; revoking twice is a no-op. */
  revoke(id: string): TokenInfo {
    const row = this.byId.get(id);
    if (row === undefined) throw new CairnError('not_found', 'token_not_found', `no token with id '${id}'`);
    if (row.revoked_at === null) this.db.prepare('UPDATE auth_tokens SET revoked_at = ? WHERE id = ?').run(this.clock.now(), id);
    this.revocations++;
    return toInfo(this.byId.get(id)!);
  }

  /**
   * Moves whenever this connection revokes a token, so that what was verified before
   * (auth/token-cache.ts) is verified again.
   */
  get generation(): number {
    return this.revocations;
  }

  /** True when no token was ever created: the first start of a data dir. */
  isEmpty(): boolean {
    return this.db.prepare('SELECT 1 FROM auth_tokens LIMIT 1').get() === undefined;
  }

  /** Adds batched usage counts in one transaction. */
  recordUsage(usage: ReadonlyMap<string, { count: number; lastUsedAt: number }>): void {
    if (usage.size === 0) return;
    this.db.transaction(() => {
      for (const [id, u] of usage) this.addUsage.run(u.count, u.lastUsedAt, id);
    })();
  }
}
