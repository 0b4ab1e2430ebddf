/**
 * Per-tenant limits: their keys (Mimir's and Loki's names), defaults and types. The
 * defaults sit under `limits:` in the config file; a tenant's overrides come from the
 * runtime-config file (see `overrides.ts`).
 */
import type { KeySpec } from './values.js';

/**
 * The effective limits of one tenant. Field names mirror the config keys; durations are
 * milliseconds (`Ms`), sizes are bytes. A 0 disables a limit where Mimir says so.
 */
export interface Limits {
  // Metrics ingestion (Mimir distributor and ingester).
  readonly ingestionRate: number;
  readonly ingestionBurstSize: number;
  readonly maxGlobalSeriesPerUser: number;
  readonly maxGlobalSeriesPerMetric: number;
  readonly maxLabelNamesPerSeries: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  readonly maxMetadataLength: number;
  readonly creationGracePeriodMs: number;
  readonly pastGracePeriodMs: number;
  readonly maxGlobalExemplarsPerUser: number;
  readonly compactorBlocksRetentionPeriodMs: number;
  // OTLP metrics translation (Mimir distributor).
  readonly otelMetricSuffixesEnabled: boolean;
  readonly promoteOtelResourceAttributes: string;
  // Logs ingestion (Loki distributor and ingester).
  readonly ingestionRateMb: number;
  readonly ingestionBurstSizeMb: number;
  readonly maxGlobalStreamsPerUser: number;
  readonly maxLineSize: number;
  readonly retentionPeriodMs: number;
  readonly rejectOldSamples: boolean;
  readonly rejectOldSamplesMaxAgeMs: number;
  readonly maxStructuredMetadataSize: number;
  readonly maxStructuredMetadataEntriesCount: number;
  /** Comma-separated OTLP resource attribute names that become stream labels (Loki's otlp_config). */
  readonly otlpResourceAttributesAsIndexLabels: string;
  // Logs queries (Loki querier).
  readonly maxEntriesLimitPerQuery: number;
  readonly maxQuerySeries: number;
  readonly maxConcurrentTailRequests: number;
  // Ruler (Mimir and Loki keys; groups are counted per tenant and rule kind).
  readonly rulerMaxRuleGroupsPerTenant: number;
  readonly rulerMaxRulesPerRuleGroup: number;
  // Ruler evaluation and notification.
  readonly rulerQueryOffsetMs: number;
  readonly rulerAlertmanagerUrl: string;
  // Alertmanager configuration API (Mimir keys; 0 = unlimited).
  readonly alertmanagerMaxConfigSizeBytes: number;
  readonly alertmanagerMaxTemplatesCount: number;
  readonly alertmanagerMaxTemplateSizeBytes: number;
}

/**
 * Every limit key. Where Cairn's default differs from upstream the help says why.
 * `enforcedBy` in the help names the issue that makes a limit bite; until then the key
 * is accepted and shown, so configs can be written once.
 */
export const LIMIT_SPECS: readonly KeySpec[] = [
  {
    key: 'ingestion_rate',
    type: 'float',
    default: 100_000,
    min: 0,
    help: 'metrics ingestion rate limit per tenant, in samples+exemplars+metadata per second (0 = unlimited). Mimir defaults to 10000; cairn sizes it so that 250000 series scraped every 15 s (16667/s) fit six times over.',
  },
  {
    key: 'ingestion_burst_size',
    type: 'int',
    default: 1_000_000,
    min: 0,
    help: 'metrics ingestion burst size per tenant, in items; a single request larger than this is always refused. Sized to take four full scrapes of 250000 series at once, as Prometheus sends after a network outage.',
  },
  { key: 'max_global_series_per_user', type: 'int', default: 250_000, min: 0, help: 'maximum active series per tenant (0 = unlimited); new series beyond it are refused while existing series keep ingesting.' },
  { key: 'max_global_series_per_metric', type: 'int', default: 0, min: 0, help: 'maximum active series per metric name per tenant (0 = unlimited).' },
  { key: 'max_label_names_per_series', type: 'int', default: 30, min: 1, help: 'maximum number of labels on a series, __name__ included.' },
  { key: 'max_label_name_length', type: 'int', default: 1024, min: 1, help: 'maximum length of a label name, in bytes.' },
  { key: 'max_label_value_length', type: 'int', default: 2048, min: 1, help: 'maximum length of a label value (and of the metric name), in bytes.' },
  { key: 'max_metadata_length', type: 'int', default: 1024, min: 1, help: 'maximum length of a metric name or unit in metric metadata; longer HELP texts are truncated.' },
  { key: 'creation_grace_period', type: 'duration', default: '10m', help: 'samples further in the future than this are refused.' },
  { key: 'past_grace_period', type: 'duration', default: 0, help: 'samples further in the past than this are refused (0 = off; retention still applies).' },
  { key: 'max_global_exemplars_per_user', type: 'int', default: 100_000, min: 0, help: 'exemplars kept in memory per tenant (0 = exemplars dropped). Mimir defaults to 0; cairn keeps them so query_exemplars works out of the box.' },
  { key: 'compactor_blocks_retention_period', type: 'duration', default: '31d', help: 'metrics retention per tenant; older blocks are deleted.' },
  {
    key: 'otel_metric_suffixes_enabled',
    type: 'bool',
    default: false,
    help: 'OTLP metrics get Prometheus suffixes: the unit (`_seconds`, `_bytes`, `_per_second`…), `_total` on counters, `_ratio` on gauges of unit 1 (Mimir default false; Prometheus’s own OTLP receiver and Grafana Cloud add them).',
  },
  {
    key: 'promote_otel_resource_attributes',
    type: 'string',
    default: '',
    help: 'comma-separated OTLP resource attributes copied as labels onto every series of the resource (Mimir key; default none: they are only on `target_info`).',
  },
  { key: 'ingestion_rate_mb', type: 'float', default: 4, min: 0, help: 'logs ingestion rate limit per tenant, in MB of log lines per second (Loki default).' },
  { key: 'ingestion_burst_size_mb', type: 'float', default: 6, min: 0, help: 'logs ingestion burst size per tenant, in MB (Loki default).' },
  { key: 'max_global_streams_per_user', type: 'int', default: 5000, min: 0, help: 'maximum active log streams per tenant (0 = unlimited).' },
  { key: 'max_line_size', type: 'bytes', default: '256KB', help: 'maximum size of one log line (Loki default 256KB; 0 = unlimited).' },
  { key: 'retention_period', type: 'duration', default: '31d', help: 'logs retention per tenant (Loki key); older blocks are deleted and older entries refused at push.' },
  { key: 'reject_old_samples', type: 'bool', default: true, help: 'refuse log entries older than reject_old_samples_max_age (Loki default true).' },
  { key: 'reject_old_samples_max_age', type: 'duration', default: '7d', help: 'with reject_old_samples, the oldest log entry accepted, relative to now (Loki default 168h).' },
  { key: 'max_structured_metadata_size', type: 'bytes', default: '64KB', help: 'largest structured metadata of one log entry, names and values (Loki default 64KB; 0 = unlimited).' },
  { key: 'max_structured_metadata_entries_count', type: 'int', default: 128, min: 0, help: 'most structured metadata pairs on one log entry (Loki default 128; 0 = unlimited).' },
  {
    key: 'otlp_resource_attributes_as_index_labels',
    type: 'string',
    default: 'service.name,service.namespace,service.instance.id,deployment.environment,cloud.region,cloud.availability_zone,k8s.cluster.name,k8s.namespace.name,k8s.pod.name,k8s.container.name,container.name,k8s.replicaset.name,k8s.deployment.name,k8s.statefulset.name,k8s.daemonset.name,k8s.cronjob.name,k8s.job.name',
    help: 'comma-separated OTLP resource attributes that `/otlp/v1/logs` makes stream labels (dots become underscores: `service.name` → `service_name`); every other attribute is kept as structured metadata. The default is Loki’s `default_resource_attributes_as_index_labels`; a tenant’s value replaces the whole list (Loki’s `otlp_config` with `ignore_defaults`), empty = none.',
  },
  { key: 'max_entries_limit_per_query', type: 'int', default: 5000, min: 0, help: 'largest `limit` a log query may ask for; more is refused with 400 (Loki default 5000; 0 = unlimited).' },
  { key: 'max_query_series', type: 'int', default: 500, min: 0, help: 'most series a LogQL metric query may return; more fails the query with 400 (Loki default 500; 0 = unlimited).' },
  { key: 'max_concurrent_tail_requests', type: 'int', default: 10, min: 0, help: 'most open `/loki/api/v1/tail` WebSockets per tenant; more are refused with 400 (Loki default 10; 0 = unlimited).' },
  { key: 'ruler_max_rule_groups_per_tenant', type: 'int', default: 70, min: 0, help: 'most rule groups a tenant may store per kind (metric rules, log rules); a POST beyond it is refused with 400 (Mimir default 70; 0 = unlimited).' },
  { key: 'ruler_max_rules_per_rule_group', type: 'int', default: 20, min: 0, help: 'most rules in one rule group; a POST of a larger group is refused with 400 (Mimir default 20; 0 = unlimited).' },
  {
    key: 'ruler_query_offset',
    type: 'duration',
    default: 0,
    help: 'rules of groups without `query_offset` query and record at evaluation time minus this (Mimir’s per-tenant key, formerly ruler_evaluation_delay_duration). Mimir defaults to 1m to wait for ingestion across its ring; cairn acknowledges a sample only once it is queryable, so 0 (Prometheus’s default) loses nothing and fires alerts a minute sooner.',
  },
  {
    key: 'ruler_alertmanager_url',
    type: 'string',
    default: '',
    help: 'comma-separated base URLs of external Alertmanagers that receive this tenant’s alerts at `<url>/api/v2/alerts` (Mimir’s -ruler.alertmanager-url, per tenant here); empty = none.',
  },
  { key: 'alertmanager_max_config_size_bytes', type: 'int', default: 0, min: 0, help: 'largest body `POST /api/v1/alerts` takes (the Alertmanager configuration with its templates), in bytes; larger is refused with 400 (Mimir default 0 = unlimited).' },
  { key: 'alertmanager_max_templates_count', type: 'int', default: 0, min: 0, help: 'most template files in a tenant’s Alertmanager configuration; more is refused with 400 (Mimir default 0 = unlimited).' },
  { key: 'alertmanager_max_template_size_bytes', type: 'int', default: 0, min: 0, help: 'largest template file in a tenant’s Alertmanager configuration, in bytes; larger is refused with 400 (Mimir default 0 = unlimited).' },
];
