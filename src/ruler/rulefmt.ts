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
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, parseDocument, stringify, type Document, type Node, type ParsedNode } from 'yaml';
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

/** Collects decode errors as yaml.v3 does (`line N: …`), so all are reported at once. */
class Decoder {
  readonly errors: string[] = [];
  constructor(
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  line(node: Node | null | undefined): number {
    const off = (node as ParsedNode | null | undefined)?.range?.[0] ?? 0;
    return this.lines.linePos(off).line;
  }

  /** Follows `*alias` to its anchor, as yaml.v3 does. */
  resolve(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return node as Node;
  }

  /** yaml.v3's tag of a node, for `cannot unmarshal !!seq into string`. */
  private tag(node: Node): string {
    if (isMap(node)) return '!!map';
    if (isSeq(node)) return '!!seq';
    if (isScalar(node)) {
      const v = node.value;
      if (v === null) return '!!null';
      if (typeof v === 'boolean') return '!!bool';
      if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(Number(v)) && !/[.eE]|inf|nan/i.test(node.source ?? '') ? '!!int' : '!!float';
      return '!!str';
    }
    return '!!str';
  }

  typeError(node: Node, into: string): void {
    const shown = isScalar(node) ? ` \`${scalarText(node)}\`` : '';
    this.errors.push(`line ${this.line(node)}: cannot unmarshal ${this.tag(node)}${shown} into ${into}`);
  }

  /** Any scalar decodes into a Go string (numbers and booleans as written); null is "". */
  string(raw: unknown): string | undefined {
    const node = this.resolve(raw);
    if (node === null) return '';
    if (!isScalar(node)) {
      this.typeError(node, 'string');
      return undefined;
    }
    return scalarText(node);
  }

  int(raw: unknown): number | undefined {
    const node = this.resolve(raw);
    if (node === null) return 0;
    if (isScalar(node) && node.value === null) return 0;
    if (isScalar(node) && this.tag(node) === '!!int') return Number(node.value);
    this.typeError(node, 'int');
    return undefined;
  }

  /** `model.Duration`: decoded as a string, then Prometheus's ParseDuration (its error is returned bare). */
  duration(raw: unknown): number | undefined {
    const node = this.resolve(raw);
    if (node === null || (isScalar(node) && node.value === null)) return 0;
    const s = this.string(node);
    if (s === undefined) return undefined;
    try {
      return parseDurationMs(s);
    } catch (e) {
      // yaml.v3 passes an Unmarshaler's error through without a line.
      this.errors.push((e as Error).message);
      return undefined;
    }
  }

  stringMap(raw: unknown): Map<string, string> | undefined {
    const node = this.resolve(raw);
    if (node === null || (isScalar(node) && node.value === null)) return new Map();
    if (!isMap(node)) {
      this.typeError(node, 'map[string]string');
      return undefined;
    }
    const out = new Map<string, string>();
    for (const pair of node.items) {
      const k = this.string(pair.key);
      const v = this.string(pair.value);
      if (k !== undefined && v !== undefined) out.set(k, v);
    }
    return out;
  }

  stringList(raw: unknown): string[] | undefined {
    const node = this.resolve(raw);
    if (node === null || (isScalar(node) && node.value === null)) return [];
    if (!isSeq(node)) {
      this.typeError(node, '[]string');
      return undefined;
    }
    const out: string[] = [];
    for (const item of node.items) {
      const s = this.string(item);
      if (s !== undefined) out.push(s);
    }
    return out;
  }

  /**
   * The fields of a mapping decoded into a Go struct: unknown keys are refused with
   * yaml.v3's `field x not found in type T`; a non-mapping is a type error.
   */
  struct(raw: unknown, type: string, known: readonly string[]): Map<string, unknown> | undefined {
    const node = this.resolve(raw);
    if (node === null || (isScalar(node) && node.value === null)) return new Map();
    if (!isMap(node)) {
      this.typeError(node, type);
      return undefined;
    }
    const out = new Map<string, unknown>();
    for (const pair of node.items) {
      const key = this.string(pair.key);
      if (key === undefined) continue;
      if (!known.includes(key)) {
        this.errors.push(`line ${this.line(pair.key as Node)}: field ${key} not found in type ${type}`);
        continue;
      }
      out.set(key, pair.value);
    }
    return out;
  }
}

/** A scalar's text as Go would decode it into a string: quoted values as parsed, plain ones as written. */
function scalarText(node: { value: unknown; source?: string }): string {
  if (typeof node.value === 'string') return node.value;
  if (node.value === null) return '';
  return node.source ?? String(node.value);
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

function decodeRule(d: Decoder, raw: unknown): RawRule | undefined {
  const f = d.struct(raw, 'rulefmt.Rule', RULE_KEYS);
  if (f === undefined) return undefined;
  const r: RawRule = {
    record: d.string(f.get('record')) ?? '',
    alert: d.string(f.get('alert')) ?? '',
    expr: d.string(f.get('expr')) ?? '',
    forMs: d.duration(f.get('for')) ?? 0,
    keepFiringForMs: d.duration(f.get('keep_firing_for')) ?? 0,
    labels: d.stringMap(f.get('labels')) ?? new Map(),
    annotations: d.stringMap(f.get('annotations')) ?? new Map(),
  };
  return r;
}

function decodeGroup(d: Decoder, raw: unknown, kind: RuleKind): RawGroup | undefined {
  const f = d.struct(raw, 'rulefmt.RuleGroup', GROUP_KEYS[kind]);
  if (f === undefined) return undefined;
  const rules: RawRule[] = [];
  const rulesNode = d.resolve(f.get('rules'));
  if (rulesNode !== null && !(isScalar(rulesNode) && rulesNode.value === null)) {
    if (!isSeq(rulesNode)) d.typeError(rulesNode, '[]rulefmt.Rule');
    else
      for (const item of rulesNode.items) {
        const r = decodeRule(d, item);
        if (r !== undefined) rules.push(r);
      }
  }
  return {
    name: d.string(f.get('name')) ?? '',
    intervalMs: d.duration(f.get('interval')) ?? 0,
    queryOffsetMs: f.has('query_offset') ? (d.duration(f.get('query_offset')) ?? 0) : undefined,
    evaluationDelayMs: f.has('evaluation_delay') ? (d.duration(f.get('evaluation_delay')) ?? 0) : undefined,
    limit: d.int(f.get('limit')) ?? 0,
    rules,
    sourceTenants: d.stringList(f.get('source_tenants')) ?? [],
  };
}

/** Parses one YAML document with line positions; a syntax error is yaml.v3-style `yaml: line N: …`. */
function parseYamlDocs(text: string, many: boolean, prefix: string): { docs: Document.Parsed[]; lines: LineCounter } {
  const lines = new LineCounter();
  const options = { lineCounter: lines, prettyErrors: false, uniqueKeys: true, strict: false } as const;
  const docs = many ? parseAllDocuments(text, options) : [parseDocument(text, options)];
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) throw new RuleFormatError('undecodable_rule_group', `${prefix}yaml: the document is empty or not YAML`);
  for (const doc of list) {
    const err = doc.errors[0];
    if (err !== undefined) {
      const line = lines.linePos(err.pos[0]).line;
      throw new RuleFormatError('undecodable_rule_group', `${prefix}yaml: line ${line}: ${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
  }
  return { docs: list, lines };
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
  const d = new Decoder(doc, lines);
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
    const d = new Decoder(doc, lines);
    const f = d.struct(doc.contents, 'rules.RuleNamespace', ['namespace', 'groups']);
    const namespace = f?.has('namespace') ? d.string(f.get('namespace')) : undefined;
    const groups: RawGroup[] = [];
    const groupsNode = d.resolve(f?.get('groups'));
    if (groupsNode !== null && !(isScalar(groupsNode) && groupsNode.value === null)) {
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
