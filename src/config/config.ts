/**
 * The server's configuration: one YAML file (`--config`), overridden by `CAIRN_*`
 * environment variables, overridden by flags. Every key has a default, so no file is
 * needed. Unknown keys are errors, as in Mimir, so a typo never silently does nothing.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { badData } from '../util/errors.js';
import { LIMIT_SPECS, type Limits } from './limits.js';
import { envName, fieldName, formatValue, parseValue, type KeySpec } from './values.js';

/** pino's levels. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The effective configuration. Durations in ms, sizes in bytes. */
export interface Config {
  readonly dataDir: string;
  readonly server: {
    readonly httpListenAddress: string;
    readonly httpListenPort: number;
    readonly logLevel: LogLevel;
    /** Successful and 4xx requests logged at info rather than debug (Mimir's flag of the same name). */
    readonly logRequestAtInfoLevelEnabled: boolean;
    readonly gracefulShutdownTimeoutMs: number;
    /** zlib level of gzip/deflate-encoded answers; 0 = never compress. */
    readonly responseCompressionLevel: number;
    readonly responseCompressionMinSize: number;
  };
  readonly auth: {
    readonly adminToken: string;
    readonly usageFlushPeriodMs: number;
  };
  readonly distributor: {
    readonly maxRecvMsgSize: number;
    readonly maxOtlpRequestSize: number;
    /** Comma-separated label names; '' turns service name discovery off. */
    readonly discoverServiceName: string;
    /** Bounds on the push requests being handled at once, across tenants; 0 = none. */
    readonly instanceLimits: {
      readonly maxInflightPushRequests: number;
      readonly maxInflightPushRequestsBytes: number;
    };
  };
  readonly ingester: {
    readonly chunkBlockSize: number;
    readonly maxChunkAgeMs: number;
    readonly chunkIdlePeriodMs: number;
    readonly flushCheckPeriodMs: number;
    readonly chunkEncoding: 'none' | 'snappy' | 'gzip' | 'zstd' | 'brotli';
  };
  readonly runtimeConfig: {
    readonly file: string;
    readonly periodMs: number;
  };
  readonly tsdb: {
    readonly walFsync: 'always' | 'batch' | 'never';
    readonly walFsyncBatchDelayMs: number;
    readonly headCompactionIntervalMs: number;
  };
  readonly compactor: {
    readonly compactionConcurrency: number;
    readonly logChunkEncoding: 'none' | 'snappy' | 'gzip' | 'zstd' | 'brotli';
  };
  readonly querier: {
    readonly timeoutMs: number;
    readonly maxSamples: number;
    readonly lookbackDeltaMs: number;
    readonly defaultEvaluationIntervalMs: number;
    readonly queryThreads: number;
  };
  readonly ruler: {
    readonly evaluationIntervalMs: number;
    readonly resendDelayMs: number;
    readonly forOutageToleranceMs: number;
    readonly forGracePeriodMs: number;
    readonly externalUrl: string;
    readonly notificationQueueCapacity: number;
    readonly notificationTimeoutMs: number;
  };
  readonly alertmanager: {
    /** Path of the YAML Alertmanager configuration tenants without one run on; '' = the built-in one. */
    readonly fallbackConfigFile: string;
  };
  readonly limits: Limits;
}

/** Every key outside `limits:`. */
export const CONFIG_SPECS: readonly KeySpec[] = [
  { key: 'data_dir', type: 'string', default: './data', help: 'directory for all state: system.db and per-tenant stores.' },
  {
    key: 'server.http_listen_address',
    type: 'string',
    default: '0.0.0.0',
    envAliases: ['CAIRN_HOST'],
    help: 'address to listen on. All interfaces by default, as Mimir and Loki, so containers on the same host can reach it; every API route needs a token.',
  },
  { key: 'server.http_listen_port', type: 'int', default: 9009, min: 0, envAliases: ['CAIRN_PORT'], help: 'HTTP port (0 picks a free one). 9009 is Mimir’s port in its single-binary examples.' },
  { key: 'server.log_level', type: 'enum', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], envAliases: ['CAIRN_LOG_LEVEL'], help: 'log level of the JSON logs on stdout.' },
  {
    key: 'server.log_request_at_info_level_enabled',
    type: 'bool',
    default: false,
    help: 'log every request (method, route, status, duration, tenant) at info; otherwise, as in Mimir and Loki, at debug, and only 5xx answers other than 502 and 503 at warn.',
  },
  { key: 'server.graceful_shutdown_timeout', type: 'duration', default: '5s', help: 'on SIGTERM, how long in-flight requests and flushes may take before the process exits anyway.' },
  {
    key: 'server.response_compression_level',
    type: 'int',
    default: 1,
    min: 0,
    max: 9,
    help: 'zlib level (1 fastest … 9 densest) of answers sent gzip- or deflate-encoded to clients that accept it (Grafana, promtool, curl --compressed); 0 never compresses. Level 1 compresses a JSON answer at about 140 MB/s per thread, to about a third or less.',
  },
  { key: 'server.response_compression_min_size', type: 'bytes', default: '1KiB', help: 'answers smaller than this are sent uncompressed whatever the client accepts.' },
  {
    key: 'auth.admin_token',
    type: 'string',
    default: '',
    secret: true,
    envAliases: ['CAIRN_ADMIN_TOKEN'],
    help: 'an admin token accepted besides the stored ones (for scripts and CI). When set, none is generated on first start.',
  },
  { key: 'auth.usage_flush_period', type: 'duration', default: '5s', help: 'how often per-token request counts and last-used times are written to system.db (batched, not a write per request).' },
  {
    key: 'distributor.max_recv_msg_size',
    type: 'bytes',
    default: 104_857_600,
    help: 'largest request body accepted, compressed and uncompressed (Mimir’s default, 100 MiB); larger bodies get 413.',
  },
  {
    key: 'distributor.max_otlp_request_size',
    type: 'bytes',
    default: 33_554_432,
    help: 'largest OTLP request body accepted (/otlp/v1/metrics, /otlp/v1/logs), compressed and uncompressed; larger bodies get 413. Mimir’s key; its default is 100 MiB, Cairn’s 32 MiB (as Prometheus’s OTLP receiver): decoding OTLP into objects takes ~16× the body in memory.',
  },
  {
    key: 'distributor.instance_limits.max_inflight_push_requests',
    type: 'int',
    default: 2000,
    min: 0,
    help: 'push requests (remote write, OTLP, Loki push) handled at once across all tenants; one more is answered 503 without its body being read (Mimir’s key and default; 0 = no limit).',
  },
  {
    key: 'distributor.instance_limits.max_inflight_push_requests_bytes',
    type: 'bytes',
    default: 0,
    help: 'total body bytes (as sent, compressed) of the push requests handled at once; a request that would pass it is answered 503, before its body is read when it has a Content-Length (Mimir’s key and default; 0 = no limit). Bounds the memory a burst of large pushes can take.',
  },
  {
    key: 'distributor.discover_service_name',
    type: 'string',
    default: 'service,app,application,app_name,name,app_kubernetes_io_name,container,container_name,k8s_container_name,component,workload,job,k8s_job_name',
    help: 'log streams without a service_name label get one, from the first of these labels present (else unknown_service), as Loki 3 does; empty turns it off. Loki’s per-tenant limit; global here.',
  },
  { key: 'ingester.chunk_block_size', type: 'bytes', default: '256KB', help: 'a log stream’s buffer is sealed into a compressed chunk at this many bytes of lines (Loki’s head block size).' },
  { key: 'ingester.max_chunk_age', type: 'duration', default: '2h', help: 'a log stream’s buffer is sealed at this age; entries older than the stream’s newest minus half of it are refused as too far behind (Loki’s default).' },
  { key: 'ingester.chunk_idle_period', type: 'duration', default: '30m', help: 'a log stream that received nothing for this long is sealed, and leaves the active streams once flushed (Loki’s default).' },
  { key: 'ingester.flush_check_period', type: 'duration', default: '30s', help: 'how often sealed log chunks are written to a block, blocks compacted and retention applied (Loki’s flush_check_period).' },
  {
    key: 'ingester.chunk_encoding',
    type: 'enum',
    default: 'zstd',
    values: ['none', 'snappy', 'gzip', 'zstd', 'brotli'],
    help: 'codec of log chunks sealed in memory (Loki’s key; Loki defaults to snappy). zstd (level 1) measured smallest at the speed ingestion needs (bench/RESULTS.md).',
  },
  { key: 'runtime_config.file', type: 'string', default: '', envAliases: ['CAIRN_RUNTIME_CONFIG'], help: 'per-tenant overrides file in Mimir’s runtime-config format; empty = none.' },
  { key: 'runtime_config.period', type: 'duration', default: '10s', help: 'how often the runtime-config file is re-read (Mimir’s default).' },
  {
    key: 'tsdb.wal_fsync',
    type: 'enum',
    default: 'batch',
    values: ['always', 'batch', 'never'],
    help: 'when the metrics WAL is fsynced. Every acknowledged write is in the WAL file before the 2xx, so it survives a process crash under any policy; `always` also survives power loss (an fsync per request, shared by concurrent requests), `batch` fsyncs within wal_fsync_batch_delay, `never` leaves it to the OS.',
  },
  { key: 'tsdb.wal_fsync_batch_delay', type: 'duration', default: '1s', help: 'with wal_fsync: batch, the longest time from an acknowledged write to its fsync.' },
  {
    key: 'tsdb.head_compaction_interval',
    type: 'duration',
    default: '1m',
    help: 'how often each tenant is checked for work: a head holding more than 3 h is cut into a 2 h block, due blocks are compacted, retention applied (Mimir’s head_compaction_interval).',
  },
  { key: 'compactor.compaction_concurrency', type: 'int', default: 1, min: 1, help: 'worker threads writing and compacting blocks (Mimir’s key); for logs, compacting only: their compression and flushes have two threads of their own. One leaves the other cores to ingestion and queries.' },
  {
    key: 'compactor.log_chunk_encoding',
    type: 'enum',
    default: 'zstd-tok',
    values: ['none', 'snappy', 'gzip', 'zstd', 'brotli', 'zstd-tok'],
    help: 'codec log chunks are recompressed with when blocks are compacted (zstd at level 9 here, brotli at quality 4). zstd-tok is zstd-9 over a lossless rewrite of the chunk (each line’s timestamp as its difference from the entry’s time, hex ids packed apart, times in the unit they were written in): about a fifth smaller than zstd and read as fast (less to decompress, then a native untokenizing pass). zstd-9 is as dense as brotli-4 and decompresses about 1.4× faster; brotli compacts about 3× faster.',
  },
  { key: 'querier.timeout', type: 'duration', default: '2m', help: 'longest a PromQL or LogQL query may run; slower ones fail with 503 `query timed out` (504 on Loki routes, as Loki answers) (Mimir’s and Prometheus’s default). A request’s `timeout` parameter can only shorten it.' },
  { key: 'querier.max_samples', type: 'int', default: '50000000', help: 'most samples one PromQL query may hold in memory at once; more fails with 422 (Prometheus’s --query.max-samples default).' },
  { key: 'querier.lookback_delta', type: 'duration', default: '5m', help: 'how far back an instant selector looks for a series’ latest sample (Prometheus’s default).' },
  { key: 'querier.default_evaluation_interval', type: 'duration', default: '1m', help: 'step of subqueries that give none (`x[1h:]`), as Prometheus’s global evaluation interval.' },
  {
    key: 'querier.query_threads',
    type: 'int',
    default: availableParallelism(),
    min: 0,
    help: 'worker threads that run shares of one big PromQL query at once: an aggregation of a range function or of a selector over a range query’s steps (`sum by (job) (rate(x[5m]))`) reading at least 200 000 samples is split by series across them, like Mimir’s query sharding inside one process, and range answers of 8 000 points or more are written as JSON on them. Default: the machine’s cores (`os.availableParallelism()`); 0 runs every query on the main thread. Started on the first such query.',
  },
  { key: 'ruler.evaluation_interval', type: 'duration', default: '1m', help: 'how often rule groups that set no `interval` are evaluated (Mimir’s -ruler.evaluation-interval).' },
  { key: 'ruler.resend_delay', type: 'duration', default: '1m', help: 'how often a firing alert is re-sent to Alertmanager; it is sent with endsAt = now + 4 × max(group interval, resend delay) (Mimir’s and Prometheus’s default).' },
  { key: 'ruler.for_outage_tolerance', type: 'duration', default: '1h', help: 'after a restart, `for` progress is restored from ALERTS_FOR_STATE samples at most this old (Prometheus’s default).' },
  { key: 'ruler.for_grace_period', type: 'duration', default: '10m', help: 'after a restart, an alert whose `for` is at least this long waits at least this long before firing (Prometheus’s default).' },
  { key: 'ruler.external_url', type: 'string', default: '', help: 'URL users reach cairn at: `$externalURL` in alert templates and the base of the generatorURL sent with alerts (Mimir’s -ruler.external.url).' },
  { key: 'ruler.notification_queue_capacity', type: 'int', default: 10_000, min: 1, help: 'alerts queued per tenant for Alertmanager; beyond it the oldest are dropped and counted (Mimir’s default).' },
  { key: 'ruler.notification_timeout', type: 'duration', default: '10s', help: 'deadline of one POST to an external Alertmanager; a failed POST is retried twice (Mimir’s default timeout).' },
  {
    key: 'alertmanager.fallback_config_file',
    type: 'string',
    default: '',
    help: 'Alertmanager configuration (YAML) for tenants that stored none (Mimir’s -alertmanager.configs.fallback); empty = the built-in one, a single receiver `empty-receiver` without integrations, so alerts are accepted, grouped and listed but notify nobody. Read and validated at start.',
  },
];

/** All specs, limits prefixed with `limits.` as they appear in YAML. */
export const ALL_SPECS: readonly KeySpec[] = [...CONFIG_SPECS, ...LIMIT_SPECS.map((s) => ({ ...s, key: `limits.${s.key}` }))];

/** The sources a configuration is assembled from, lowest precedence first. */
export interface ConfigSources {
  /** Path of a YAML file, or undefined for none. */
  readonly file?: string | undefined;
  /** Usually `process.env`; only `CAIRN_*` names are read. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from flags or code, by dotted key (`server.http_listen_port`); raw forms as in YAML. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

type Mutable = Record<string, unknown>;

function setPath(target: Mutable, spec: KeySpec, value: unknown): void {
  const parts = spec.key.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    const field = p.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    node = (node[field] ??= {}) as Mutable;
  }
  node[fieldName(spec)] = value;
}

function getPath(source: unknown, spec: KeySpec): unknown {
  const parts = spec.key.split('.');
  let node = source as Mutable | undefined;
  for (const p of parts.slice(0, -1)) node = node?.[p.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())] as Mutable | undefined;
  return node?.[fieldName(spec)];
}

/** Flattens parsed YAML into dotted keys, so unknown keys can be named exactly. */
function flatten(obj: unknown, prefix: string, out: Map<string, unknown>): void {
  if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (prefix !== '') {
    out.set(prefix, obj);
  }
}

/** The configuration with nothing but defaults. */
export function defaultConfig(): Config {
  return loadConfig({});
}

/**
 * Builds the effective configuration: defaults < YAML file < env < overrides. Throws a
 * `bad_data` CairnError naming the key, the source and the problem.
 */
export function loadConfig(sources: ConfigSources): Config {
  const bySpec = new Map<KeySpec, { raw: unknown; where: string }>();
  const specByKey = new Map(ALL_SPECS.map((s) => [s.key, s]));
  for (const spec of ALL_SPECS) bySpec.set(spec, { raw: spec.default, where: 'defaults' });

  if (sources.file !== undefined && sources.file !== '') {
    let text: string;
    try {
      text = readFileSync(sources.file, 'utf8');
    } catch (e) {
      throw badData('invalid_config', `cannot read config file ${sources.file}: ${(e as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = parseYaml(text) ?? {};
    } catch (e) {
      throw badData('invalid_config', `config file ${sources.file} is not valid YAML: ${(e as Error).message}`);
    }
    const flat = new Map<string, unknown>();
    flatten(doc, '', flat);
    for (const [key, raw] of flat) {
      const spec = specByKey.get(key);
      if (spec === undefined) throw badData('invalid_config', `unknown key ${key} in config file ${sources.file}`);
      bySpec.set(spec, { raw, where: `config file ${sources.file}` });
    }
  }

  if (sources.env !== undefined) {
    for (const spec of ALL_SPECS) {
      for (const name of [...(spec.envAliases ?? []), envName(spec)]) {
        const raw = sources.env[name];
        if (raw !== undefined && raw !== '') bySpec.set(spec, { raw, where: `environment variable ${name}` });
      }
    }
  }

  for (const [key, raw] of Object.entries(sources.overrides ?? {})) {
    if (raw === undefined) continue;
    const spec = specByKey.get(key);
    if (spec === undefined) throw badData('invalid_config', `unknown config key ${key}`);
    bySpec.set(spec, { raw, where: 'flags' });
  }

  const out: Mutable = {};
  for (const [spec, { raw, where }] of bySpec) setPath(out, spec, parseValue(spec, raw, where));
  return out as unknown as Config;
}

/** How `/config` renders: everything, only what differs from defaults, or the defaults. */
export type ConfigViewMode = 'all' | 'diff' | 'defaults';

/** The configuration as YAML with snake_case keys, secrets shown as `********`. */
export function renderConfig(config: Config, mode: ConfigViewMode = 'all'): string {
  const defaults = defaultConfig();
  const out: Mutable = {};
  for (const spec of ALL_SPECS) {
    const source = mode === 'defaults' ? defaults : config;
    const v = getPath(source, spec) as string | number | boolean;
    if (mode === 'diff' && v === getPath(defaults, spec)) continue;
    let node = out;
    const parts = spec.key.split('.');
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Mutable;
    node[parts[parts.length - 1]!] = spec.secret && v !== '' ? '********' : formatValue(spec, v);
  }
  return stringifyYaml(out);
}
