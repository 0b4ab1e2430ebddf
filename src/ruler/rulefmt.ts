/**
 * Rule groups in YAML, as Prometheus's `rulefmt` reads them and the Mimir and Loki ruler
 * configuration APIs accept them: decoding with yaml.v3's strictness (unknown keys and
 * wrong types are refused with its texts), validation with `rulefmt`'s and Mimir's
 * messages, expression parsing in the group's language (PromQL for metrics, LogQL metric
 * queries for logs), and printing back as Mimir does.
 *
 * Two entry points read YAML: `parseRuleGroup` takes one group (a POST body) and
 * `parseRulesFile` a rules file (`groups:` as promtool reads it, optionally with
 * mimirtool's `namespace:` key, several YAML documents allowed). Both throw a
 * `RuleFormatError` (400) whose message is the one Mimir answers.
 */
import { isSeq, stringify, type Document, type LineCounter } from 'yaml';
import { ConfigDecodeError, StrictYamlDecoder, parseYamlDocuments, type StrictYamlOptions } from '../config/yaml-strict.js';
import { goQuote } from '../logql/go-text.js';
import { isSampleExpr, parseLogQL } from '../logql/index.js';
import { parseTemplate } from '../logql/template/parser.js';
import { formatDurationMs, parseDurationMs } from '../promql/parser/index.js';
import { parseExpr } from '../promql/parser/index.js';
import { CairnError } from '../util/errors.js';
import type { AlertingRuleConfig, RecordingRuleConfig, RuleConfig, RuleGroupConfig, RuleKind } from './types.js';

/** A rule group or rules file that cannot be decoded or fails validation: 400 with Mimir's text. */
export class RuleFormatError extends CairnError {
  constructor(reason: 'invalid_rule_group' | 'undecodable_rule_group', message: string) {
    super('bad_data', reason, message);
    this.name = 'RuleFormatError';
  }
}

/** Mimir's text for a body that is not a rule group (`ErrBadRuleGroup`). */
export const BAD_RULE_GROUP = 'unable to decode rule group';

// ---------------------------------------------------------------------------------------
// Decoding: a walk over the YAML nodes that refuses what yaml.v3 refuses when Prometheus
// decodes into its structs with KnownFields(true), with yaml.v3's messages.
// ---------------------------------------------------------------------------------------

/**
 * How the ruler's yaml.v3 reading differs from the shared decoder's defaults (yaml.v2, for
 * Alertmanager): YAML 1.2 scalars (`yes` is a string), a repeated key refused while
 * parsing (`Map keys must be unique`), and a wrong-typed value printed whole in
 * `cannot unmarshal` (the texts the ruler APIs and promtool comparisons pin).
 */
const RULER_YAML: StrictYamlOptions = { yaml11: false, shortenValues: false, uniqueKeys: true };

/**
 * `model.Duration`: decoded as a string, then Prometheus's ParseDuration. Unlike
 * Alertmanager's decoder (which stops at such an error), the ruler records the error
 * bare, without a line, as yaml.v3 passes an Unmarshaler's error through, and goes on.
 */
function decodeDuration(d: StrictYamlDecoder, raw: unknown): number | undefined {
  const node = d.resolve(raw);
  if (node === null) return 0;
  const s = d.string(node);
  if (s === undefined) return undefined;
  try {
    return parseDurationMs(s);
  } catch (e) {
    d.errors.push((e as Error).message);
    return undefined;
  }
}

/** Group keys Cairn reads. `evaluation_delay` is Mimir's older name of `query_offset` (metrics only, as Loki never had it). */
const GROUP_KEYS: Readonly<Record<RuleKind, readonly string[]>> = {
  metrics: ['name', 'interval', 'query_offset', 'evaluation_delay', 'limit', 'rules', 'source_tenants'],
  logs: ['name', 'interval', 'query_offset', 'limit', 'rules', 'source_tenants'],
};
const RULE_KEYS = ['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'] as const;

/** A rule as decoded, before validation (Prometheus's `rulefmt.Rule`). */
interface RawRule {
  record: string;
  alert: string;
  expr: string;
  forMs: number;
  keepFiringForMs: number;
  labels: Map<string, string>;
  annotations: Map<string, string>;
}

/** A group as decoded, before validation. */
interface RawGroup {
  name: string;
  intervalMs: number;
  queryOffsetMs: number | undefined;
  evaluationDelayMs: number | undefined;
  limit: number;
  rules: RawRule[];
  sourceTenants: string[];
}

function decodeRule(d: StrictYamlDecoder, raw: unknown): RawRule | undefined {
  const f = d.struct(raw, 'rulefmt.Rule', RULE_KEYS)?.fields;
  if (f === undefined) return undefined;
  const r: RawRule = {
    record: d.string(f.get('record')) ?? '',
    alert: d.string(f.get('alert')) ?? '',
    expr: d.string(f.get('expr')) ?? '',
    forMs: decodeDuration(d, f.get('for')) ?? 0,
    keepFiringForMs: decodeDuration(d, f.get('keep_firing_for')) ?? 0,
    labels: d.stringMap(f.get('labels')) ?? new Map(),
    annotations: d.stringMap(f.get('annotations')) ?? new Map(),
  };
  return r;
}

function decodeGroup(d: StrictYamlDecoder, raw: unknown, kind: RuleKind): RawGroup | undefined {
  const f = d.struct(raw, 'rulefmt.RuleGroup', GROUP_KEYS[kind])?.fields;
  if (f === undefined) return undefined;
  const rules: RawRule[] = [];
  const rulesNode = d.resolve(f.get('rules'));
  if (rulesNode !== null) {
    if (!isSeq(rulesNode)) d.typeError(rulesNode, '[]rulefmt.Rule');
    else
      for (const item of rulesNode.items) {
        const r = decodeRule(d, item);
        if (r !== undefined) rules.push(r);
      }
  }
  return {
    name: d.string(f.get('name')) ?? '',
    intervalMs: decodeDuration(d, f.get('interval')) ?? 0,
    queryOffsetMs: f.has('query_offset') ? (decodeDuration(d, f.get('query_offset')) ?? 0) : undefined,
    evaluationDelayMs: f.has('evaluation_delay') ? (decodeDuration(d, f.get('evaluation_delay')) ?? 0) : undefined,
    limit: d.int(f.get('limit')) ?? 0,
    rules,
    sourceTenants: d.stringList(f.get('source_tenants')) ?? [],
  };
}

/**
 * Parses YAML with the ruler's options; a syntax error is yaml.v3-style `yaml: line N: …`
 * behind `prefix`, as a RuleFormatError (the shared parser's error, wrapped).
 */
function parseYamlDocs(text: string, many: boolean, prefix: string): { docs: readonly Document.Parsed[]; lines: LineCounter } {
  try {
    return parseYamlDocuments(text, many, RULER_YAML);
  } catch (e) {
    if (e instanceof ConfigDecodeError) throw new RuleFormatError('undecodable_rule_group', `${prefix}${e.message}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------
// Validation: Prometheus's Rule.Validate and Mimir's ValidateRuleGroup, in their order.
// ---------------------------------------------------------------------------------------

/** Prometheus's legacy metric-name charset (`model.IsValidMetricName`). */
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Prometheus's legacy label-name charset (`model.LabelName.IsValid`). */
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Functions an alerting rule's templates may call: Go's builtins plus Prometheus's
 * template functions (`template/template.go`). Go's parser refuses unknown functions at
 * parse time (`function "x" not defined`), so promtool refuses them and so does Cairn.
 */
const TEMPLATE_FUNCTIONS: ReadonlySet<string> = new Set([
  // Go text/template builtins.
  'and', 'call', 'html', 'index', 'slice', 'js', 'len', 'not', 'or', 'print', 'printf', 'println', 'urlquery',
  'eq', 'ge', 'gt', 'le', 'lt', 'ne',
  // Prometheus.
  'query', 'first', 'label', 'value', 'strvalue', 'args', 'reReplaceAll', 'safeHtml', 'match', 'title', 'toUpper',
  'toLower', 'graphLink', 'tableLink', 'sortByLabel', 'humanize', 'humanize1024', 'humanizeDuration',
  'humanizePercentage', 'humanizeTimestamp', 'toTime', 'toDuration', 'now', 'pathPrefix', 'externalURL',
  'parseDuration', 'stripPort', 'stripDomain', 'urlQueryEscape',
]);

/** Prometheus prepends these so `$labels`, `$value` … exist in every alert template. */
const TEMPLATE_DEFS = '{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}';

function templateError(alert: string, text: string): string | undefined {
  try {
    parseTemplate(`__alert_${alert}`, TEMPLATE_DEFS + text, (f) => TEMPLATE_FUNCTIONS.has(f));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** The expression's parse error in the group's language, or undefined when it parses. */
function exprError(expr: string, kind: RuleKind): string | undefined {
  try {
    if (kind === 'metrics') {
      parseExpr(expr);
    } else {
      const e = parseLogQL(expr);
      // Loki evaluates rules as instant metric queries; a log query has no value to record or alert on.
      if (!isSampleExpr(e)) return 'only sample expression supported (a LogQL rule needs a metric query such as count_over_time({app="x"}[5m]), not a log query)';
    }
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Prometheus's `Rule.Validate`: every problem of one rule, in upstream's order. */
function ruleErrors(r: RawRule, kind: RuleKind): string[] {
  const errs: string[] = [];
  if (r.record !== '' && r.alert !== '') errs.push("only one of 'record' and 'alert' must be set");
  if (r.record === '' && r.alert === '') errs.push("one of 'record' or 'alert' must be set");
  if (r.expr === '') errs.push("field 'expr' must be set in rule");
  else {
    const e = exprError(r.expr, kind);
    if (e !== undefined) errs.push(`could not parse expression: ${e}`);
  }
  if (r.record !== '') {
    if (r.annotations.size > 0) errs.push("invalid field 'annotations' in recording rule");
    if (r.forMs !== 0) errs.push("invalid field 'for' in recording rule");
    if (r.keepFiringForMs !== 0) errs.push("invalid field 'keep_firing_for' in recording rule");
    if (!METRIC_NAME_RE.test(r.record)) errs.push(`invalid recording rule name: ${r.record}`);
  }
  for (const k of r.labels.keys()) {
    if (!LABEL_NAME_RE.test(k) || k === '__name__') errs.push(`invalid label name: ${k}`);
  }
  for (const k of r.annotations.keys()) {
    if (!LABEL_NAME_RE.test(k)) errs.push(`invalid annotation name: ${k}`);
  }
  if (r.alert !== '') {
    for (const [k, v] of r.labels) {
      const e = templateError(r.alert, v);
      if (e !== undefined) errs.push(`label ${goQuote(k)}: ${e}`);
    }
    for (const [k, v] of r.annotations) {
      const e = templateError(r.alert, v);
      if (e !== undefined) errs.push(`annotation ${goQuote(k)}: ${e}`);
    }
  }
  return errs;
}

/** Map entries sorted by key: Prometheus keeps labels sorted, and Mimir prints them so. */
function sortedRecord(m: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of [...m.keys()].sort()) out[k] = m.get(k)!;
  return out;
}

/**
 * Mimir's `ValidateRuleGroup` over a decoded group: the group checks stop at the first
 * failure, rule errors are all collected with the prefix `group "<g>", rule <n>, "<name>": `
 * (n 1-based, as Prometheus counts). Throws RuleFormatError with every error joined by `, `.
 */
function validateGroup(g: RawGroup, kind: RuleKind): RuleGroupConfig {
  if (g.name === '') throw new RuleFormatError('invalid_rule_group', 'invalid rules config: rule group name must not be empty');
  if (g.rules.length === 0) throw new RuleFormatError('invalid_rule_group', `invalid rules config: rule group '${g.name}' has no rules`);
  const errs: string[] = [];
  if (g.sourceTenants.length > 0) {
    errs.push(
      `invalid rules config: rule group '${g.name}' is a federated rule group (source_tenants: ${g.sourceTenants.join(', ')}), but cairn does not support rules federation; remove source_tenants to evaluate the group for its own tenant`,
    );
  }
  if (g.queryOffsetMs !== undefined && g.evaluationDelayMs !== undefined && g.queryOffsetMs !== g.evaluationDelayMs) {
    errs.push(
      `invalid rules config: rule group '${g.name}' has both query_offset and (deprecated) evaluation_delay set, but to different values; please remove the deprecated evaluation_delay and use query_offset instead`,
    );
  }
  g.rules.forEach((r, i) => {
    const name = r.alert !== '' ? r.alert : r.record;
    for (const e of ruleErrors(r, kind)) errs.push(`group ${goQuote(g.name)}, rule ${i + 1}, ${goQuote(name)}: ${e}`);
  });
  if (errs.length > 0) throw new RuleFormatError('invalid_rule_group', errs.join(', '));
  const rules = g.rules.map((r): RuleConfig => {
    if (r.record !== '') {
      const rec: RecordingRuleConfig = { type: 'recording', record: r.record, expr: r.expr, labels: sortedRecord(r.labels) };
      return rec;
    }
    const alert: AlertingRuleConfig = {
      type: 'alerting',
      alert: r.alert,
      expr: r.expr,
      forMs: r.forMs,
      keepFiringForMs: r.keepFiringForMs,
      labels: sortedRecord(r.labels),
      annotations: sortedRecord(r.annotations),
    };
    return alert;
  });
  return {
    name: g.name,
    intervalMs: g.intervalMs,
    limit: g.limit,
    queryOffsetMs: g.queryOffsetMs ?? g.evaluationDelayMs ?? 0,
    sourceTenants: g.sourceTenants,
    rules,
  };
}

/**
 * Parses and validates ONE rule group (the body of `POST …/rules/{namespace}`). Throws
 * RuleFormatError: `unable to decode rule group: <yaml.v3-style detail>` when the body is
 * not a group, otherwise the validation errors Mimir answers.
 */
export function parseRuleGroup(text: string, kind: RuleKind): RuleGroupConfig {
  const { docs, lines } = parseYamlDocs(text, false, `${BAD_RULE_GROUP}: `);
  const doc = docs[0]!;
  const d = new StrictYamlDecoder(doc, lines, RULER_YAML);
  const raw = decodeGroup(d, doc.contents, kind);
  if (raw === undefined || d.errors.length > 0) throw new RuleFormatError('undecodable_rule_group', `${BAD_RULE_GROUP}: ${d.errors.join('; ')}`);
  return validateGroup(raw, kind);
}

/** One namespace of a rules file: mimirtool's `namespace:` (undefined when absent) and its groups. */
export interface RulesFileNamespace {
  readonly namespace: string | undefined;
  readonly groups: readonly RuleGroupConfig[];
}

/**
 * Parses a rules file as promtool (`groups:`) and mimirtool (`namespace:` + `groups:`,
 * several YAML documents) read it, validating every group as the API would. Group names
 * must be unique per document, as Prometheus requires per file. `where` prefixes messages
 * (the file name). Throws RuleFormatError with every problem of the first bad document.
 */
export function parseRulesFile(text: string, kind: RuleKind, where: string): RulesFileNamespace[] {
  const { docs, lines } = parseYamlDocs(text, true, `${where}: `);
  const out: RulesFileNamespace[] = [];
  for (const doc of docs) {
    if (doc.contents === null) continue;
    const d = new StrictYamlDecoder(doc, lines, RULER_YAML);
    const f = d.struct(doc.contents, 'rules.RuleNamespace', ['namespace', 'groups'])?.fields;
    const namespace = f?.has('namespace') ? d.string(f.get('namespace')) : undefined;
    const groups: RawGroup[] = [];
    const groupsNode = d.resolve(f?.get('groups'));
    if (groupsNode !== null) {
      if (!isSeq(groupsNode)) d.typeError(groupsNode, '[]rulefmt.RuleGroup');
      else
        for (const item of groupsNode.items) {
          const g = decodeGroup(d, item, kind);
          if (g !== undefined) groups.push(g);
        }
    }
    if (d.errors.length > 0) throw new RuleFormatError('undecodable_rule_group', `${where}: yaml: unmarshal errors: ${d.errors.join('; ')}`);
    const seen = new Set<string>();
    const errs: string[] = [];
    const valid: RuleGroupConfig[] = [];
    for (const g of groups) {
      if (g.name !== '' && seen.has(g.name)) errs.push(`groupname: ${goQuote(g.name)} is repeated in the same file`);
      seen.add(g.name);
      try {
        valid.push(validateGroup(g, kind));
      } catch (e) {
        errs.push((e as Error).message);
      }
    }
    if (errs.length > 0) throw new RuleFormatError('invalid_rule_group', `${where}: ${errs.join(', ')}`);
    out.push({ namespace: namespace === '' ? undefined : namespace, groups: valid });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Printing, as Mimir's GET answers (yaml.v3 marshalling of rulefmt.RuleGroup).
// ---------------------------------------------------------------------------------------

/**
 * A group as the plain object Mimir marshals: zero fields omitted, durations in
 * Prometheus's syntax (`1m`), keys in the order name, interval, limit, query_offset,
 * rules; each rule record|alert, expr, for, keep_firing_for, labels, annotations.
 */
export function ruleGroupToYamlObject(g: RuleGroupConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { name: g.name };
  if (g.intervalMs !== 0) out.interval = formatDurationMs(g.intervalMs);
  if (g.limit !== 0) out.limit = g.limit;
  if (g.queryOffsetMs !== 0) out.query_offset = formatDurationMs(g.queryOffsetMs);
  out.rules = g.rules.map((r) => {
    const o: Record<string, unknown> = r.type === 'recording' ? { record: r.record } : { alert: r.alert };
    o.expr = r.expr;
    if (r.type === 'alerting') {
      if (r.forMs !== 0) o.for = formatDurationMs(r.forMs);
      if (r.keepFiringForMs !== 0) o.keep_firing_for = formatDurationMs(r.keepFiringForMs);
    }
    if (Object.keys(r.labels).length > 0) o.labels = { ...r.labels };
    if (r.type === 'alerting' && Object.keys(r.annotations).length > 0) o.annotations = { ...r.annotations };
    return o;
  });
  if (g.sourceTenants.length > 0) out.source_tenants = [...g.sourceTenants];
  return out;
}

/** YAML text of a value, in the style yaml.v3 prints (two-space indent, no line folding). */
export function toYaml(value: unknown): string {
  return stringify(value, { indent: 2, lineWidth: 0, minContentWidth: 0 });
}

/** One group as YAML (`GET …/rules/{namespace}/{group}`). */
export function formatRuleGroup(g: RuleGroupConfig): string {
  return toYaml(ruleGroupToYamlObject(g));
}

/**
 * Groups by namespace as YAML (`GET …/rules[/{namespace}]`): `{namespace: [groups…]}`,
 * namespaces in the order given (the store sorts them). An empty map prints `{}`.
 */
export function formatRuleNamespaces(byNamespace: ReadonlyMap<string, readonly RuleGroupConfig[]>): string {
  const out: Record<string, unknown> = {};
  for (const [ns, groups] of byNamespace) out[ns] = groups.map(ruleGroupToYamlObject);
  return toYaml(out);
}
