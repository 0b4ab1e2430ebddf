/**
 * Rule groups in `system.db`, the ruler's own table. One row per (tenant, kind, namespace,
 * group name); the group is kept as JSON of its validated `RuleGroupConfig`, so reading
 * needs no YAML parsing and no re-validation. Writes are single statements committed
 * before they return (SQLite WAL mode), so an acknowledged POST survives a crash.
 *
 * Also here: the per-tenant rule-group limits the API enforces on POST, with Mimir's texts.
 */
import type { Clock } from '../util/clock.js';
import { badData, type CairnError } from '../util/errors.js';
import { migrate, type SqlDatabase, type SqlStatement } from '../util/sqlite.js';
import type { RuleGroupConfig, RuleKind, RuleStore, StoredRuleGroup } from './types.js';

const MIGRATIONS = [
  `CREATE TABLE ruler_groups (
     tenant TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('metrics', 'logs')),
     namespace TEXT NOT NULL,
     name TEXT NOT NULL,
     config TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (tenant, kind, namespace, name)
   ) WITHOUT ROWID;`,
];

/**
 * The stored JSON's layout version. A future layout bumps it and converts old rows on read,
 * so a downgrade refuses the rows instead of misreading them.
 */
const CONFIG_VERSION = 1;

interface GroupRow {
  tenant: string;
  kind: RuleKind;
  namespace: string;
  name: string;
  config: string;
  updated_at: number;
}

function toStored(r: GroupRow): StoredRuleGroup {
  const parsed = JSON.parse(r.config) as { v: number; group: RuleGroupConfig };
  if (parsed.v !== CONFIG_VERSION) {
    throw new Error(`rule group ${r.namespace}/${r.name} of tenant ${r.tenant} is stored in layout version ${parsed.v}, which this cairn cannot read; upgrade cairn`);
  }
  return { tenant: r.tenant, kind: r.kind, namespace: r.namespace, group: parsed.group, updatedMs: r.updated_at };
}

/** Options of the SQLite rule store. */
export interface SqliteRuleStoreOptions {
  readonly clock: Clock;
  /**
   * Receives an exception thrown by an `onChange` listener. The write it followed is
   * already committed, so the caller still sees success; the server logs these.
   */
  readonly onListenerError?: (err: unknown) => void;
}

/** `RuleStore` over one `system.db` connection. Synchronous; every write commits before it returns. */
export class SqliteRuleStore implements RuleStore {
  private readonly listeners = new Set<(tenant: string, kind: RuleKind) => void>();
  private readonly selectTenant: SqlStatement<GroupRow>;
  private readonly selectAll: SqlStatement<GroupRow>;
  private readonly selectOne: SqlStatement<GroupRow>;
  private readonly upsert: SqlStatement;
  private readonly deleteOne: SqlStatement;
  private readonly deleteNs: SqlStatement;
  private readonly countTenant: SqlStatement<{ n: number }>;

  constructor(
    db: SqlDatabase,
    private readonly options: SqliteRuleStoreOptions,
  ) {
    migrate(db, 'ruler', MIGRATIONS);
    // ORDER BY uses SQLite's BINARY collation: byte order of UTF-8, i.e. code point order.
    this.selectTenant = db.prepare<GroupRow>('SELECT * FROM ruler_groups WHERE tenant = ? AND kind = ? ORDER BY namespace, name');
    this.selectAll = db.prepare<GroupRow>('SELECT * FROM ruler_groups ORDER BY tenant, kind, namespace, name');
    this.selectOne = db.prepare<GroupRow>('SELECT * FROM ruler_groups WHERE tenant = ? AND kind = ? AND namespace = ? AND name = ?');
    this.upsert = db.prepare(
      `INSERT INTO ruler_groups (tenant, kind, namespace, name, config, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (tenant, kind, namespace, name) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
    );
    this.deleteOne = db.prepare('DELETE FROM ruler_groups WHERE tenant = ? AND kind = ? AND namespace = ? AND name = ?');
    this.deleteNs = db.prepare('DELETE FROM ruler_groups WHERE tenant = ? AND kind = ? AND namespace = ?');
    this.countTenant = db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM ruler_groups WHERE tenant = ? AND kind = ?');
  }

  list(tenant: string, kind: RuleKind): StoredRuleGroup[] {
    return this.selectTenant.all(tenant, kind).map(toStored);
  }

  listAll(): StoredRuleGroup[] {
    return this.selectAll.all().map(toStored);
  }

  get(tenant: string, kind: RuleKind, namespace: string, name: string): StoredRuleGroup | undefined {
    const row = this.selectOne.get(tenant, kind, namespace, name);
    return row === undefined ? undefined : toStored(row);
  }

  /** The number of groups a tenant has of one kind (for the groups-per-tenant limit). */
  count(tenant: string, kind: RuleKind): number {
    return this.countTenant.get(tenant, kind)?.n ?? 0;
  }

  put(tenant: string, kind: RuleKind, namespace: string, group: RuleGroupConfig): void {
    this.upsert.run(tenant, kind, namespace, group.name, JSON.stringify({ v: CONFIG_VERSION, group }), this.options.clock.now());
    this.changed(tenant, kind);
  }

  deleteGroup(tenant: string, kind: RuleKind, namespace: string, name: string): boolean {
    const gone = this.deleteOne.run(tenant, kind, namespace, name).changes > 0;
    if (gone) this.changed(tenant, kind);
    return gone;
  }

  deleteNamespace(tenant: string, kind: RuleKind, namespace: string): boolean {
    const gone = this.deleteNs.run(tenant, kind, namespace).changes > 0;
    if (gone) this.changed(tenant, kind);
    return gone;
  }

  onChange(listener: (tenant: string, kind: RuleKind) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(tenant: string, kind: RuleKind): void {
    for (const l of [...this.listeners]) {
      try {
        l(tenant, kind);
      } catch (err) {
        this.options.onListenerError?.(err);
      }
    }
  }
}

/** The limits of `ruleGroupLimitError` (Mimir's and Loki's per-tenant keys; 0 = unlimited). */
export interface RuleGroupLimits {
  readonly rulerMaxRuleGroupsPerTenant: number;
  readonly rulerMaxRulesPerRuleGroup: number;
}

/**
 * Checks a group about to be stored against the tenant's limits, with Mimir's messages:
 * rules per group first, then groups per tenant. Groups are counted per kind (metric and
 * log rules are separate rulers in Mimir and Loki). Replacing an existing group does not
 * count as a new one (Mimir counts it, refusing an update at the limit; that is a bug
 * rather than a contract). Returns the error to answer, or undefined.
 */
export function ruleGroupLimitError(
  store: Pick<RuleStore, 'get' | 'list'> & { count?(tenant: string, kind: RuleKind): number },
  limits: RuleGroupLimits,
  tenant: string,
  kind: RuleKind,
  namespace: string,
  group: RuleGroupConfig,
): CairnError | undefined {
  const maxRules = limits.rulerMaxRulesPerRuleGroup;
  if (maxRules > 0 && group.rules.length > maxRules) {
    return badData('rules_per_group_limit', `per-user rules per rule group limit (limit: ${maxRules} actual: ${group.rules.length}) exceeded`);
  }
  const maxGroups = limits.rulerMaxRuleGroupsPerTenant;
  if (maxGroups > 0 && store.get(tenant, kind, namespace, group.name) === undefined) {
    const actual = (store.count?.(tenant, kind) ?? store.list(tenant, kind).length) + 1;
    if (actual > maxGroups) return badData('rule_groups_limit', `per-user rule groups limit (limit: ${maxGroups} actual: ${actual}) exceeded`);
  }
  return undefined;
}
