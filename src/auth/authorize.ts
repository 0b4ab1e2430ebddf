/**
 * Who is asking, for which tenant, and may they: the tenancy and auth rules of every API
 * route, free of HTTP framework types so they can be tested as a table. The API layer
 * passes in the two headers and the route's requirement and maps the thrown CairnError.
 *
 * Order of checks (each failure stops): credentials parse → tenant resolved and valid
 * (400) → token present and live (401) → token's tenant and scope (403).
 */
import { CairnError, badData } from '../util/errors.js';
import type { Clock } from '../util/clock.js';
import { validateTenantId } from '../model/tenant.js';
import type { Scope } from './scopes.js';
import { hashToken, hashesEqual } from './secret.js';
import { TokenCache } from './token-cache.js';
import type { TokenInfo, TokenStore } from './token-store.js';
import type { UsageRecorder } from './usage.js';

/**
 * What a route demands: a tenant and a scope (or any one of several scopes, for read
 * routes that more than one kind of token may use), or an admin token.
 */
export type Requirement = { readonly kind: 'tenant'; readonly scope: Scope | readonly Scope[] } | { readonly kind: 'admin' };

/** The raw request headers auth looks at. */
export interface RequestCredentials {
  readonly orgId?: string | undefined;
  readonly authorization?: string | undefined;
}

/** The outcome of a successful check. */
export interface Principal {
  /** The tenant the request acts for; null on admin routes. */
  readonly tenant: string | null;
  /** The id of the token used; `env` for the admin token from the configuration. */
  readonly tokenId: string;
}

interface ParsedAuth {
  readonly token?: string;
  readonly basicUser?: string;
}

function unauthenticated(reason: string, message: string): CairnError {
  return new CairnError('unauthenticated', reason, message);
}

function forbidden(reason: string, message: string): CairnError {
  return new CairnError('forbidden', reason, message);
}

/** Splits an Authorization header into a token and, for Basic, a username. */
export function parseAuthorization(header: string | undefined): ParsedAuth {
  // What every client sends, read without the general pattern (same answer, property-tested):
  // `Bearer <token>` with one space and no whitespace around the token.
  const fast = header !== undefined && header.startsWith('Bearer ') && header.length > 7 && !isSpace(header.charCodeAt(7)) && !isSpace(header.charCodeAt(header.length - 1));
  if (fast && !LINE_BREAK.test(header)) {
    return { token: header.slice(7) };
  }
  return parseAuthorizationInGeneral(header);
}

/** `parseAuthorization` by the general pattern: any scheme's case, any whitespace. */
export function parseAuthorizationInGeneral(header: string | undefined): ParsedAuth {
  if (header === undefined || header.trim() === '') return {};
  const m = /^\s*(\S+)\s+(.*?)\s*$/.exec(header);
  if (m === null) throw unauthenticated('malformed_authorization', 'malformed Authorization header: expected "Bearer <token>" or "Basic <base64 of tenant:token>"');
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'bearer') return { token: m[2]! };
  if (scheme === 'basic') {
    const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw unauthenticated('malformed_authorization', 'malformed basic auth: expected base64 of "<tenant>:<token>"');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    return { ...(password === '' ? {} : { token: password }), ...(user === '' ? {} : { basicUser: user }) };
  }
  throw unauthenticated('unsupported_auth_scheme', `unsupported authorization scheme '${m[1]!.slice(0, 20)}': use Bearer or Basic`);
}

/** What the general pattern's `.` does not cross. */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** Whitespace as `\s` and `trim()` see it. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(String.fromCharCode(c)));
}

/**
 * How long a verified token is trusted without reading `system.db` again: under the one
 * second within which a running server must see a revocation by the CLI.
 */
export const TOKEN_CACHE_TTL_MS = 500;
const TOKEN_CACHE_MAX = 10_000;

/** Checks requests against the token store. */
export class Authorizer {
  private readonly envAdminHash: Buffer | undefined;
  private readonly verified = new TokenCache<TokenInfo | 'env'>(TOKEN_CACHE_TTL_MS, TOKEN_CACHE_MAX);

  constructor(
    private readonly store: TokenStore,
    private readonly clock: Clock,
    private readonly usage: UsageRecorder | undefined,
    envAdminToken: string,
  ) {
    this.envAdminHash = envAdminToken === '' ? undefined : hashToken(envAdminToken);
  }

  /** Returns the principal or throws a CairnError of kind bad_data, unauthenticated or forbidden. */
  authorize(creds: RequestCredentials, req: Requirement): Principal {
    const auth = parseAuthorization(creds.authorization);
    if (req.kind === 'admin') return this.admin(auth);

    const header = creds.orgId?.trim();
    if (header !== undefined && header !== '' && auth.basicUser !== undefined && auth.basicUser !== header) {
      throw badData('tenant_mismatch', `the basic-auth username '${auth.basicUser.slice(0, 150)}' contradicts the X-Scope-OrgID header '${header.slice(0, 150)}'`);
    }
    const tenant = header !== undefined && header !== '' ? header : auth.basicUser;
    if (tenant === undefined) {
      throw badData('missing_tenant', 'no org id: send the tenant in the X-Scope-OrgID header or as the basic-auth username');
    }
    validateTenantId(tenant);

    const info = this.live(auth.token);
    if (info === 'env') throw forbidden('admin_token_on_tenant_route', 'admin tokens manage tokens only; use a tenant token for tenant data');
    if (info.admin) throw forbidden('admin_token_on_tenant_route', 'admin tokens manage tokens only; use a tenant token for tenant data');
    if (info.tenant !== tenant) throw forbidden('wrong_tenant', `the token is not valid for tenant '${tenant}'`);
    if (typeof req.scope === 'string' ? !info.scopes.includes(req.scope) : !req.scope.some((s) => info.scopes.includes(s))) {
      throw forbidden('missing_scope', `the token lacks the scope ${typeof req.scope === 'string' ? req.scope : req.scope.join(' or ')} needed here`);
    }
    this.usage?.record(info.id, this.clock.now());
    return { tenant, tokenId: info.id };
  }

  private admin(auth: ParsedAuth): Principal {
    const info = this.live(auth.token);
    if (info === 'env') return { tenant: null, tokenId: 'env' };
    if (!info.admin) throw forbidden('admin_required', 'this route needs an admin token');
    this.usage?.record(info.id, this.clock.now());
    return { tenant: null, tokenId: info.id };
  }

  /** The live stored token, or `env` for the configured admin token; throws 401 otherwise. */
  private live(token: string | undefined): TokenInfo | 'env' {
    if (token === undefined) throw unauthenticated('missing_token', 'missing token: send Authorization: Bearer <token>, or the token as the basic-auth password');
    const now = this.clock.now();
    const generation = this.store.generation;
    const cached = this.verified.get(token, now, generation);
    if (cached !== undefined && (cached === 'env' || cached.expiresAt === null || cached.expiresAt > now)) return cached;
    if (this.envAdminHash !== undefined && hashesEqual(hashToken(token), this.envAdminHash)) {
      this.verified.set(token, 'env', now, generation);
      return 'env';
    }
    const info = this.store.verify(token);
    switch (info) {
      case 'unknown':
        throw unauthenticated('invalid_token', 'invalid token');
      case 'revoked':
        throw unauthenticated('revoked_token', 'the token has been revoked');
      case 'expired':
        throw unauthenticated('expired_token', 'the token has expired');
      default:
        this.verified.set(token, info, now, generation);
        return info;
    }
  }
}
