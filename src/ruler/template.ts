/**
 * Prometheus's templates in alert labels and annotations (`template/template.go`): Go's
 * text/template (the engine LogQL uses, with `missingkey=zero`) run with Prometheus's
 * function table instead of Loki's, over Prometheus's data (`.Labels`, `.ExternalLabels`,
 * `.ExternalURL`, `.Value`, and the `$labels`, `$externalLabels`, `$externalURL`, `$value`
 * variables that `rules/alerting.go` prepends).
 *
 * `query` runs PromQL (or LogQL, for a log rule) from a template. Template execution is
 * synchronous and queries are not, so the constant query strings of a template are run
 * before it executes; a query built at run time (`printf … | query`) fails with an error
 * that says so.
 */
import { compileGoTemplate, TemplateExecError, TemplateParseError, type CompiledGoTemplate, type GoFunc, type GoValue, type ListNode } from '../logql/template/index.js';
import { GoFuncError } from '../logql/template/errors.js';
import { sprintf } from '../logql/template/go-fmt.js';
import { convertToFloat, g4, goFunc, humanize, humanize1024, humanizeDuration, matchFunc, reReplaceAllFunc, templateBuiltin } from '../logql/template/prom-helpers.js';
import { queryEscape } from '../logql/template/go-strconv.js';
import { timeString, unixTime, UTC } from '../logql/template/go-time.js';
import { GoInt, GoTime, LabelsValue, goTypeName } from '../logql/template/values.js';
import { goQuote } from '../logql/go-text.js';
import { parsePromDurationMs } from '../util/duration.js';
import type { RuleSample } from './types.js';

/** What one expansion may read besides its data. */
export interface TemplateContext {
  /** The evaluation time (ms): `now`, and the time template queries run at. */
  tMs: number;
  /** `--web.external-url` (Mimir: `-ruler.external.url`); '' when unset. */
  externalURL: string;
  /** Results of the template's constant queries, by query text: samples, or the error text. */
  queries: ReadonlyMap<string, readonly RuleSample[] | string>;
}

/** The data of an alert's templates (Prometheus's `AlertTemplateData`). */
export interface AlertTemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly value: number;
}

/** The definitions `rules/alerting.go` puts in front of every label and annotation template. */
const DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

/** Go builtins of text/template, taken from the shared engine so their semantics are Go's. */
const BUILTINS = ['and', 'or', 'not', 'len', 'index', 'slice', 'call', 'html', 'js', 'urlquery', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];

const S = 'string' as const;
const A = 'any' as const;
const fn = goFunc;
const builtin = templateBuiltin;

/** The largest |ns| a Go `int64` holds, as a float (Prometheus's overflow check). */
const MAX_INT64_F = 9.223372036854775807e18;

/** Prometheus's `floatToTime`: seconds to a UTC time, truncated to ms (`model.Time`). */
function floatToTime(v: number): GoTime {
  if (!Number.isFinite(v)) throw new GoFuncError('value is NaN or Inf');
  if (Math.abs(v * 1e9) > MAX_INT64_F) throw new GoFuncError(`${sprintf('%v', [v])} cannot be represented as a nanoseconds timestamp since it overflows int64`);
  const ms = Math.trunc(v * 1000);
  const sec = Math.floor(ms / 1000);
  const t = unixTime(sec, (ms - sec * 1000) * 1e6);
  return new GoTime(t.sec, t.nsec, UTC);
}

/** Go's `net.SplitHostPort`, or undefined where Go returns an error. */
function splitHostPort(hostPort: string): { host: string; port: string } | undefined {
  const i = hostPort.lastIndexOf(':');
  if (i < 0) return undefined;
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0 || end + 1 !== i) return undefined;
    return { host: hostPort.slice(1, end), port: hostPort.slice(i + 1) };
  }
  const host = hostPort.slice(0, i);
  if (host.includes(':') || host.includes('[') || host.includes(']')) return undefined;
  return { host, port: hostPort.slice(i + 1) };
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Whether Go's `net.ParseIP` accepts `s` (IPv4 dotted quad or an IPv6 literal). */
function isIP(s: string): boolean {
  if (IPV4.test(s)) return true;
  if (!s.includes(':')) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

/** A query result row as templates see it: `{Labels, Value}`. */
function sampleValue(s: RuleSample): GoValue {
  const labels = new Map<string, string>();
  for (const l of s.labels) labels.set(l.name, l.value);
  return new Map<string, GoValue>([
    ['Labels', new LabelsValue(labels)],
    ['Value', s.v],
  ]);
}

/** A `*sample` argument, checked as Go's reflection would (nil dereference panics). */
function asSample(v: GoValue): Map<string, GoValue> {
  if (v === null || v === undefined) throw new GoFuncError('runtime error: invalid memory address or nil pointer dereference');
  if (!(v instanceof Map) || !v.has('Labels')) throw new GoFuncError(`wrong type for value; expected *template.sample; got ${goTypeName(v)}`);
  return v;
}

function asResult(v: GoValue): readonly GoValue[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new GoFuncError(`wrong type for value; expected template.queryResult; got ${goTypeName(v)}`);
  return v as readonly GoValue[];
}

function labelOf(sample: Map<string, GoValue>, name: string): string {
  const labels = sample.get('Labels');
  return labels instanceof LabelsValue ? (labels.labels.get(name) ?? '') : '';
}

/** `url.Parse(externalURL).Path`, '' for an unset or unparsable URL. */
function pathOf(url: string): string {
  if (url === '') return '';
  try {
    return new URL(url).pathname.replace(/^\/$/, url.endsWith('/') ? '/' : '');
  } catch {
    return '';
  }
}

/** Prometheus's function table over a context the caller refills per evaluation. */
export function prometheusFunctions(ctx: TemplateContext): ReadonlyMap<string, GoFunc> {
  const m = new Map<string, GoFunc>(BUILTINS.map((n) => [n, builtin(n)]));
  const set = (name: string, f: GoFunc) => m.set(name, f);
  set(
    'query',
    fn([S], (a) => {
      const q = a[0] as string;
      const r = ctx.queries.get(q);
      if (r === undefined) throw new GoFuncError(`cairn runs only constant query strings from templates; ${goQuote(q)} is built at run time`);
      if (typeof r === 'string') throw new GoFuncError(r);
      return r.map(sampleValue);
    }),
  );
  set(
    'first',
    fn([A], (a) => {
      const v = asResult(a[0]!);
      if (v.length === 0) throw new GoFuncError('first() called on vector with no elements');
      return v[0]!;
    }),
  );
  set('label', fn([S, A], (a) => labelOf(asSample(a[1]!), a[0] as string)));
  set('value', fn([A], (a) => asSample(a[0]!).get('Value') as number));
  set('strvalue', fn([A], (a) => labelOf(asSample(a[0]!), '__value__')));
  set(
    'args',
    fn(
      [],
      (a) => new Map<string, GoValue>(a.map((x, i) => [`arg${i}`, x])),
      A,
    ),
  );
  set('reReplaceAll', reReplaceAllFunc());
  set('safeHtml', fn([S], (a) => a[0]!));
  set('match', matchFunc());
  set('title', builtin('title'));
  set('toUpper', builtin('ToUpper'));
  set('toLower', builtin('ToLower'));
  set('graphLink', fn([S], (a) => `/graph?g0.expr=${queryEscape(a[0] as string)}&g0.tab=0`));
  set('tableLink', fn([S], (a) => `/graph?g0.expr=${queryEscape(a[0] as string)}&g0.tab=1`));
  set(
    'sortByLabel',
    fn([S, A], (a) => {
      const name = a[0] as string;
      // Array.prototype.sort is stable, as sort.Stable.
      return [...asResult(a[1]!)].sort((x, y) => {
        const lx = labelOf(asSample(x), name);
        const ly = labelOf(asSample(y), name);
        return lx < ly ? -1 : lx > ly ? 1 : 0;
      });
    }),
  );
  set('stripPort', fn([S], (a) => splitHostPort(a[0] as string)?.host ?? (a[0] as string)));
  set(
    'stripDomain',
    fn([S], (a) => {
      const hostPort = a[0] as string;
      const split = splitHostPort(hostPort);
      const host = split?.host ?? hostPort;
      if (isIP(host)) return hostPort;
      const short = host.split('.')[0]!;
      if (split !== undefined && split.port !== '') return short.includes(':') ? `[${short}]:${split.port}` : `${short}:${split.port}`;
      return short;
    }),
  );
  set('humanize', fn([A], (a) => humanize(convertToFloat(a[0]!))));
  set('humanize1024', fn([A], (a) => humanize1024(convertToFloat(a[0]!))));
  set('humanizeDuration', fn([A], (a) => humanizeDuration(convertToFloat(a[0]!))));
  set('humanizePercentage', fn([A], (a) => g4(convertToFloat(a[0]!) * 100, '%')));
  set(
    'humanizeTimestamp',
    fn([A], (a) => {
      const v = convertToFloat(a[0]!);
      if (!Number.isFinite(v)) return g4(v);
      return timeString(floatToTime(v));
    }),
  );
  set('toTime', fn([A], (a) => floatToTime(convertToFloat(a[0]!))));
  set(
    'toDuration',
    fn([A], (a) => {
      const v = convertToFloat(a[0]!);
      if (!Number.isFinite(v)) throw new GoFuncError('value is NaN or Inf');
      if (Math.abs(v * 1e9) > MAX_INT64_F) throw new GoFuncError(`${sprintf('%v', [v])} cannot be represented as a nanoseconds duration since it overflows int64`);
      return new GoInt(BigInt(Math.trunc(v * 1e9)), 'time.Duration');
    }),
  );
  set('now', fn([], () => ctx.tMs / 1000));
  set('pathPrefix', fn([], () => pathOf(ctx.externalURL)));
  set('externalURL', fn([], () => ctx.externalURL));
  set(
    'parseDuration',
    fn([S], (a) => {
      const s = a[0] as string;
      // Prometheus's model.ParseDuration: integer amounts of y w d h m s ms, largest first.
      const ms = parsePromDurationMs(s);
      if (typeof ms !== 'number') throw new GoFuncError(ms.reason === 'empty' ? 'empty duration string' : `not a valid duration string: ${goQuote(s)}`);
      return ms / 1000;
    }),
  );
  set('urlQueryEscape', fn([S], (a) => queryEscape(a[0] as string)));
  return m;
}

/** Constant strings passed to `query` anywhere in a tree (`query "up"`, `"up" | query`). */
export function constantQueries(root: ListNode): string[] {
  const out = new Set<string>();
  const visit = (n: unknown): void => {
    if (n === null || typeof n !== 'object') return;
    const node = n as { kind?: string; cmds?: { args: { kind: string; ident?: string; text?: string }[] }[] };
    if (node.kind === 'pipe' && node.cmds !== undefined) {
      node.cmds.forEach((cmd, j) => {
        const [head, arg] = cmd.args;
        if (head?.kind !== 'identifier' || head.ident !== 'query') return;
        if (arg?.kind === 'string') out.add(arg.text!);
        else if (arg === undefined && j > 0) {
          const prev = node.cmds![j - 1]!.args;
          if (prev.length === 1 && prev[0]!.kind === 'string') out.add(prev[0]!.text!);
        }
      });
    }
    for (const v of Object.values(n)) {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v !== null && typeof v === 'object') visit(v);
    }
  };
  visit(root);
  return [...out];
}

/** Compiled templates of one kind of text, most recent first out; rules have few distinct texts. */
const CACHE_MAX = 256;

/**
 * Expands the label and annotation templates of one alerting rule. Compiles each text once
 * (with the definitions prepended, as Prometheus does, so positions in messages match) and
 * keeps a context the caller refills before each evaluation.
 */
export class AlertTemplateExpander {
  readonly ctx: TemplateContext = { tMs: 0, externalURL: '', queries: new Map() };
  private readonly functions = prometheusFunctions(this.ctx);
  private readonly compiled = new Map<string, CompiledGoTemplate | string>();

  /** `name` is Go's template name: `__alert_<rule name>`. */
  constructor(private readonly name: string) {}

  private compile(text: string): CompiledGoTemplate | string {
    let c = this.compiled.get(text);
    if (c === undefined) {
      try {
        c = compileGoTemplate(DEFS + text, this.name, { functions: this.functions, nowMs: () => this.ctx.tMs });
      } catch (e) {
        if (!(e instanceof TemplateParseError)) throw e;
        c = `error parsing template ${this.name}: ${e.message}`;
      }
      if (this.compiled.size >= CACHE_MAX) this.compiled.clear();
      this.compiled.set(text, c);
    }
    return c;
  }

  /** The constant queries the given texts run, so the caller can run them first. */
  queriesOf(texts: Iterable<string>): string[] {
    const out = new Set<string>();
    for (const t of texts) {
      if (!t.includes('query')) continue;
      const c = this.compile(t);
      if (typeof c !== 'string') for (const q of constantQueries(c.root)) out.add(q);
    }
    return [...out];
  }

  /**
   * Expands `text`; a failure yields Prometheus's `<error expanding template: …>` instead of
   * throwing, so one bad annotation never stops an evaluation. Text without `{{` is itself.
   */
  expand(text: string, data: AlertTemplateData): string {
    if (!text.includes('{{')) return text;
    const c = this.compile(text);
    if (typeof c === 'string') return `<error expanding template: ${c}>`;
    const dot = new Map<string, GoValue>([
      ['Labels', new LabelsValue(new Map(Object.entries(data.labels)))],
      ['ExternalLabels', new LabelsValue(new Map(Object.entries(data.externalLabels)))],
      ['ExternalURL', data.externalURL],
      ['Value', data.value],
    ]);
    try {
      return c.execute(dot);
    } catch (e) {
      if (e instanceof TemplateExecError) return `<error expanding template: error executing template ${this.name}: ${e.message}>`;
      throw e;
    }
  }
}
