// Proves token storage: secrets are shown once and stored only hashed (their bytes are
// nowhere in system.db), verification honours revocation and expiry, and usage counts
// are batched into few writes.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScopes } from '../../src/auth/scopes.js';
import { TokenStore } from '../../src/auth/token-store.js';
import { UsageRecorder } from '../../src/auth/usage.js';
import { ManualClock } from '../../src/util/clock.js';
import { openSqlite } from '../../src/util/sqlite.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

afterEach(cleanupTempDirs);

function store(clock = new ManualClock(1_000_000)) {
  const dir = tempDir();
  const db = openSqlite(join(dir, 'system.db'));
  return { dir, db, clock, tokens: new TokenStore(db, clock) };
}

describe('parseScopes', () => {
  it.each([
    { input: 'read', expected: ['query_metrics', 'query_logs'] },
    { input: 'write', expected: ['write_metrics', 'write_logs'] },
    { input: 'read+write', expected: ['query_metrics', 'write_metrics', 'query_logs', 'write_logs'] },
    { input: 'read+write,setup_metrics_rules', expected: ['query_metrics', 'write_metrics', 'setup_metrics_rules', 'query_logs', 'write_logs'] },
    { input: 'all', expected: ['query_metrics', 'write_metrics', 'setup_metrics_rules', 'query_logs', 'write_logs', 'setup_logs_rules', 'setup_alerts'] },
    { input: ' setup_alerts , setup_alerts ', expected: ['setup_alerts'] },
  ])('$input', ({ input, expected }) => {
    expect(parseScopes(input)).toEqual(expected);
  });

  it.each(['', 'admin', 'read,bogus', 'READ'])('refuses %j', (input) => {
    expect(() => parseScopes(input)).toThrow(/scope/);
  });
});

describe('TokenStore', () => {
  it('never stores the secret: its bytes appear in no file of the database', () => {
    const { dir, db, tokens } = store();
    const secrets = [tokens.create({ tenant: 'a', scopes: 'all' }).token, tokens.create({ admin: true }).token];
    for (const s of secrets) expect(tokens.verify(s)).toMatchObject({ id: expect.any(String) });
    db.close(); // checkpoints the WAL into the main file
    const files = readdirSync(dir).map((f) => readFileSync(join(dir, f)));
    expect(files.length).toBeGreaterThan(0);
    for (const s of secrets) {
      const secretPart = s.split('_').slice(2).join('_');
      for (const bytes of files) {
        expect(bytes.includes(Buffer.from(s))).toBe(false);
        expect(bytes.includes(Buffer.from(secretPart))).toBe(false);
        expect(bytes.includes(Buffer.from(secretPart, 'base64url'))).toBe(false);
      }
    }
  });

  it('mints tokens with at least 32 random bytes', () => {
    const { tokens } = store();
    const t = tokens.create({ tenant: 'a', scopes: 'read' }).token;
    expect(Buffer.from(t.split('_').slice(2).join('_'), 'base64url').length).toBeGreaterThanOrEqual(32);
  });

  it('keeps several tokens of a tenant valid at once, and revokes one without the other', () => {
    const { tokens } = store();
    const old = tokens.create({ tenant: 'a', scopes: 'write', name: 'old' });
    const fresh = tokens.create({ tenant: 'a', scopes: 'write', name: 'new' });
    expect(tokens.verify(old.token)).toMatchObject({ name: 'old' });
    expect(tokens.verify(fresh.token)).toMatchObject({ name: 'new' });
    tokens.revoke(old.info.id);
    expect(tokens.verify(old.token)).toBe('revoked');
    expect(tokens.verify(fresh.token)).toMatchObject({ name: 'new' });
  });

  it('expires tokens at their expiry time', () => {
    const { tokens, clock } = store();
    const t = tokens.create({ tenant: 'a', scopes: 'read', expiresInMs: 30 * 86_400_000 });
    clock.advance(30 * 86_400_000 - 1);
    expect(tokens.verify(t.token)).toMatchObject({ id: t.info.id });
    clock.advance(1);
    expect(tokens.verify(t.token)).toBe('expired');
  });

  it.each([
    { name: 'garbage', token: 'x' },
    { name: 'right shape, unknown id', token: `cairn_0000000000000000_${'A'.repeat(43)}` },
  ])('refuses $name as unknown', ({ token }) => {
    expect(store().tokens.verify(token)).toBe('unknown');
  });

  it('refuses a known id with the wrong secret', () => {
    const { tokens } = store();
    const t = tokens.create({ tenant: 'a', scopes: 'read' });
    expect(tokens.verify(t.token.slice(0, -1) + (t.token.endsWith('A') ? 'B' : 'A'))).toBe('unknown');
  });

  it('throws not_found when revoking an unknown id', () => {
    expect(() => store().tokens.revoke('nope')).toThrow(/no token with id 'nope'/);
  });
});

describe('UsageRecorder', () => {
  it('batches counts and last-used times into one write per flush', async () => {
    const { tokens } = store();
    const t = tokens.create({ tenant: 'a', scopes: 'read' });
    const usage = new UsageRecorder(tokens, 60_000);
    for (let i = 0; i < 100; i++) usage.record(t.info.id, 5000 + i);
    expect(tokens.get(t.info.id)!.requestCount).toBe(0);
    usage.flush();
    expect(tokens.get(t.info.id)).toMatchObject({ requestCount: 100, lastUsedAt: 5099 });
    usage.record(t.info.id, 4000);
    await usage.stop();
    expect(tokens.get(t.info.id)).toMatchObject({ requestCount: 101, lastUsedAt: 5099 });
  });
});
