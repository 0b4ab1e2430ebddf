/**
 * The ruler's contracts (issue 8): rule groups as stored and served by the Mimir and Loki
 * ruler configuration APIs, the store that keeps them in `system.db`, and what evaluation
 * needs from the rest of Cairn. The ruler receives functions, not modules (DESIGN.md): it
 * queries through `RulerQueries`, writes recorded series through `RulerAppend`, and hands
 * alerts to `RulerNotify`.
 *
 * Durations are milliseconds; 0 means "not set" where the YAML omits a key.
 */
import type { Labels } from '../model/labels.js';

/** Which family a rule group belongs to: PromQL groups (Mimir API) or LogQL groups (Loki API). */
export type RuleKind = 'metrics' | 'logs';

export interface RecordingRuleConfig {
  readonly type: 'recording';
  /** The metric name the result is stored under (`record:`). */
  readonly record: string;
  readonly expr: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface AlertingRuleConfig {
  readonly type: 'alerting';
  /** `alert:` — the alert name, also the `alertname` label. */
  readonly alert: string;
  readonly expr: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  /** Label and annotation values are Go templates, expanded per alert instance. */
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export type RuleConfig = RecordingRuleConfig | AlertingRuleConfig;

/** One rule group as the YAML describes it (Prometheus `rulefmt` plus Mimir's extensions). */
export interface RuleGroupConfig {
  readonly name: string;
  /** `interval:`; 0 = the tenant's default evaluation interval. */
  readonly intervalMs: number;
  /** `limit:`; 0 = unlimited alerts/series per rule. */
  readonly limit: number;
  /** `query_offset:` (older Mimir: `evaluation_delay:`); 0 = none. */
  readonly queryOffsetMs: number;
  /** Mimir's federated `source_tenants:` (refused when federation is not supported); [] when absent. */
  readonly sourceTenants: readonly string[];
  readonly rules: readonly RuleConfig[];
}

/** A group with where it lives. */
export interface StoredRuleGroup {
  readonly tenant: string;
  readonly kind: RuleKind;
  readonly namespace: string;
  readonly group: RuleGroupConfig;
  /** When it was last written, ms. */
  readonly updatedMs: number;
}

/**
 * Durable rule groups (`system.db`, table owned by the ruler). Synchronous (better-sqlite3);
 * every write is committed before it returns, so a 202 means the group survives a crash.
 */
export interface RuleStore {
  /** Every group of one tenant and kind, sorted by namespace then group name. */
  list(tenant: string, kind: RuleKind): StoredRuleGroup[];
  /** Every group of every tenant (for the evaluation loop), in the same order per tenant. */
  listAll(): StoredRuleGroup[];
  get(tenant: string, kind: RuleKind, namespace: string, name: string): StoredRuleGroup | undefined;
  /** Creates or replaces the group `group.name` in the namespace. */
  put(tenant: string, kind: RuleKind, namespace: string, group: RuleGroupConfig): void;
  /** False when there was no such group. */
  deleteGroup(tenant: string, kind: RuleKind, namespace: string, name: string): boolean;
  /** False when the namespace had no groups. */
  deleteNamespace(tenant: string, kind: RuleKind, namespace: string): boolean;
  /** Called after every successful write, so the evaluation loop picks changes up at once. */
  onChange(listener: (tenant: string, kind: RuleKind) => void): () => void;
}

/** One sample of an instant query's result (a scalar result is one sample with no labels). */
export interface RuleSample {
  readonly labels: Labels;
  readonly v: number;
}

/** Instant queries the rules run, at `tMs`, for a tenant. Rejects with the query's CairnError. */
export interface RulerQueries {
  metrics(tenant: string, expr: string, tMs: number, signal?: AbortSignal): Promise<RuleSample[]>;
  logs(tenant: string, expr: string, tMs: number, signal?: AbortSignal): Promise<RuleSample[]>;
}

/** A series sample the ruler writes (recorded series, `ALERTS`, `ALERTS_FOR_STATE`, stale markers). */
export interface RuleOutput {
  readonly labels: Labels;
  readonly tMs: number;
  readonly v: number;
}

/** Writes recorded samples into the tenant's metrics store (WAL first, as every append). */
export type RulerAppend = (tenant: string, samples: readonly RuleOutput[]) => Promise<void>;

/** An alert as Alertmanager's v2 API takes it (`POST /api/v2/alerts`). */
export interface AlertPayload {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** RFC3339 times. */
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

/** Hands a tenant's alerts to its Alertmanager(s): must not throw; queues and retries on its own. */
export type RulerNotify = (tenant: string, alerts: readonly AlertPayload[]) => void;
