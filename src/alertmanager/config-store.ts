/**
 * Per-tenant Alertmanager configurations in `system.db` (the `alertmanager_configs` table,
 * one row per tenant: the `alertmanager_config` text and the `template_files` map as
 * JSON), and the fallback configuration a tenant without one runs on.
 *
 * Texts are stored as the tenant sent them (GET answers them back verbatim); the parsed
 * form is computed on first use and cached until the tenant's row changes. Writes are
 * single statements committed before they return (SQLite WAL mode), so an acknowledged
 * POST survives a crash. `onChange` listeners (the dispatcher) hear of every change.
 */
import { readFileSync } from 'node:fs';
import type { Clock } from '../util/clock.js';
import { migrate, type SqlDatabase, type SqlStatement } from '../util/sqlite.js';
import { BUILTIN_FALLBACK_CONFIG, parseAlertmanagerConfig } from './config.js';
import type { UserConfig } from './config-user.js';
import type { AlertmanagerConfig } from './types.js';

const MIGRATIONS = [
  `CREATE TABLE alertmanager_configs (
     tenant TEXT PRIMARY KEY,
     config TEXT NOT NULL,
     template_files TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   ) WITHOUT ROWID;`,
];

interface ConfigRow {
  tenant: string;
  config: string;
  template_files: string;
  updated_at: number;
}

/** A stored configuration with its last change time (epoch ms). */
export interface StoredUserConfig extends UserConfig {
  readonly updatedMs: number;
}

/** What the dispatcher runs a tenant on. */
export interface EffectiveConfig {
  readonly config: AlertmanagerConfig;
  /** False when the tenant stored none and runs on the fallback configuration. */
  readonly stored: boolean;
  /**
   * Set when the stored configuration no longer parses (it was valid when stored; a newer
   * cairn may be stricter): the tenant then runs on the fallback, and this says why.
   */
  readonly error?: string;
}

/** Options of the configuration store. */
export interface AlertmanagerConfigStoreOptions {
  readonly clock: Clock;
  /** Path of a YAML Alertmanager configuration for tenants without one; '' = the built-in one. */
  readonly fallbackConfigFile?: string;
  /** Receives an exception thrown by an `onChange` listener (the write is already committed). */
  readonly onListenerError?: (err: unknown) => void;
}

/**
 * Reads and validates the fallback configuration, with Mimir's texts
 * (`unable to read fallback config "x": …`, `unable to load fallback config "x": …`);
 * '' gives the built-in one. Throws at startup, so a bad file stops the server.
 */
export function loadFallbackConfig(path: string): AlertmanagerConfig {
  if (path === '') return parseAlertmanagerConfig(BUILTIN_FALLBACK_CONFIG, {});
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`unable to read fallback config ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  try {
    return parseAlertmanagerConfig(text, {});
  } catch (e) {
    throw new Error(`unable to load fallback config ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}

/** The configuration store over one `system.db` connection. Synchronous. */
export class SqliteAlertmanagerConfigStore {
  /** The configuration of tenants that stored none. */
  readonly fallback: AlertmanagerConfig;
  private readonly listeners = new Set<(tenant: string) => void>();
  private readonly parsed = new Map<string, EffectiveConfig>();
  private readonly selectOne: SqlStatement<ConfigRow>;
  private readonly selectTenants: SqlStatement<{ tenant: string }>;
  private readonly upsert: SqlStatement;
  private readonly deleteOne: SqlStatement;

  constructor(
    db: SqlDatabase,
    private readonly options: AlertmanagerConfigStoreOptions,
  ) {
    migrate(db, 'alertmanager_config', MIGRATIONS);
    this.fallback = loadFallbackConfig(options.fallbackConfigFile ?? '');
    this.selectOne = db.prepare<ConfigRow>('SELECT * FROM alertmanager_configs WHERE tenant = ?');
    this.selectTenants = db.prepare<{ tenant: string }>('SELECT tenant FROM alertmanager_configs ORDER BY tenant');
    this.upsert = db.prepare(
      `INSERT INTO alertmanager_configs (tenant, config, template_files, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (tenant) DO UPDATE SET config = excluded.config, template_files = excluded.template_files, updated_at = excluded.updated_at`,
    );
    this.deleteOne = db.prepare('DELETE FROM alertmanager_configs WHERE tenant = ?');
  }

  /** The tenant's stored configuration texts, or undefined. */
  get(tenant: string): StoredUserConfig | undefined {
    const row = this.selectOne.get(tenant);
    if (row === undefined) return undefined;
    return { alertmanagerConfig: row.config, templateFiles: JSON.parse(row.template_files) as Record<string, string>, updatedMs: row.updated_at };
  }

  /** Tenants with a stored configuration, sorted. */
  tenants(): string[] {
    return this.selectTenants.all().map((r) => r.tenant);
  }

  /**
   * Stores a configuration (validated by the caller) and, when given, its parsed form,
   * so the next `configFor` does not parse it again.
   */
  put(tenant: string, cfg: UserConfig, parsed?: AlertmanagerConfig): void {
    this.upsert.run(tenant, cfg.alertmanagerConfig, JSON.stringify(cfg.templateFiles), this.options.clock.now());
    this.parsed.delete(tenant);
    if (parsed !== undefined) this.parsed.set(tenant, { config: parsed, stored: true });
    this.changed(tenant);
  }

  /** Removes the tenant's configuration; false when there was none (listeners are told only of a change). */
  delete(tenant: string): boolean {
    const gone = this.deleteOne.run(tenant).changes > 0;
    this.parsed.delete(tenant);
    if (gone) this.changed(tenant);
    return gone;
  }

  /** What the tenant runs on: its stored configuration, else the fallback. */
  configFor(tenant: string): EffectiveConfig {
    const cached = this.parsed.get(tenant);
    if (cached !== undefined) return cached;
    const row = this.get(tenant);
    let eff: EffectiveConfig;
    if (row === undefined) {
      eff = { config: this.fallback, stored: false };
    } else {
      try {
        eff = { config: parseAlertmanagerConfig(row.alertmanagerConfig, row.templateFiles), stored: true };
      } catch (e) {
        eff = { config: this.fallback, stored: true, error: (e as Error).message };
      }
    }
    this.parsed.set(tenant, eff);
    return eff;
  }

  /** Calls `listener(tenant)` after every committed change; returns the unsubscribe function. */
  onChange(listener: (tenant: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(tenant: string): void {
    for (const l of [...this.listeners]) {
      try {
        l(tenant);
      } catch (err) {
        this.options.onListenerError?.(err);
      }
    }
  }
}
