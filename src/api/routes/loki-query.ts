/**
 * Loki's query API (scope `query_logs`), as Loki's querier serves it: `query`,
 * `query_range`, `labels` (alias `label`), `label/<name>/values`, `series`, `index/stats`,
 * `index/volume`, `index/volume_range`, `format_query` under `/loki/api/v1`, and the
 * legacy `/api/prom/query`, `/api/prom/label`, `/api/prom/label/<name>/values` and
 * `/api/prom/series`. GET and form-encoded POST; parameters as `loki-params.ts` reads
 * them; errors are plain text (the mapping lives in `api/errors.ts`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Limits } from '../../config/limits.js';
import type { TenantLimits } from '../../config/overrides.js';
import { LogQLEngine, type LogQLEngineOptions, type LogQLSource } from '../../logql/engine/index.js';
import { isSampleExpr, parseLogQL, parseLogSelector, prettifyLogQL, type LabelMatcher, type LogQLExpr, type LogSelectorExpr } from '../../logql/index.js';
import type { LogQuerier, LogQueryable } from '../../logstore/interface.js';
import { compareLabels, labelsKey, type Labels } from '../../model/labels.js';
import { newMatcher, type Matcher } from '../../model/matcher.js';
import type { Clock } from '../../util/clock.js';
import { badData } from '../../util/errors.js';
import { cancelOnClose } from '../cancel-on-close.js';
import { labelsJson, legacyStreamsJson, queryDataJson, statsJson, CATEGORIZE_LABELS } from '../loki-json.js';
import {
  checkEntriesLimit,
  lokiParams,
  msToNs,
  parseBounds,
  parseInstantRequest,
  parseRangeRequest,
  parseVolumeRequest,
  seriesGroups,
  splitNs,
  type LokiParams,
  type RangeRequest,
  type VolumeRequest,
} from '../loki-params.js';
import { tenantOf } from '../tenancy.js';

/** The limits the Loki query API reads per tenant. */
export type LokiQueryLimits = Pick<Limits, 'maxEntriesLimitPerQuery' | 'maxQuerySeries' | 'maxConcurrentTailRequests'>;

export interface LokiQueryDeps {
  readonly logs: LogQueryable;
  readonly limits: { forTenant(tenant: string): LokiQueryLimits } | TenantLimits;
  readonly clock: Clock;
  /** Engine-wide options (timeout from `querier.timeout`); the per-tenant limits are applied per request. */
  readonly engine: LogQLEngineOptions;
}

/** Loki's refusal of log queries on the instant endpoint. */
const INSTANT_LOG_QUERY = 'log queries are not supported as an instant query type, please change your query to a range query type';

const ok = (reply: FastifyReply, data: unknown) => reply.type('application/json').send({ status: 'success', data });

/** Engines per effective limits object: `Overrides` hands out one frozen object per tenant until a reload. */
export class EnginePerLimits {
  private readonly cache = new WeakMap<object, LogQLEngine>();
  constructor(private readonly deps: Pick<LokiQueryDeps, 'limits' | 'engine'>) {}

  forTenant(tenant: string): LogQLEngine {
    const limits = this.deps.limits.forTenant(tenant);
    let e = this.cache.get(limits);
    if (e === undefined) {
      e = new LogQLEngine({
        ...this.deps.engine,
        maxEntriesLimitPerQuery: limits.maxEntriesLimitPerQuery > 0 ? limits.maxEntriesLimitPerQuery : Number.MAX_SAFE_INTEGER,
        maxQuerySeries: limits.maxQuerySeries > 0 ? limits.maxQuerySeries : Number.MAX_SAFE_INTEGER,
      });
      this.cache.set(limits, e);
    }
    return e;
  }
}

/** A tenant's store as the engine's source. */
export function sourceFor(logs: LogQueryable, tenant: string): LogQLSource {
  return { querier: (mint, maxt) => logs.logQuerier(tenant, mint, maxt) };
}

/** Whether the request asked for `X-Loki-Response-Encoding-Flags: categorize-labels`. */
export function wantsCategorizedLabels(req: FastifyRequest): boolean {
  const h = req.headers['x-loki-response-encoding-flags'];
  const all = Array.isArray(h) ? h.join(',') : (h ?? '');
  return all.split(',').some((f) => f.trim() === CATEGORIZE_LABELS);
}

/** Model matchers of a parsed selector. */
export function toMatchers(ms: readonly LabelMatcher[]): Matcher[] {
  return ms.map((m) => newMatcher(m.type, m.name, m.value));
}

/**
 * Loki's `syntax.ParseMatchers(query, true)`: a stream selector without a pipeline;
 * anything else is refused with Loki's `only label matchers are supported`.
 */
export function parseMatchersOnly(query: string): Matcher[] {
  const expr = parseLogSelector(query);
  if (expr.stages.length > 0) throw badData('invalid_query', 'only label matchers are supported');
  return toMatchers(expr.matchers);
}

/** A querier over [start, end] ns (ms bounds, inclusive) that is closed after `read`. */
function withQuerier<T>(logs: LogQueryable, tenant: string, start: bigint, end: bigint, read: (q: LogQuerier) => T): T {
  const q = logs.logQuerier(tenant, splitNs(start).ms, splitNs(end).ms);
  try {
    return read(q);
  } finally {
    q.close();
  }
}

/** Legacy `regexp` parameter: Loki appends `|~ "<regexp>"` to the selector. */
function withLegacyRegexp(p: LokiParams, query: string): LogQLExpr {
  const regexp = p.get('regexp') ?? '';
  if (regexp === '') return parseLogQL(query);
  const sel = parseLogSelector(query);
  // A bad regexp fails when the engine compiles the pipeline, with Go's RE2 error text.
  const expr: LogSelectorExpr = { ...sel, stages: [...sel.stages, { kind: 'line_filter', op: '|~', matches: [{ value: regexp, ip: false }] }] };
  return expr;
}

export function registerLokiQueryRoutes(app: FastifyInstance, deps: LokiQueryDeps): void {
  const engines = new EnginePerLimits(deps);
  const auth = { config: { auth: { kind: 'tenant', scope: 'query_logs' } } } as const;
  const nowNs = () => msToNs(deps.clock.now());

  const runRange = async (req: FastifyRequest, reply: FastifyReply, r: RangeRequest, expr: LogQLExpr, categorize: boolean) => {
    const tenant = tenantOf(req);
    if (!isSampleExpr(expr)) checkEntriesLimit(r.limit, deps.limits.forTenant(tenant).maxEntriesLimitPerQuery);
    const s = splitNs(r.start);
    const e = splitNs(r.end);
    return engines.forTenant(tenant).rangeQuery(
      sourceFor(deps.logs, tenant),
      expr,
      {
        startMs: s.ms,
        startNs: s.ns,
        endMs: e.ms,
        endNs: e.ns,
        stepMs: Number(r.stepNs) / 1e6,
        intervalMs: Number(r.intervalNs) / 1e6,
        limit: r.limit,
        direction: r.direction,
        categorizeLabels: categorize,
      },
      cancelOnClose(reply),
    );
  };

  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
    const params = (req: FastifyRequest) => lokiParams(req.url, req.body);

    const instant = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const r = parseInstantRequest(p, nowNs());
      const expr = parseLogQL(r.query);
      if (!isSampleExpr(expr)) throw badData('invalid_query', INSTANT_LOG_QUERY);
      const tenant = tenantOf(req);
      const categorize = wantsCategorizedLabels(req);
      const t = splitNs(r.t);
      const result = await engines
        .forTenant(tenant)
        .instantQuery(sourceFor(deps.logs, tenant), expr, { tMs: t.ms, tNs: t.ns, limit: r.limit, direction: r.direction, categorizeLabels: categorize }, cancelOnClose(reply));
      return ok(reply, queryDataJson(result.value, result.stats, categorize));
    };

    const range = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const r = parseRangeRequest(p, nowNs());
      const expr = parseLogQL(r.query);
      const categorize = wantsCategorizedLabels(req);
      const result = await runRange(req, reply, r, expr, categorize);
      return ok(reply, queryDataJson(result.value, result.stats, categorize));
    };

    const legacyQuery = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const r = parseRangeRequest(p, nowNs());
      const expr = withLegacyRegexp(p, r.query);
      if (isSampleExpr(expr)) throw badData('invalid_query', 'legacy endpoints only support streams result type');
      const result = await runRange(req, reply, r, expr, false);
      if (result.value.type !== 'streams') throw badData('invalid_query', 'legacy endpoints only support streams result type');
      return reply.type('application/json').send({ streams: legacyStreamsJson(result.value.streams), stats: statsJson(result.stats) });
    };

    /** Label names or values over the request's bounds, narrowed by an optional `query` selector. */
    const labelList = (req: FastifyRequest, name: string | undefined): string[] => {
      const p = params(req);
      const { start, end } = parseBounds(p, nowNs());
      const q = p.get('query') ?? '';
      const matchers = q === '' ? [] : parseMatchersOnly(q);
      return withQuerier(deps.logs, tenantOf(req), start, end, (lq) => (name === undefined ? lq.labelNames(matchers) : lq.labelValues(name, matchers)));
    };

    const labels = async (req: FastifyRequest, reply: FastifyReply) => ok(reply, labelList(req, undefined));
    const labelValues = async (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => ok(reply, labelList(req, req.params.name));
    const legacyLabels = async (req: FastifyRequest, reply: FastifyReply) => reply.type('application/json').send({ values: labelList(req, undefined) });
    const legacyLabelValues = async (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) =>
      reply.type('application/json').send({ values: labelList(req, req.params.name) });

    const series = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const { start, end } = parseBounds(p, nowNs());
      const groups = seriesGroups(p).map(parseMatchersOnly);
      const out = withQuerier(deps.logs, tenantOf(req), start, end, (q) => {
        if (groups.length === 0) return q.series([]);
        const byKey = new Map<string, Labels>();
        for (const ms of groups) for (const ls of q.series(ms)) byKey.set(labelsKey(ls), ls);
        return [...byKey.values()].sort(compareLabels);
      });
      return ok(reply, out.map(labelsJson));
    };

    const indexStats = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const r = parseRangeRequest(p, nowNs());
      const matchers = parseMatchersOnly(r.query);
      const st = withQuerier(deps.logs, tenantOf(req), r.start, r.end, (q) => q.stats(matchers));
      return reply.type('application/json').send({ streams: st.streams, chunks: st.chunks, bytes: st.bytes, entries: st.entries });
    };

    const volume = (range: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const r = parseVolumeRequest(p, nowNs(), range);
      return ok(reply, volumeData(deps.logs, tenantOf(req), r));
    };

    const formatQuery = async (req: FastifyRequest, reply: FastifyReply) => ok(reply, prettifyLogQL(parseLogQL(params(req).get('query') ?? '')));

    const both = ['GET', 'POST'] as const;
    const v1 = '/loki/api/v1';
    scope.route({ method: [...both], url: `${v1}/query`, ...auth, handler: instant });
    scope.route({ method: [...both], url: `${v1}/query_range`, ...auth, handler: range });
    scope.route({ method: [...both], url: `${v1}/labels`, ...auth, handler: labels });
    scope.route({ method: [...both], url: `${v1}/label`, ...auth, handler: labels });
    scope.route({ method: [...both], url: `${v1}/label/:name/values`, ...auth, handler: labelValues });
    scope.route({ method: [...both], url: `${v1}/series`, ...auth, handler: series });
    scope.route({ method: [...both], url: `${v1}/index/stats`, ...auth, handler: indexStats });
    scope.route({ method: [...both], url: `${v1}/index/volume`, ...auth, handler: volume(false) });
    scope.route({ method: [...both], url: `${v1}/index/volume_range`, ...auth, handler: volume(true) });
    scope.route({ method: [...both], url: `${v1}/format_query`, ...auth, handler: formatQuery });
    scope.route({ method: [...both], url: '/api/prom/query', ...auth, handler: legacyQuery });
    scope.route({ method: [...both], url: '/api/prom/label', ...auth, handler: legacyLabels });
    scope.route({ method: [...both], url: '/api/prom/label/:name/values', ...auth, handler: legacyLabelValues });
    scope.route({ method: [...both], url: '/api/prom/series', ...auth, handler: series });
  });
}

/** Where `{}` (Loki's `seriesvolume.MatchAny`) selects every stream. */
const MATCH_ANY = '{}';

/**
 * Loki's volume computation (`TSDBIndex.Volume`, `PrepareLabelsAndMatchers`,
 * `seriesvolume.MapToVolumeResponse`, `queryrange.ToPrometheusResponse`): per bucket
 * (the whole range, or `step`-aligned buckets for `volume_range`, each stamped with its
 * end), bytes per series restricted to the target labels (or the matchers' label names),
 * or per label name with `aggregateBy=labels`; the top `limit` per bucket, largest first.
 */
export function volumeData(logs: LogQueryable, tenant: string, r: VolumeRequest): { resultType: string; result: unknown[] } {
  const includeAll = r.query.replace(/ /g, '') === MATCH_ANY && r.targetLabels.length === 0;
  const parsed = includeAll ? [] : r.query.replace(/ /g, '') === MATCH_ANY ? [] : parseMatchersOnly(r.query);
  const matchers: Matcher[] = [...parsed];
  const keep = new Set<string>(r.targetLabels.length > 0 ? r.targetLabels : parsed.map((m) => m.name));
  for (const t of r.targetLabels) if (!parsed.some((m) => m.name === t)) matchers.push(newMatcher('=~', t, '.+'));
  const bySeries = r.aggregateBy === 'series';

  const series = new Map<string, { labels: Labels; points: { tMs: number; v: number }[] }>();
  for (const [from, through] of volumeBuckets(r.start, r.end, r.stepNs)) {
    // Loki's volume requests carry whole seconds (`model.TimeFromUnix(t.Unix())`).
    const mint = Number((from / 1_000_000_000n) * 1000n);
    const maxt = Number((through / 1_000_000_000n) * 1000n);
    const acc = new Map<string, { labels: Labels; bytes: number }>();
    const add = (labels: Labels, bytes: number) => {
      const key = labelsKey(labels);
      const v = acc.get(key);
      if (v === undefined) acc.set(key, { labels, bytes });
      else v.bytes += bytes;
    };
    const q = logs.logQuerier(tenant, mint, maxt);
    try {
      for (const v of q.volumes(matchers)) {
        if (bySeries) add(includeAll ? v.labels : v.labels.filter((l) => keep.has(l.name)), v.bytes);
        else for (const l of v.labels) if (includeAll || r.targetLabels.length === 0 || keep.has(l.name)) add([{ name: l.name, value: '' }], v.bytes);
      }
    } finally {
      q.close();
    }
    const top = [...acc.values()].sort((a, b) => b.bytes - a.bytes || cmp(labelsName(a.labels, bySeries), labelsName(b.labels, bySeries))).slice(0, r.limit);
    const tMs = splitNs(through).ms;
    for (const v of top) {
      const key = labelsKey(v.labels);
      let s = series.get(key);
      if (s === undefined) series.set(key, (s = { labels: v.labels, points: [] }));
      s.points.push({ tMs, v: v.bytes });
    }
  }
  const all = [...series.values()];
  for (const s of all) s.points.sort((a, b) => a.tMs - b.tMs);
  all.sort((a, b) => b.points[0]!.v - a.points[0]!.v || cmp(labelsName(a.labels, bySeries), labelsName(b.labels, bySeries)));
  const matrix = all.some((s) => s.points.length > 1);
  return {
    resultType: matrix ? 'matrix' : 'vector',
    result: all.map((s) =>
      matrix
        ? { metric: labelsJson(s.labels), values: s.points.map((p) => [p.tMs / 1000, String(p.v)]) }
        : { metric: labelsJson(s.labels), value: [s.points[0]!.tMs / 1000, String(s.points[0]!.v)] },
    ),
  };
}

/** The name Loki sorts volumes by: the series' label string, or the label name. */
function labelsName(ls: Labels, bySeries: boolean): string {
  return bySeries ? '{' + ls.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ') + '}' : (ls[0]?.name ?? '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Loki's `util.ForInterval(step, start, end, endTimeInclusive=true)`: buckets aligned to
 * multiples of `step`, the first starting at `start`, each ending 1 ms before the next
 * begins, the last at `end`. Without a step, one bucket.
 */
export function volumeBuckets(start: bigint, end: bigint, stepNs: bigint): [bigint, bigint][] {
  if (stepNs <= 0n || end <= start) return [[start, end]];
  const ms = 1_000_000n;
  const out: [bigint, bigint][] = [];
  let from = start - (((start % stepNs) + stepNs) % stepNs);
  let first = true;
  for (;;) {
    let to = from + stepNs;
    if (to >= end) to = end;
    else to -= ms;
    out.push([first ? start : from, to]);
    first = false;
    if (to >= end) return out;
    from = to + ms;
  }
}
