/**
 * The Prometheus query API as Mimir serves it under `/prometheus` (scope `query_metrics`):
 * `query`, `query_range`, `series`, `labels`, `label/<name>/values`, `metadata`,
 * `query_exemplars`, `format_query`. GET and form-encoded POST; Prometheus's envelope,
 * error types and statuses (the mapping lives in `api/errors.ts`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { compareLabels, labelsKey, labelsToObject, type Labels } from '../../model/labels.js';
import type { Matcher } from '../../model/matcher.js';
import type { Expr, VectorSelector } from '../../promql/ast.js';
import type { LentBytes } from '../../promql/entry-writer.js';
import { Engine, type EngineOptions } from '../../promql/engine/index.js';
import { cancelOnClose } from '../cancel-on-close.js';
import { parseExpr, parseSeriesSelector, prettyExpr } from '../../promql/parser/index.js';
import type { Querier } from '../../tsdb/interface.js';
import type { Tsdb } from '../../tsdb/tsdb.js';
import type { Clock } from '../../util/clock.js';
import { badData } from '../../util/errors.js';
import { unionSorted } from '../../util/sorted-strings.js';
import { formatSampleValue, formatTime, matrixSuccessBody, pointCount, querySuccessBody, rangeSuccessBody, rangeSuccessBodyOnWorkers, labelSetsSuccessBody, stringsSuccessBody, vectorSuccessBody } from '../prom-json.js';
import { MAX_TIME_MS, MIN_TIME_MS, parseDurationParam, parseLimitParam, parseTimeParam, promParams, type PromParams } from '../prom-params.js';
import { tenantOf } from '../tenancy.js';

export interface PromQueryDeps {
  readonly tsdb: Tsdb;
  readonly clock: Clock;
  readonly engine: EngineOptions;
}

/** Prometheus refuses range queries of more points than this per series (api.go). */
const MAX_POINTS_PER_SERIES = 11_000;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const ok = (reply: FastifyReply, data: unknown) => reply.type('application/json').send({ status: 'success', data });
/** A body already written as JSON (prom-json.ts), sent as it is rather than serialized by fastify. */
// The charset is spelled out: fastify adds it to a string body's type but not to a Buffer's.
const sendJson = (reply: FastifyReply, body: string | Buffer) => reply.type('application/json; charset=utf-8').send(body);
/**
 * `sendJson` of a body lent out of a writer's buffer, handed back once the response has
 * finished: the socket (or the compressor) no longer reads it then. A response that never
 * finishes (the client went away) leaves the buffer to the GC.
 */
const sendLent = (reply: FastifyReply, body: LentBytes) => {
  reply.raw.once('finish', body.release);
  return sendJson(reply, Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength));
};

export function registerPromQueryRoutes(app: FastifyInstance, deps: PromQueryDeps): void {
  const engine = new Engine(deps.engine);
  const auth = { config: { auth: { kind: 'tenant', scope: 'query_metrics' } } } as const;
  const queryable = (tenant: string) => ({ querier: (mint: number, maxt: number) => deps.tsdb.querier(tenant, mint, maxt) });

  /** The engine for a request: the server's, or one with the request's shorter `timeout`. */
  const engineFor = (params: PromParams): Engine => {
    const timeoutMs = parseDurationParam(params, 'timeout');
    if (timeoutMs === undefined || timeoutMs <= 0 || timeoutMs >= deps.engine.timeoutMs) return engine;
    return new Engine({ ...deps.engine, timeoutMs });
  };

  // A missing query parses as '' and fails as in Prometheus ("no expression found in input").
  const parseQuery = (params: PromParams): Expr => parseExpr(params.get('query') ?? '');

  const matchSets = (params: PromParams, required: boolean): Matcher[][] => {
    const raw = params.getAll('match[]');
    if (raw.length === 0 && required) throw badData('invalid_parameter', 'no match[] parameter provided');
    return raw.map((m) => parseSeriesSelector(m));
  };

  const bounds = (params: PromParams) => {
    const start = parseTimeParam(params, 'start') ?? MIN_TIME_MS;
    const end = parseTimeParam(params, 'end') ?? MAX_TIME_MS;
    if (end < start) throw badData('invalid_parameter', 'invalid parameter "end": end timestamp must not be before start time');
    return { start, end };
  };

  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
    const params = (req: FastifyRequest) => promParams(req.url, req.body);

    const instant = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const expr = parseQuery(p);
      const t = parseTimeParam(p, 'time') ?? deps.clock.now();
      const value = await engineFor(p).instantQuery(queryable(tenantOf(req)), expr, t, cancelOnClose(reply));
      // Vectors of many series are written as bytes; the other kinds are small.
      return value.type === 'vector' ? sendLent(reply, vectorSuccessBody(value.vector)) : sendJson(reply, querySuccessBody(value));
    };

    const range = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const expr = parseQuery(p);
      const start = parseTimeParam(p, 'start');
      if (start === undefined) throw badData('invalid_parameter', 'invalid parameter "start": cannot parse "" to a valid timestamp');
      const end = parseTimeParam(p, 'end');
      if (end === undefined) throw badData('invalid_parameter', 'invalid parameter "end": cannot parse "" to a valid timestamp');
      if (end < start) throw badData('invalid_parameter', 'invalid parameter "end": end timestamp must not be before start time');
      const step = parseDurationParam(p, 'step');
      if (step === undefined) throw badData('invalid_parameter', 'invalid parameter "step": cannot parse "" to a valid duration');
      if (step <= 0) throw badData('invalid_parameter', 'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer');
      if ((end - start) / step > MAX_POINTS_PER_SERIES) {
        throw badData('invalid_parameter', 'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)');
      }
      // A range function or a selector over many series comes back written by the workers.
      const answer = await engineFor(p).rangeQueryAnswer(queryable(tenantOf(req)), expr, start, end, step, cancelOnClose(reply));
      if ('json' in answer) return sendLent(reply, matrixSuccessBody(answer.json));
      const columns = answer.columns;
      // A big answer is written on the query workers, as the query was evaluated.
      const workers = deps.engine.workers;
      if (workers !== undefined && pointCount(columns) >= deps.engine.parallel.minJsonPoints) return sendLent(reply, await rangeSuccessBodyOnWorkers(columns, workers));
      return sendLent(reply, rangeSuccessBody(columns));
    };

    /**
     * Runs `read` over a querier of the request's tenant and `[start, end]` (`match[]`
     * required or not) and answers its sorted list cut at `limit`, written by `write`.
     */
    const listing = async <T>(
      req: FastifyRequest,
      reply: FastifyReply,
      matchRequired: boolean,
      read: (q: Querier, sets: Matcher[][], start: number, end: number) => readonly T[],
      write: (reply: FastifyReply, list: readonly T[]) => FastifyReply,
    ) => {
      const p = params(req);
      const sets = matchSets(p, matchRequired);
      const { start, end } = bounds(p);
      const limit = parseLimitParam(p, 'limit');
      const q = deps.tsdb.querier(tenantOf(req), start, end);
      try {
        const out = read(q, sets, start, end);
        return write(reply, limit > 0 && out.length > limit ? out.slice(0, limit) : out);
      } finally {
        q.close();
      }
    };

    const series = (req: FastifyRequest, reply: FastifyReply) =>
      listing(
        req,
        reply,
        true,
        (q, sets, start, end) => {
          // Labels only: the store need not hand out any chunk. One selector's series come
          // sorted and distinct already.
          const hints = { mint: start, maxt: end, func: 'series' } as const;
          if (sets.length === 1) {
            const out: Labels[] = [];
            const set = q.select(sets[0]!, hints);
            while (set.next()) out.push(set.at().labels);
            return out;
          }
          const seen = new Map<string, Labels>();
          for (const matchers of sets) {
            const set = q.select(matchers, hints);
            while (set.next()) seen.set(labelsKey(set.at().labels), set.at().labels);
          }
          return [...seen.values()].sort(compareLabels);
        },
        // Written as bytes, as query answers are (prom-json.ts): thousands of label sets.
        (r, list) => sendLent(r, labelSetsSuccessBody(list)),
      );

    /** Union over the `match[]` sets (or over everything without one); each list comes sorted. */
    const union = (sets: Matcher[][], all: () => readonly string[], some: (ms: Matcher[]) => readonly string[]): readonly string[] =>
      sets.length === 0 ? all() : unionSorted(sets.map(some));

    /** Names and values: distinct strings, sorted, written once per list (prom-json.ts). */
    const strings = (reply: FastifyReply, list: readonly string[]) => sendJson(reply, stringsSuccessBody(list));

    const labelNames = (req: FastifyRequest, reply: FastifyReply) =>
      listing(req, reply, false, (q, sets) => union(sets, () => q.labelNames(), (ms) => q.labelNames(ms)), strings);

    const labelValues = async (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
      const name = decodeLabelName(req.params.name);
      if (name === undefined) throw badData('invalid_parameter', `invalid label name: ${JSON.stringify(req.params.name)}`);
      return listing(req, reply, false, (q, sets) => union(sets, () => q.labelValues(name), (ms) => q.labelValues(name, ms)), strings);
    };

    const metadata = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const limit = parseLimitParam(p, 'limit');
      const perMetric = parseLimitParam(p, 'limit_per_metric');
      const metric = p.get('metric') ?? '';
      const out: Record<string, { type: string; help: string; unit: string }[]> = {};
      const head = deps.tsdb.head(tenantOf(req));
      let n = 0;
      for (const [name, m] of [...(head?.metadata ?? new Map())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (metric !== '' && name !== metric) continue;
        if (limit > 0 && n >= limit) break;
        const entries = [{ type: m.type, help: m.help, unit: m.unit }];
        out[name] = perMetric > 0 ? entries.slice(0, perMetric) : entries;
        n++;
      }
      return ok(reply, out);
    };

    const exemplars = async (req: FastifyRequest, reply: FastifyReply) => {
      const p = params(req);
      const expr = parseQuery(p);
      const { start, end } = bounds(p);
      const selectors = vectorSelectors(expr).map((s) => s.matchers);
      const head = deps.tsdb.head(tenantOf(req));
      const bySeries = new Map<number, { labels: Labels; exemplars: { labels: Record<string, string>; value: string; timestamp: number }[] }>();
      for (const e of head?.exemplars ?? []) {
        if (e.t < start || e.t > end) continue;
        const series = head!.series.get(e.seriesRef);
        if (series === undefined) continue;
        const ls = series.labels;
        const value = (name: string) => ls.find((l) => l.name === name)?.value ?? '';
        if (!selectors.some((ms) => ms.every((m) => m.matches(value(m.name))))) continue;
        let entry = bySeries.get(e.seriesRef);
        if (entry === undefined) bySeries.set(e.seriesRef, (entry = { labels: ls, exemplars: [] }));
        entry.exemplars.push({ labels: labelsToObject(e.labels), value: formatSampleValue(e.v), timestamp: formatTime(e.t) });
      }
      const out = [...bySeries.values()].sort((a, b) => compareLabels(a.labels, b.labels));
      for (const s of out) s.exemplars.sort((a, b) => a.timestamp - b.timestamp);
      return ok(
        reply,
        out.map((s) => ({ seriesLabels: labelsToObject(s.labels), exemplars: s.exemplars })),
      );
    };

    const formatQuery = async (req: FastifyRequest, reply: FastifyReply) => ok(reply, prettyExpr(parseQuery(params(req))));

    for (const prefix of ['/prometheus/api/v1']) {
      scope.route({ method: ['GET', 'POST'], url: `${prefix}/query`, ...auth, handler: instant });
      scope.route({ method: ['GET', 'POST'], url: `${prefix}/query_range`, ...auth, handler: range });
      scope.route({ method: ['GET', 'POST'], url: `${prefix}/series`, ...auth, handler: series });
      scope.route({ method: ['GET', 'POST'], url: `${prefix}/labels`, ...auth, handler: labelNames });
      scope.route({ method: 'GET', url: `${prefix}/label/:name/values`, ...auth, handler: labelValues });
      scope.route({ method: 'GET', url: `${prefix}/metadata`, ...auth, handler: metadata });
      scope.route({ method: ['GET', 'POST'], url: `${prefix}/query_exemplars`, ...auth, handler: exemplars });
      scope.route({ method: ['GET', 'POST'], url: `${prefix}/format_query`, ...auth, handler: formatQuery });
    }
  });
}

/** Every vector selector of an expression (those inside range selectors included). */
function vectorSelectors(e: Expr): VectorSelector[] {
  const out: VectorSelector[] = [];
  const walk = (x: Expr): void => {
    switch (x.kind) {
      case 'vectorSelector':
        out.push(x);
        return;
      case 'matrixSelector':
        out.push(x.vector);
        return;
      case 'subquery':
      case 'paren':
      case 'unary':
        walk(x.expr);
        return;
      case 'aggregate':
        walk(x.expr);
        if (x.param !== undefined) walk(x.param);
        return;
      case 'binary':
        walk(x.lhs);
        walk(x.rhs);
        return;
      case 'call':
        x.args.forEach(walk);
        return;
      default:
        return;
    }
  };
  walk(e);
  return out;
}

/**
 * A label name from the URL: a legacy name as is, or Prometheus 3's `U__` escaping of other
 * names (`U__http_2e_status` → `http.status`); undefined when invalid.
 */
export function decodeLabelName(raw: string): string | undefined {
  if (!raw.startsWith('U__')) return LABEL_NAME_RE.test(raw) ? raw : undefined;
  let out = '';
  const s = raw.slice(3);
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '_') {
      out += c;
      continue;
    }
    if (s[i + 1] === '_') {
      out += '_';
      i++;
      continue;
    }
    const close = s.indexOf('_', i + 1);
    if (close < 0) return undefined;
    const code = Number.parseInt(s.slice(i + 1, close), 16);
    if (!Number.isInteger(code) || code < 0 || code > 0x10ffff) return undefined;
    out += String.fromCodePoint(code);
    i = close;
  }
  return out === '' ? undefined : out;
}
