/**
 * `cairn token create|list|revoke`: token management straight on `system.db`, safe while
 * the server runs on the same data dir (SQLite WAL mode; the server checks tokens per
 * request, so a revocation bites on the next request).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { TokenStore } from '../auth/token-store.js';
import { toTokenView, type TokenView } from '../auth/token-view.js';
import { validateTenantId } from '../model/tenant.js';
import { systemClock } from '../util/clock.js';
import { parseDuration } from '../util/duration.js';
import { openSqlite } from '../util/sqlite.js';
import { CONFIG_FLAGS, UsageError, configFrom, parse } from './args.js';

export const TOKEN_USAGE = `cairn token create [--data-dir DIR] --tenant T --scopes SCOPES [--name N] [--expires 30d] [--json]
cairn token create [--data-dir DIR] --admin [--name N] [--expires 30d] [--json]
cairn token list   [--data-dir DIR] [--tenant T] [--json]
cairn token revoke [--data-dir DIR] ID`;

function withStore<T>(dataDir: string, fn: (store: TokenStore) => T): T {
  mkdirSync(dataDir, { recursive: true });
  const db = openSqlite(join(dataDir, 'system.db'));
  try {
    return fn(new TokenStore(db, systemClock));
  } finally {
    db.close();
  }
}

function table(views: TokenView[]): string {
  const head = ['ID', 'TENANT', 'NAME', 'SCOPES', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED', 'REQUESTS'];
  const rows = views.map((v) => [
    v.id,
    v.tenant ?? '(admin)',
    v.name,
    v.scopes.join(','),
    v.status,
    v.created.slice(0, 19) + 'Z',
    v.expires === null ? 'never' : v.expires.slice(0, 19) + 'Z',
    v.lastUsed === null ? 'never' : v.lastUsed.slice(0, 19) + 'Z',
    String(v.requestCount),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export async function token(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'create': {
      const { values } = parse(rest, {
        ...CONFIG_FLAGS,
        tenant: { type: 'string' },
        scopes: { type: 'string' },
        name: { type: 'string' },
        expires: { type: 'string' },
        admin: { type: 'boolean' },
        json: { type: 'boolean' },
      });
      const admin = values.admin === true;
      if (!admin) {
        if (values.tenant === undefined) throw new UsageError('--tenant is required (or --admin)');
        if (values.scopes === undefined) throw new UsageError('--scopes is required, for example --scopes read+write or --scopes all');
        validateTenantId(values.tenant);
      }
      const config = configFrom(values);
      const created = withStore(config.dataDir, (store) =>
        store.create({
          admin,
          ...(values.tenant === undefined ? {} : { tenant: values.tenant }),
          ...(values.scopes === undefined ? {} : { scopes: values.scopes }),
          ...(values.name === undefined ? {} : { name: values.name }),
          ...(values.expires === undefined ? {} : { expiresInMs: parseDuration(values.expires) }),
        }),
      );
      process.stdout.write(values.json ? JSON.stringify({ ...toTokenView(created.info, Date.now()), token: created.token }, null, 2) + '\n' : created.token + '\n');
      return 0;
    }
    case 'list': {
      const { values } = parse(rest, { ...CONFIG_FLAGS, tenant: { type: 'string' }, json: { type: 'boolean' } });
      const config = configFrom(values);
      const now = Date.now();
      const views = withStore(config.dataDir, (store) => store.list(values.tenant).map((t) => toTokenView(t, now)));
      process.stdout.write(values.json ? JSON.stringify(views, null, 2) + '\n' : table(views));
      return 0;
    }
    case 'revoke': {
      const { values, positionals } = parse(rest, { ...CONFIG_FLAGS, json: { type: 'boolean' } });
      if (positionals.length !== 1) throw new UsageError('give exactly one token ID to revoke (see cairn token list)');
      const config = configFrom(values);
      const info = withStore(config.dataDir, (store) => store.revoke(positionals[0]!));
      process.stdout.write(values.json ? JSON.stringify(toTokenView(info, Date.now()), null, 2) + '\n' : `revoked ${info.id}\n`);
      return 0;
    }
    default:
      throw new UsageError(sub === undefined ? 'missing token subcommand' : `unknown token subcommand '${sub}'`);
  }
}
