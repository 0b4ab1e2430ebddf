// Proves that caching verified tokens keeps auth's promises: a revocation through the
// server is refused at once, one by another connection to system.db (the CLI) within the
// TTL (under the one second the server has to see it), an expiry exactly when it passes;
// failures are never cached and the cache stays bounded.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Authorizer, TOKEN_CACHE_TTL_MS, type Requirement } from '../../src/auth/authorize.js';
import { TokenCache } from '../../src/auth/token-cache.js';
import { TokenStore } from '../../src/auth/token-store.js';
import { ManualClock } from '../../src/util/clock.js';
import { openSqlite } from '../../src/util/sqlite.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

afterEach(cleanupTempDirs);

const QUERY: Requirement = { kind: 'tenant', scope: 'query_metrics' };
const ADMIN: Requirement = { kind: 'admin' };

/** A server's store and authorizer, plus a second connection standing for `cairn token`. */
function setup(envAdmin = '') {
  const dir = tempDir();
  const clock = new ManualClock(1_000_000);
  const server = new TokenStore(openSqlite(join(dir, 'system.db')), clock);
  const cli = new TokenStore(openSqlite(join(dir, 'system.db')), clock);
  const auth = new Authorizer(server, clock, undefined, envAdmin);
  const ask = (token: string, req: Requirement = QUERY) => {
    try {
      return auth.authorize({ orgId: req.kind === 'tenant' ? 't1' : undefined, authorization: `Bearer ${token}` }, req).tokenId;
    } catch (e) {
      return (e as { reason: string }).reason;
    }
  };
  return { clock, server, cli, ask };
}

describe('Authorizer with its verified-token cache', () => {
  it('sees a revocation by another connection once the entry ages out, within one second', () => {
    const { clock, server, cli, ask } = setup();
    const { info, token } = server.create({ tenant: 't1', scopes: 'read' });
    expect(ask(token)).toBe(info.id);
    cli.revoke(info.id);
    clock.advance(TOKEN_CACHE_TTL_MS - 1);
    expect(ask(token)).toBe(info.id); // still trusted: the server has not read the row again
    clock.advance(1);
    expect(ask(token)).toBe('revoked_token');
    expect(TOKEN_CACHE_TTL_MS).toBeLessThan(1000);
  });

  it('refuses a token revoked through the server itself on the very next request', () => {
    const { server, ask } = setup();
    const { info, token } = server.create({ tenant: 't1', scopes: 'read' });
    expect(ask(token)).toBe(info.id);
    server.revoke(info.id);
    expect(ask(token)).toBe('revoked_token');
  });

  it('refuses a cached token the moment it expires', () => {
    const { clock, server, ask } = setup();
    const { info, token } = server.create({ tenant: 't1', scopes: 'read', expiresInMs: 100 });
    expect(ask(token)).toBe(info.id);
    clock.advance(99);
    expect(ask(token)).toBe(info.id);
    clock.advance(1);
    expect(ask(token)).toBe('expired_token');
  });

  it('does not cache a refusal: a token refused as revoked stays refused, a new one works at once', () => {
    const { clock, server, cli, ask } = setup();
    const { info, token } = cli.create({ tenant: 't1', scopes: 'read' });
    cli.revoke(info.id);
    expect(ask(token)).toBe('revoked_token');
    expect(ask(`cairn_0123456789abcdef_${'A'.repeat(43)}`)).toBe('invalid_token');
    const other = cli.create({ tenant: 't1', scopes: 'read' });
    expect(ask(other.token)).toBe(other.info.id);
    clock.advance(1);
    expect(ask(token)).toBe('revoked_token');
    expect(server.generation).toBe(0);
  });

  it('still checks tenant and scope on a cached token', () => {
    const { server, ask } = setup();
    const { info, token } = server.create({ tenant: 't1', scopes: 'write' });
    expect(ask(token, { kind: 'tenant', scope: 'write_metrics' })).toBe(info.id);
    expect(ask(token)).toBe('missing_scope');
    expect(ask(token, ADMIN)).toBe('admin_required');
    const other = server.create({ tenant: 't2', scopes: 'read' });
    expect(ask(other.token)).toBe('wrong_tenant');
    expect(ask(other.token)).toBe('wrong_tenant');
  });

  it('keeps the configured admin token apart from stored tokens', () => {
    const { server, ask } = setup('env-admin-secret');
    const { token } = server.create({ tenant: 't1', scopes: 'read' });
    for (let i = 0; i < 2; i++) {
      expect(ask('env-admin-secret', ADMIN)).toBe('env');
      expect(ask('env-admin-secret')).toBe('admin_token_on_tenant_route');
      expect(ask(token, ADMIN)).toBe('admin_required');
    }
  });
});

describe('TokenCache', () => {
  it.each([
    { name: 'fresh', now: 1_400, generation: 0, hit: true },
    { name: 'at the TTL', now: 1_500, generation: 0, hit: false },
    { name: 'after a revocation here', now: 1_001, generation: 1, hit: false },
    { name: 'clock went back', now: 999, generation: 0, hit: false },
  ])('$name → hit $hit', ({ now, generation, hit }) => {
    const c = new TokenCache<string>(500, 10);
    c.set('tok', 'v', 1_000, 0);
    expect(c.get('tok', now, generation)).toBe(hit ? 'v' : undefined);
    expect(c.size).toBe(hit ? 1 : 0);
  });

  it('stays within its bound', () => {
    const c = new TokenCache<number>(500, 3);
    for (let i = 0; i < 10; i++) c.set(`t${i}`, i, 0, 0);
    expect(c.size).toBeLessThanOrEqual(3);
    expect(c.get('t9', 0, 0)).toBe(9);
  });
});
