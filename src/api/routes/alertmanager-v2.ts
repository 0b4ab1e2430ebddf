/**
 * The Alertmanager v2 API of each tenant under `/alertmanager/api/v2` (Alertmanager 0.25's
 * `api/v2/api.go` as Mimir serves it per tenant): alerts (list with filters, post), alert
 * groups, silences (list, create/update, get, expire), status and receivers. Reading takes
 * `query_metrics` or `setup_alerts`; posting alerts and changing silences takes
 * `setup_alerts`. Times are printed as go-openapi's `strfmt.DateTime` does (RFC3339 with
 * milliseconds, UTC). Refusals are JSON strings (`"…"`), as go-swagger writes Alertmanager's
 * error payloads; auth errors are plain text like the rest of the server's.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Scope } from '../../auth/scopes.js';
import { parseMatcher } from '../../alertmanager/config-matchers.js';
import type { PostableAlert } from '../../alertmanager/alerts.js';
import type { MultitenantAlertmanager } from '../../alertmanager/multitenant.js';
import { SilenceError, silenceState, sortSilences, type Silence, type SilenceMatcher } from '../../alertmanager/silences.js';
import type { AlertFilter, AlertView } from '../../alertmanager/tenant-alertmanager.js';
import { labelsToObject } from '../../model/labels.js';
import { compileGoRegexp, goRegexpTest, type Matcher } from '../../model/matcher.js';
import { tenantOf } from '../tenancy.js';

export interface AlertmanagerV2Deps {
  readonly am: MultitenantAlertmanager;
  readonly version: string;
  readonly revision: string;
}

const PREFIX = '/alertmanager/api/v2';
const READ: readonly Scope[] = ['query_metrics', 'setup_alerts'];
const WRITE: Scope = 'setup_alerts';

/** A refusal in go-swagger's shape: the message as a JSON string. */
class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send(JSON.stringify(message));
}

/** strfmt.DateTime: `2006-01-02T15:04:05.000Z`. */
function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parses an RFC3339 time; '' / absent / Go's zero time → 0 (not set). */
function parseTime(v: unknown, field: string): number {
  if (v === undefined || v === null || v === '') return 0;
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v)) throw new ApiRefusal(400, `${field} in body must be of type date-time: ${JSON.stringify(v)}`);
  if (v.startsWith('0001-01-01T00:00:00')) return 0;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new ApiRefusal(400, `${field} in body must be of type date-time: ${JSON.stringify(v)}`);
  return t;
}

function stringMap(v: unknown, field: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ApiRefusal(400, `${field} in body must be of type object`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== 'string') throw new ApiRefusal(400, `${field}.${k} in body must be of type string`);
    out[k] = x;
  }
  return out;
}

function parsePostableAlerts(body: unknown): PostableAlert[] {
  if (!Array.isArray(body)) throw new ApiRefusal(400, 'alerts in body must be of type array');
  return body.map((raw: unknown, i) => {
    if (raw === null || typeof raw !== 'object') throw new ApiRefusal(400, `alerts.${i} in body must be of type object`);
    const a = raw as Record<string, unknown>;
    if (a.labels === undefined || a.labels === null) throw new ApiRefusal(400, `alerts.${i}.labels in body is required`);
    if (a.generatorURL !== undefined && typeof a.generatorURL !== 'string') throw new ApiRefusal(400, `alerts.${i}.generatorURL in body must be of type string`);
    return {
      labels: stringMap(a.labels, `alerts.${i}.labels`),
      annotations: stringMap(a.annotations, `alerts.${i}.annotations`),
      startsAtMs: parseTime(a.startsAt, `alerts.${i}.startsAt`),
      endsAtMs: parseTime(a.endsAt, `alerts.${i}.endsAt`),
      generatorURL: (a.generatorURL as string | undefined) ?? '',
    };
  });
}

interface PostedSilence {
  readonly id: string;
  readonly matchers: SilenceMatcher[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

function parsePostableSilence(body: unknown): PostedSilence {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new ApiRefusal(400, 'silence in body must be of type object');
  const s = body as Record<string, unknown>;
  for (const f of ['matchers', 'startsAt', 'endsAt', 'createdBy', 'comment']) if (s[f] === undefined || s[f] === null) throw new ApiRefusal(400, `silence.${f} in body is required`);
  if (!Array.isArray(s.matchers)) throw new ApiRefusal(400, 'silence.matchers in body must be of type array');
  const matchers = s.matchers.map((raw: unknown, i): SilenceMatcher => {
    const m = (raw ?? {}) as Record<string, unknown>;
    if (typeof m.name !== 'string') throw new ApiRefusal(400, `silence.matchers.${i}.name in body is required`);
    if (typeof m.value !== 'string') throw new ApiRefusal(400, `silence.matchers.${i}.value in body is required`);
    if (typeof m.isRegex !== 'boolean') throw new ApiRefusal(400, `silence.matchers.${i}.isRegex in body is required`);
    if (m.isEqual !== undefined && typeof m.isEqual !== 'boolean') throw new ApiRefusal(400, `silence.matchers.${i}.isEqual in body must be of type boolean`);
    return { name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true };
  });
  if (typeof s.createdBy !== 'string' || typeof s.comment !== 'string') throw new ApiRefusal(400, 'silence.createdBy and silence.comment in body must be of type string');
  if (s.id !== undefined && typeof s.id !== 'string') throw new ApiRefusal(400, 'silence.id in body must be of type string');
  return {
    id: (s.id as string | undefined) ?? '',
    matchers,
    startsAtMs: parseTime(s.startsAt, 'silence.startsAt'),
    endsAtMs: parseTime(s.endsAt, 'silence.endsAt'),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

/** Query parameters: one value or the repeated list. */
function list(v: unknown): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** go-swagger's boolean query parameter (`strconv.ParseBool`), default true. */
function boolParam(query: Record<string, unknown>, name: string): boolean {
  const v = list(query[name]).at(-1);
  if (v === undefined || v === '') return true;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  throw new ApiRefusal(400, `${name} in query must be of type boolean: ${JSON.stringify(v)}`);
}

function parseFilter(query: Record<string, unknown>): Matcher[] {
  return list(query.filter).map((s) => {
    try {
      return parseMatcher(s);
    } catch (err) {
      throw new ApiRefusal(400, (err as Error).message);
    }
  });
}

function alertFilter(query: Record<string, unknown>): AlertFilter {
  const receiver = list(query.receiver).at(-1);
  let receiverTest: ((name: string) => boolean) | undefined;
  if (receiver !== undefined && receiver !== '') {
    try {
      const re = compileGoRegexp(`^(?:${receiver})$`);
      receiverTest = (name) => goRegexpTest(re, name);
    } catch (err) {
      throw new ApiRefusal(400, `failed to parse receiver param: ${(err as Error).message}`);
    }
  }
  return {
    active: boolParam(query, 'active'),
    silenced: boolParam(query, 'silenced'),
    inhibited: boolParam(query, 'inhibited'),
    unprocessed: boolParam(query, 'unprocessed'),
    muted: boolParam(query, 'muted'),
    matchers: parseFilter(query),
    ...(receiverTest === undefined ? {} : { receiver: receiverTest }),
  };
}

/** A gettable alert. */
export function gettableAlert(v: AlertView): Record<string, unknown> {
  const a = v.alert;
  return {
    annotations: { ...a.annotations },
    endsAt: formatTime(a.endsAtMs),
    fingerprint: a.fingerprint,
    receivers: v.receivers.map((name) => ({ name })),
    startsAt: formatTime(a.startsAtMs),
    status: { inhibitedBy: [...v.status.inhibitedBy], mutedBy: [...v.status.mutedBy], silencedBy: [...v.status.silencedBy], state: v.status.state },
    updatedAt: formatTime(a.updatedAtMs),
    generatorURL: a.generatorURL,
    labels: labelsToObject(a.labels),
  };
}

/** A gettable silence. */
export function gettableSilence(s: Silence, nowMs: number): Record<string, unknown> {
  return {
    id: s.id,
    status: { state: silenceState(s, nowMs) },
    updatedAt: formatTime(s.updatedAtMs),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: formatTime(s.endsAtMs),
    matchers: s.matchers.map((m) => ({ isEqual: m.isEqual, isRegex: m.isRegex, name: m.name, value: m.value })),
    startsAt: formatTime(s.startsAtMs),
  };
}

/** Registers the v2 routes. */
export function registerAlertmanagerV2Routes(app: FastifyInstance, deps: AlertmanagerV2Deps): void {
  const read = { config: { auth: { kind: 'tenant', scope: READ } } } as const;
  const write = { config: { auth: { kind: 'tenant', scope: WRITE } } } as const;
  const now = () => deps.am.now();

  /** Runs a handler, turning ApiRefusals into go-swagger-style answers. */
  const guard =
    <R>(fn: (request: R, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>) =>
    async (request: R, reply: FastifyReply) => {
      try {
        return await fn(request, reply);
      } catch (err) {
        if (err instanceof ApiRefusal) return refuse(reply, err.status, err.message);
        throw err;
      }
    };

  app.get(`${PREFIX}/status`, read, async (request, reply) => {
    const am = deps.am.forTenant(tenantOf(request));
    return reply.send({
      // Mimir answers for its tenants with a peer that reports nothing of the cluster.
      cluster: { name: '', status: 'ready', peers: [] },
      versionInfo: { branch: '', buildDate: '', buildUser: '', goVersion: '', revision: deps.revision, version: deps.version },
      config: { original: am.config.original },
      uptime: formatTime(deps.am.startedAtMs),
    });
  });

  app.get(`${PREFIX}/receivers`, read, async (request, reply) => {
    const am = deps.am.forTenant(tenantOf(request));
    return reply.send([...am.config.receivers.keys()].map((name) => ({ name })));
  });

  app.get(
    `${PREFIX}/alerts`,
    read,
    guard(async (request: FastifyRequest, reply) => {
      const f = alertFilter(request.query as Record<string, unknown>);
      const am = deps.am.forTenant(tenantOf(request));
      return reply.send(am.listAlerts(f).map(gettableAlert));
    }),
  );

  app.post(
    `${PREFIX}/alerts`,
    write,
    guard(async (request: FastifyRequest, reply) => {
      const alerts = parsePostableAlerts(request.body);
      const errors = deps.am.postAlerts(tenantOf(request), alerts);
      if (errors.length > 0) throw new ApiRefusal(400, errors.join('; '));
      return reply.code(200).send();
    }),
  );

  app.get(
    `${PREFIX}/alerts/groups`,
    read,
    guard(async (request: FastifyRequest, reply) => {
      const f = alertFilter(request.query as Record<string, unknown>);
      const am = deps.am.forTenant(tenantOf(request));
      return reply.send(
        am.listGroups(f).map((g) => ({
          alerts: g.alerts.map(gettableAlert),
          labels: labelsToObject(g.labels),
          receiver: { name: g.receiver },
        })),
      );
    }),
  );

  app.get(
    `${PREFIX}/silences`,
    read,
    guard(async (request: FastifyRequest, reply) => {
      const matchers = parseFilter(request.query as Record<string, unknown>);
      const am = deps.am.forTenant(tenantOf(request));
      const t = now();
      return reply.send(sortSilences(am.listSilences(matchers), t).map((s) => gettableSilence(s, t)));
    }),
  );

  app.post(
    `${PREFIX}/silences`,
    write,
    guard(async (request: FastifyRequest, reply) => {
      const p = parsePostableSilence(request.body);
      const t = now();
      if (p.startsAtMs >= p.endsAtMs) throw new ApiRefusal(400, 'Failed to create silence: start time must be before end time');
      if (p.endsAtMs < t) throw new ApiRefusal(400, "Failed to create silence: end time can't be in the past");
      const am = deps.am.forTenant(tenantOf(request));
      try {
        const silenceID = am.silences.set(p, t);
        return reply.send({ silenceID });
      } catch (err) {
        if (err instanceof SilenceError) throw new ApiRefusal(err.notFound ? 404 : 400, err.message);
        throw err;
      }
    }),
  );

  app.get<{ Params: { id: string } }>(`${PREFIX}/silence/:id`, read, async (request, reply) => {
    const am = deps.am.forTenant(tenantOf(request));
    const s = am.silences.get(request.params.id);
    if (s === undefined) return reply.code(404).send();
    return reply.send(gettableSilence(s, now()));
  });

  app.delete<{ Params: { id: string } }>(`${PREFIX}/silence/:id`, write, async (request, reply) => {
    const am = deps.am.forTenant(tenantOf(request));
    try {
      am.silences.expire(request.params.id, now());
    } catch (err) {
      if (err instanceof SilenceError) return err.notFound ? reply.code(404).send() : refuse(reply, 500, err.message);
      throw err;
    }
    return reply.code(200).send();
  });
}
