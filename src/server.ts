/**
 * The composition root: opens the data directory, builds every module, wires them
 * together and runs the HTTP server. `cli/serve.ts` and `index.ts` (embedding) both start
 * Cairn through `runServer`.
 *
 * Start order: system.db → HTTP listening (so `/ready` answers 503 while stores open) →
 * services (runtime config, stores, WAL replay) → ready. Stop order is the reverse.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import { buildApi } from './api/server.js';
import { createServerMetrics, type ServerMetrics } from './api/metrics.js';
import { Authorizer } from './auth/authorize.js';
import { TokenStore } from './auth/token-store.js';
import { UsageRecorder } from './auth/usage.js';
import type { Config } from './config/config.js';
import { Overrides, RuntimeConfigLoader } from './config/overrides.js';
import { createIngestMetrics } from './ingest/metrics.js';
import { createLogIngestMetrics } from './ingest/log-metrics.js';
import { decodeRawPush } from './ingest/loki/raw-push.js';
import { LogStore, defaultLogStoreOptions } from './logstore/logstore.js';
import { SqliteRuleStore } from './ruler/rule-store.js';
import { SqliteAlertmanagerConfigStore } from './alertmanager/config-store.js';
import { buildIntegrations, defaultIntegrationOptions } from './alertmanager/integrations/index.js';
import { MultitenantAlertmanager, defaultMultitenantOptions } from './alertmanager/multitenant.js';
import { AlertmanagerPersistence } from './alertmanager/persistence.js';
import { compileTemplateFiles } from './alertmanager/templates.js';
import { systemTimers, type Timers } from './alertmanager/timers.js';
import { engineQueries, tsdbAppend, tsdbLookup } from './ruler/engine-queries.js';
import { RulerManager } from './ruler/manager.js';
import { AlertNotifier, defaultNotifierOptions } from './ruler/notifier.js';
import { defaultBlockCodec, defaultHeadCodec, type CodecOptions, type LogCodec } from './logstore/chunk/codec.js';
import { createLogStoreMetrics } from './logstore/metrics.js';
import { IngestionRateLimiter } from './ingest/rate-limit.js';
import { createTsdbMetrics } from './tsdb/metrics.js';
import { Tsdb, defaultTsdbOptions } from './tsdb/tsdb.js';
import { READER_WAIT_MAX_MS } from './tsdb/tenant-store.js';
import { defaultEngineOptions } from './promql/engine/index.js';
import { createQueryWorkers } from './promql/parallel/query-workers.js';
import { native } from './util/native.js';
import { defaultLogQLEngineOptions } from './logql/engine/types.js';
import { systemClock, type Clock } from './util/clock.js';
import { packageInfo } from './util/package-info.js';
import { ServiceManager } from './util/service.js';
import { HEAP_TRIM_INTERVAL_MS, HeapTrimmer } from './util/heap-trim.js';
import type { MaintenanceEvent } from './storage/maintenance.js';
import type { WalEvent } from './storage/wal/index.js';
import { settleDetachProtector } from './util/detach-protector.js';
import { openSqlite, type SqlDatabase } from './util/sqlite.js';

/** The tenant created on the first start of a data dir. */
export const DEFAULT_TENANT = 'dev';

/** Secrets minted on the first start of a data dir; shown once, never stored. */
export interface BootstrapSecrets {
  readonly tenant: string;
  readonly readWriteToken: string;
  /** Undefined when an admin token is configured (`CAIRN_ADMIN_TOKEN`). */
  readonly adminToken: string | undefined;
}

export interface RunServerOptions {
  readonly config: Config;
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** The Alertmanager's timers (group timers, deadlines); tests inject manual ones. Default: real timers on `clock`. */
  readonly timers?: Timers;
}

/** A built server: every module wired, not yet listening. */
export interface CairnServer {
  readonly config: Config;
  readonly logger: Logger;
  readonly tokens: TokenStore;
  readonly metrics: ServerMetrics;
  readonly services: ServiceManager;
  readonly tsdb: Tsdb;
  readonly logs: LogStore;
  readonly overrides: Overrides;
  /** Rule groups of every tenant (system.db), as the ruler configuration APIs keep them. */
  readonly ruleStore: SqliteRuleStore;
  /** The rule evaluation loop (a service); its state backs `/prometheus/api/v1/rules`. */
  readonly ruler: RulerManager;
  /** Every tenant's Alertmanager configuration (system.db) and the fallback configuration. */
  readonly alertmanagerConfigs: SqliteAlertmanagerConfigStore;
  /** Every tenant's built-in Alertmanager (a service): alerts, silences, notifications. */
  readonly alertmanager: MultitenantAlertmanager;
  /** Routes may still be added until `start()` (tests use `app.inject()` without it). */
  readonly app: FastifyInstance;
  /** Set on the first start of a data dir. */
  readonly bootstrap: BootstrapSecrets | undefined;
  /** Listens, then starts the services in the background; resolves once listening. */
  start(): Promise<RunningServer>;
  /** Graceful stop: refuse new work, drain requests, flush, close. Idempotent. */
  stop(): Promise<void>;
}

/** A listening server. */
export interface RunningServer extends CairnServer {
  /** `http://host:port` as listening (port resolved when 0 was asked). */
  readonly url: string;
  readonly port: number;
  /** Resolves when every service runs (`/ready` is 200); rejects if one fails to start. */
  readonly ready: Promise<void>;
}

/** The logger every component writes to: JSON on stdout, tokens redacted defensively. */
export function createLogger(level: Config['server']['logLevel']): Logger {
  return pino({
    level,
    base: { service: 'cairn' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['authorization', '*.authorization', 'req.headers.authorization', 'token', '*.token'], censor: '[redacted]' },
  });
}

function bootstrapIfEmpty(tokens: TokenStore, config: Config): BootstrapSecrets | undefined {
  if (!tokens.isEmpty()) return undefined;
  const rw = tokens.create({ tenant: DEFAULT_TENANT, scopes: 'read+write', name: `${DEFAULT_TENANT}-read-write` });
  const admin = config.auth.adminToken === '' ? tokens.create({ admin: true, name: 'admin' }) : undefined;
  return { tenant: DEFAULT_TENANT, readWriteToken: rw.token, adminToken: admin?.token };
}

/** Logs a store's WAL damage and write failures (other WAL events are metrics only). */
function logWalEvent(logger: Logger, store: 'metrics' | 'logs', tenant: string, e: WalEvent): void {
  if (e.kind === 'damage') {
    const d = e.damage;
    const fields = { tenant, segment: d.segment, offset: d.offset, droppedBytes: d.droppedBytes, removedSegments: d.removedSegments, reason: d.reason };
    if (d.kind === 'torn_tail') logger.warn(fields, `${store} WAL: dropped a torn last record (a crash during a write)`);
    else logger.error(fields, `${store} WAL: corruption found; truncated there`);
  } else if (e.kind === 'write_failed' || e.kind === 'sync_failed') {
    logger.error({ tenant, err: e.error.message }, `${store} WAL write failed`);
  }
}

/** Logs a compactor step of either store: done (with its report) or failed (with its backoff). */
function logStep(logger: Logger, what: string, e: MaintenanceEvent<object>): void {
  if (e.kind === 'step') logger.info({ tenant: e.tenant, step: e.step, durationMs: Math.round(e.durationMs), ...e.report }, `${what} step done`);
  else logger.error({ tenant: e.tenant, step: e.step, err: e.error.message, failures: e.failures, retryInMs: e.retryInMs }, `${what} step failed; will retry`);
}

/** A codec by name, with the tuned default's level when it is the default's codec. */
function codecFor(name: LogCodec, tuned: CodecOptions): CodecOptions {
  if (name === tuned.codec) return tuned;
  // zstd and zstd-tok are one compressor: the tuned level serves both.
  const zstd = (c: LogCodec) => c === 'zstd' || c === 'zstd-tok';
  return zstd(name) && zstd(tuned.codec) && tuned.level !== undefined ? { codec: name, level: tuned.level } : { codec: name };
}

/** Opens the data dir and wires every module; nothing listens yet. */
export function createServer(options: RunServerOptions): CairnServer {
  // Before any code gets hot: the first transfer to a worker would otherwise deoptimise it all.
  settleDetachProtector();
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.server.logLevel);
  mkdirSync(config.dataDir, { recursive: true });

  const db: SqlDatabase = openSqlite(join(config.dataDir, 'system.db'));
  const tokens = new TokenStore(db, clock);
  const bootstrap = bootstrapIfEmpty(tokens, config);
  const metrics = createServerMetrics();
  const overrides = new Overrides(config.limits);
  const services = new ServiceManager();
  // Without the addon the hot loops take their JavaScript paths: the same bytes, slower.
  // Said once, so an operator knows why (a checkout built with tsc alone, or not reinstalled).
  if (native === undefined && process.env.CAIRN_NATIVE !== '0') {
    logger.warn('native addon not built or older than the sources (build/Release/cairn_native.node): answers, chunk decoding, Snappy bodies and log filters take the slower JavaScript paths; run `npm run build:native`');
  }
  const ruleStore = new SqliteRuleStore(db, { clock, onListenerError: (err) => logger.error({ err }, 'a rule store change listener failed') });
  const alertmanagerConfigs = new SqliteAlertmanagerConfigStore(db, {
    clock,
    fallbackConfigFile: config.alertmanager.fallbackConfigFile,
    onListenerError: (err) => logger.error({ err }, 'an alertmanager config change listener failed'),
  });

  const tsdbMetrics = createTsdbMetrics(metrics.registry, () => tsdb);
  const tsdb = new Tsdb(
    {
      ...defaultTsdbOptions(config.dataDir),
      fsync: config.tsdb.walFsync,
      fsyncBatchDelayMs: config.tsdb.walFsyncBatchDelayMs,
      compactionIntervalMs: config.tsdb.headCompactionIntervalMs,
      compactionThreads: config.compactor.compactionConcurrency,
      // Queries read head chunks in place: a truncation waits for any query that may still
      // run (its timeout) before it drops them, a minute more for the answer's writing.
      readerWaitMs: Math.max(READER_WAIT_MAX_MS, config.querier.timeoutMs + 60_000),
      clock,
    },
    overrides,
    (e) => {
      tsdbMetrics.onEvent(e);
      if (e.kind === 'replayed') logger.info({ tenant: e.tenant, records: e.records, ...e.stats, durationMs: Math.round(e.durationMs) }, 'metrics WAL replayed');
      else if (e.kind === 'compactor') logStep(logger, 'metrics store compaction', e.event);
      else logWalEvent(logger, 'metrics', e.tenant, e.event);
    },
  );
  services.add(tsdb);

  const logMetrics = createLogStoreMetrics(metrics.registry, () => logs);
  const logs = new LogStore(
    {
      ...defaultLogStoreOptions(config.dataDir),
      fsync: config.tsdb.walFsync,
      fsyncBatchDelayMs: config.tsdb.walFsyncBatchDelayMs,
      head: {
        chunkTargetBytes: config.ingester.chunkBlockSize,
        maxChunkAgeMs: config.ingester.maxChunkAgeMs,
        chunkIdlePeriodMs: config.ingester.chunkIdlePeriodMs,
        outOfOrderWindowMs: config.ingester.maxChunkAgeMs / 2,
      },
      compactionIntervalMs: config.ingester.flushCheckPeriodMs,
      threads: config.compactor.compactionConcurrency,
      decodeRaw: decodeRawPush,
      headCodec: codecFor(config.ingester.chunkEncoding, defaultHeadCodec()),
      blockCodec: codecFor(config.compactor.logChunkEncoding, defaultBlockCodec()),
      clock,
    },
    overrides,
    (e) => {
      logMetrics.onEvent(e);
      if (e.kind === 'replayed') logger.info({ tenant: e.tenant, records: e.records, ...e.stats, durationMs: Math.round(e.durationMs) }, 'logs WAL replayed');
      else if (e.kind === 'compactor') logStep(logger, 'log store', e.event);
      else if (e.kind === 'compress_failed') logger.error({ tenant: e.tenant, err: e.error.message }, 'log chunk compression failed; will retry');
      else logWalEvent(logger, 'logs', e.tenant, e.event);
    },
  );
  services.add(logs);
  const addon = native;
  services.add(new HeapTrimmer(addon === undefined ? undefined : () => addon.mallocTrim(), HEAP_TRIM_INTERVAL_MS, metrics.heapTrims));

  const rateLimiter = new IngestionRateLimiter(overrides, clock);
  const usage = new UsageRecorder(tokens, config.auth.usageFlushPeriodMs, (err) => logger.error({ err }, 'writing token usage failed'));
  services.add(usage);
  if (config.runtimeConfig.file !== '') {
    services.add(
      new RuntimeConfigLoader(config.runtimeConfig.file, config.runtimeConfig.periodMs, overrides, (e) => {
        metrics.runtimeConfigReloads.inc({ result: e.kind });
        if (e.kind === 'loaded') logger.info({ file: config.runtimeConfig.file, tenants: e.tenants }, 'runtime config loaded');
        if (e.kind === 'failed') logger.error({ file: config.runtimeConfig.file, err: e.error.message }, 'runtime config reload failed; keeping the previous overrides');
      }),
    );
  }

  // The ruler: evaluates every tenant's stored groups through the engines, writes into the
  // metrics store, hands alerts to the notifier (external Alertmanagers, and the built-in
  // one through its internal sink, below).
  const notifier = new AlertNotifier({
    ...defaultNotifierOptions(overrides),
    queueCapacity: config.ruler.notificationQueueCapacity,
    timeoutMs: config.ruler.notificationTimeoutMs,
    registry: metrics.registry,
    userAgent: `cairn/${packageInfo().version}`,
    onError: (tenant, url, err) => logger.warn({ tenant, url, err: err.message }, 'sending alerts to Alertmanager failed'),
  });
  // Query workers start on the first query big enough to use them (parallel/).
  const queryWorkers = config.querier.queryThreads > 0 ? createQueryWorkers({ threads: config.querier.queryThreads, registry: metrics.registry }) : undefined;
  const promqlOptions = {
    ...defaultEngineOptions(),
    workers: queryWorkers,
    timeoutMs: config.querier.timeoutMs,
    maxSamples: config.querier.maxSamples,
    lookbackDeltaMs: config.querier.lookbackDeltaMs,
    defaultEvalIntervalMs: config.querier.defaultEvaluationIntervalMs,
  };
  const ruler = new RulerManager({
    store: ruleStore,
    queries: engineQueries({
      tsdb,
      promql: promqlOptions,
      logSource: (tenant) => ({ querier: (mint, maxt) => logs.logQuerier(tenant, mint, maxt) }),
      logql: (tenant) => {
        const l = overrides.forTenant(tenant);
        return {
          ...defaultLogQLEngineOptions(),
          timeoutMs: config.querier.timeoutMs,
          maxEntriesLimitPerQuery: l.maxEntriesLimitPerQuery > 0 ? l.maxEntriesLimitPerQuery : Number.MAX_SAFE_INTEGER,
          maxQuerySeries: l.maxQuerySeries > 0 ? l.maxQuerySeries : Number.MAX_SAFE_INTEGER,
        };
      },
    }),
    append: tsdbAppend(tsdb),
    notify: notifier.notify,
    lookup: tsdbLookup(tsdb),
    limits: overrides,
    clock,
    evaluationIntervalMs: config.ruler.evaluationIntervalMs,
    resendDelayMs: config.ruler.resendDelayMs,
    forOutageToleranceMs: config.ruler.forOutageToleranceMs,
    forGracePeriodMs: config.ruler.forGracePeriodMs,
    externalURL: config.ruler.externalUrl.replace(/\/+$/, ''),
    registry: metrics.registry,
    onEvent: (e) => {
      if (e.kind === 'iterations_missed') logger.warn({ tenant: e.tenant, group: e.group, missed: e.missed }, 'rule group evaluation overran its interval; skipped iterations');
      else logger.error({ tenant: e.tenant, group: e.group, err: e.error.message }, e.kind === 'restore_failed' ? 'restoring alert for-state failed' : 'writing stale markers of a deleted rule group failed');
    },
  });
  // The built-in multi-tenant Alertmanager: takes the ruler's alerts directly and keeps its
  // state (silences, notification log, alerts) in system.db.
  const timers: Timers = options.timers ?? (clock === systemClock ? systemTimers : { now: () => clock.now(), after: systemTimers.after });
  const externalBase = config.ruler.externalUrl.replace(/\/+$/, '') || `http://localhost:${config.server.httpListenPort}`;
  const alertmanager = new MultitenantAlertmanager({
    ...defaultMultitenantOptions(
      alertmanagerConfigs,
      (_tenant, amConfig) => {
        const templates = compileTemplateFiles(amConfig.templateFiles, () => timers.now());
        const built = new Map([...amConfig.receivers.values()].map((r) => [r.name, buildIntegrations(r, templates, defaultIntegrationOptions())]));
        return (receiver) => built.get(receiver) ?? [];
      },
      timers,
      `${externalBase}/alertmanager`,
    ),
    persistence: new AlertmanagerPersistence(db),
    registry: metrics.registry,
    onDispatchEvent: (tenant, e) => {
      if (e.kind === 'failed') logger.warn({ tenant, receiver: e.receiver, integration: e.integration, attempts: e.attempts, err: e.error.message }, 'notify failed');
    },
    onError: (tenant, err) => logger.error({ tenant, err: err.message }, 'alertmanager error'),
  });
  notifier.setInternalSink((tenant, alerts) => alertmanager.receiveFromRuler(tenant, alerts));
  services.add(alertmanager);
  services.add(notifier);
  services.add(ruler);

  let stopping = false;
  let ready: Promise<void> = Promise.resolve();
  const app = buildApi({
    config,
    logger,
    clock,
    authorizer: new Authorizer(tokens, clock, usage, config.auth.adminToken),
    tokenStore: tokens,
    overrides,
    services,
    metrics,
    version: packageInfo().version,
    revision: '',
    features: { rulerConfigApi: true, alertmanagerConfigApi: true },
    stopping: () => stopping,
    push: {
      appender: (tenant) => tsdb.appender(tenant),
      limits: overrides,
      rateLimiter,
      clock,
      metrics: createIngestMetrics(metrics.registry),
      maxRecvMsgSize: config.distributor.maxRecvMsgSize,
    },
    lokiPush: {
      appender: (tenant) => logs.logAppender(tenant),
      limits: overrides,
      rateLimiter,
      clock,
      metrics: createLogIngestMetrics(metrics.registry),
      discoverServiceName: config.distributor.discoverServiceName
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      maxRecvMsgSize: config.distributor.maxRecvMsgSize,
    },
    logs,
    lokiQuery: {
      logs,
      limits: overrides,
      clock,
      engine: { ...defaultLogQLEngineOptions(), timeoutMs: config.querier.timeoutMs },
    },
    promQuery: {
      tsdb,
      clock,
      engine: promqlOptions,
    },
    promRead: { tsdb, maxRecvMsgSize: config.distributor.maxRecvMsgSize },
    rulerConfig: { store: ruleStore, limits: overrides },
    rulerState: { ruler },
    alertmanagerConfig: { store: alertmanagerConfigs, limits: overrides },
    alertmanagerV2: { am: alertmanager, version: packageInfo().version, revision: '' },
  });

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      logger.info('shutting down');
      await ready.catch(() => {});
      await app.close();
      const errors = await services.stopAll();
      for (const err of errors) logger.error({ err }, 'a service failed to stop cleanly');
      await queryWorkers?.close();
      db.close();
      logger.info('stopped');
      logger.flush();
    })());

  const server: CairnServer = {
    config,
    logger,
    tokens,
    metrics,
    services,
    tsdb,
    logs,
    overrides,
    ruleStore,
    ruler,
    alertmanagerConfigs,
    alertmanager,
    app,
    bootstrap,
    stop,
    start: async () => {
      await app.listen({ host: config.server.httpListenAddress, port: config.server.httpListenPort });
      const address = app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.server.httpListenPort;
      const listenHost = config.server.httpListenAddress;
      const host = listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      logger.info({ address: listenHost, port, dataDir: config.dataDir }, 'listening');
      ready = services.startAll().then(
        () => logger.info('ready'),
        (err: unknown) => {
          logger.error({ err }, 'a service failed to start');
          throw err;
        },
      );
      ready.catch(() => {});
      return { ...server, url, port, ready };
    },
  };
  return server;
}

/** Builds the server and starts listening. If listening fails, everything opened is closed. */
export async function runServer(options: RunServerOptions): Promise<RunningServer> {
  const server = createServer(options);
  try {
    return await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
}
