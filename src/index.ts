/**
 * The embedding API: start a real Cairn from a test suite.
 *
 * ```ts
 * const cairn = await startServer();           // temp data dir, free port on 127.0.0.1
 * await fetch(`${cairn.url}/ready`);
 * // ... push and query with cairn.tenant and cairn.tokens.readWrite
 * await cairn.stop();                           // also removes the temp data dir
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type Config, type LogLevel } from './config/config.js';
import { DEFAULT_TENANT, runServer } from './server.js';

export type { Config } from './config/config.js';
export type { Limits } from './config/limits.js';
export { SCOPES, type Scope } from './auth/scopes.js';

export interface StartServerOptions {
  /** Data directory; default a fresh temp dir that `stop()` removes. */
  readonly dataDir?: string;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: a free port. */
  readonly port?: number;
  /** Default `warn`, to keep test output quiet. */
  readonly logLevel?: LogLevel;
  /** Any config keys by dotted name, as in YAML: `{ 'limits.ingestion_rate': 0 }`. */
  readonly config?: Readonly<Record<string, unknown>>;
}

export interface EmbeddedServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The tenant the tokens belong to (`dev`). */
  readonly tenant: string;
  readonly tokens: {
    /** Scopes `read+write` for `tenant`. */
    readonly readWrite: string;
    /** An admin token for `/admin/api/v1/tokens`. */
    readonly admin: string;
  };
  readonly dataDir: string;
  readonly config: Config;
  /** Mints another token (for example `all` scopes for rules and alerts). */
  createToken(options: { scopes: string; tenant?: string; name?: string }): string;
  /** Stops gracefully; removes the data dir if `startServer` created it. */
  stop(): Promise<void>;
}

/** Starts a server and waits until it is ready. */
export async function startServer(options: StartServerOptions = {}): Promise<EmbeddedServer> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cairn-'));
  const adminToken = `cairn-embedded-admin-${randomBytes(24).toString('base64url')}`;
  const config = loadConfig({
    overrides: {
      'auth.admin_token': adminToken,
      ...options.config,
      data_dir: dataDir,
      'server.http_listen_address': options.host ?? '127.0.0.1',
      'server.http_listen_port': options.port ?? 0,
      'server.log_level': options.logLevel ?? 'warn',
    },
  });
  const server = await runServer({ config });
  try {
    await server.ready;
  } catch (err) {
    await server.stop();
    throw err;
  }
  const readWrite = server.bootstrap?.readWriteToken ?? server.tokens.create({ tenant: DEFAULT_TENANT, scopes: 'read+write', name: 'startServer' }).token;
  return {
    url: server.url,
    tenant: DEFAULT_TENANT,
    tokens: { readWrite, admin: config.auth.adminToken },
    dataDir,
    config,
    createToken: (o) => server.tokens.create({ tenant: o.tenant ?? DEFAULT_TENANT, scopes: o.scopes, ...(o.name === undefined ? {} : { name: o.name }) }).token,
    stop: async () => {
      await server.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
