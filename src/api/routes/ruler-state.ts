/**
 * The ruler's state in the Prometheus API's JSON (`web/api/v1/api.go` `rules` and `alerts`,
 * as Mimir serves them): `GET /prometheus/api/v1/rules` and `/prometheus/api/v1/alerts` list
 * metric rules (scope `query_metrics`); the same two under `/logs/prometheus/…` list log
 * rules (scope `query_logs`), so a Grafana Loki data source with URL `<host>/logs` sees its
 * own rules while a Mimir data source at `<host>/prometheus` sees the metric ones.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AlertingRule, type Alert } from '../../ruler/alerting-rule.js';
import type { RuleGroup } from '../../ruler/group.js';
import { formatRfc3339 } from '../../ruler/rule.js';
import type { RuleKind } from '../../ruler/types.js';
import { badData } from '../../util/errors.js';
import { promParams, type PromParams } from '../prom-params.js';
import { tenantOf } from '../tenancy.js';

/** What the routes read: the evaluated groups of a tenant and kind, in API order. */
export interface RulerStateSource {
  groupsOf(tenant: string, kind: RuleKind): RuleGroup[];
}

export interface RulerStateDeps {
  readonly ruler: RulerStateSource;
}

/** Go's `strconv.FormatFloat(v, 'e', -1, 64)`: 1 → `1e+00`, 0.42 → `4.2e-01`. */
export function formatAlertValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0e+00' : '0e+00';
  const [mantissa, exp] = v.toExponential().split('e') as [string, string];
  const sign = exp[0] === '-' ? '-' : '+';
  const digits = exp.replace(/^[+-]/, '');
  return `${mantissa}e${sign}${digits.length < 2 ? `0${digits}` : digits}`;
}

function alertJson(a: Alert): Record<string, unknown> {
  const labels: Record<string, string> = {};
  for (const l of a.labels) labels[l.name] = l.value;
  return {
    labels,
    annotations: a.annotations,
    state: a.state,
    activeAt: formatRfc3339(a.activeAtMs),
    ...(a.keepFiringSinceMs !== 0 ? { keepFiringSince: formatRfc3339(a.keepFiringSinceMs) } : {}),
    value: formatAlertValue(a.value),
  };
}

/** Go's `strconv.ParseBool`. */
function parseBool(s: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  return undefined;
}

/** A repeated filter: `name[]` and, as Prometheus also accepts, `name`. */
function filterSet(p: PromParams, name: string): Set<string> | undefined {
  const values = [...p.getAll(`${name}[]`), ...p.getAll(name)];
  return values.length === 0 ? undefined : new Set(values);
}

function rulesData(groups: readonly RuleGroup[], p: PromParams): unknown {
  const typ = (p.get('type') ?? '').toLowerCase();
  if (typ !== '' && typ !== 'alert' && typ !== 'record') throw badData('invalid_parameter', `not supported value "${p.get('type')}"`);
  const returnAlerts = typ === '' || typ === 'alert';
  const returnRecording = typ === '' || typ === 'record';
  const rawExclude = p.get('exclude_alerts');
  const exclude = rawExclude === undefined || rawExclude === '' ? false : parseBool(rawExclude);
  if (exclude === undefined) throw badData('invalid_parameter', `parsing exclude_alerts: strconv.ParseBool: parsing "${rawExclude}": invalid syntax`);
  const names = filterSet(p, 'rule_name');
  const groupNames = filterSet(p, 'rule_group');
  const files = filterSet(p, 'file');
  const out: unknown[] = [];
  for (const g of groups) {
    const { namespace, group } = g.stored;
    if (groupNames !== undefined && !groupNames.has(group.name)) continue;
    if (files !== undefined && !files.has(namespace)) continue;
    const rules: unknown[] = [];
    for (const r of g.rules) {
      if (names !== undefined && !names.has(r.name)) continue;
      const common = { health: r.health, lastError: r.lastError, lastEvaluation: formatRfc3339(r.lastEvaluationMs), evaluationTime: r.evaluationTimeS };
      if (r instanceof AlertingRule) {
        if (!returnAlerts) continue;
        rules.push({
          state: r.state(),
          name: r.name,
          query: r.expr,
          duration: r.config.forMs / 1000,
          keepFiringFor: r.config.keepFiringForMs / 1000,
          labels: r.config.labels,
          annotations: r.config.annotations,
          alerts: exclude ? null : r.activeAlerts().map(alertJson),
          health: common.health,
          lastError: common.lastError,
          type: 'alerting',
          lastEvaluation: common.lastEvaluation,
          evaluationTime: common.evaluationTime,
        });
      } else {
        if (!returnRecording) continue;
        rules.push({ name: r.name, query: r.expr, labels: r.config.labels, ...common, type: 'recording' });
      }
    }
    // Filtering away every rule of a group drops the group (Prometheus).
    if (rules.length === 0 && (names !== undefined || typ !== '')) continue;
    out.push({
      name: group.name,
      file: namespace,
      rules,
      interval: g.intervalMs / 1000,
      limit: group.limit,
      lastEvaluation: formatRfc3339(g.lastEvaluationMs),
      evaluationTime: g.evaluationTimeS,
      sourceTenants: group.sourceTenants.length === 0 ? null : group.sourceTenants,
    });
  }
  return { groups: out };
}

function alertsData(groups: readonly RuleGroup[]): unknown {
  const alerts: unknown[] = [];
  for (const g of groups) for (const r of g.rules) if (r instanceof AlertingRule) for (const a of r.activeAlerts()) alerts.push(alertJson(a));
  return { alerts };
}

export function registerRulerStateRoutes(app: FastifyInstance, deps: RulerStateDeps): void {
  const families: readonly { prefix: string; kind: RuleKind; scope: 'query_metrics' | 'query_logs' }[] = [
    { prefix: '/prometheus', kind: 'metrics', scope: 'query_metrics' },
    { prefix: '/logs/prometheus', kind: 'logs', scope: 'query_logs' },
  ];
  void app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
    for (const f of families) {
      const config = { auth: { kind: 'tenant', scope: f.scope } } as const;
      const groups = (req: FastifyRequest) => deps.ruler.groupsOf(tenantOf(req), f.kind);
      const ok = (reply: FastifyReply, data: unknown) => reply.type('application/json').send({ status: 'success', data });
      const rules = async (req: FastifyRequest, reply: FastifyReply) => ok(reply, rulesData(groups(req), promParams(req.url, req.body)));
      const alerts = async (req: FastifyRequest, reply: FastifyReply) => ok(reply, alertsData(groups(req)));
      scope.get(`${f.prefix}/api/v1/rules`, { config }, rules);
      scope.post(`${f.prefix}/api/v1/rules`, { config }, rules);
      scope.get(`${f.prefix}/api/v1/alerts`, { config }, alerts);
      scope.post(`${f.prefix}/api/v1/alerts`, { config }, alerts);
    }
  });
}
