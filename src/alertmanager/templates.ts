/**
 * Alertmanager's notification templates (`template/template.go`): Go's text/template (the
 * engine LogQL uses, with `missingkey=zero`) over Alertmanager's data (`.Receiver`,
 * `.Status`, `.Alerts` with `.Firing`/`.Resolved`, `KV` label sets with `.SortedPairs`,
 * `.Names`, `.Values`, `.Remove`, …) with Alertmanager's function table, the default
 * templates, then the tenant's `template_files` in order (a later `{{define}}` of a name
 * replaces an earlier one, so tenants can override `__subject` and friends).
 *
 * HTML fields (the email body) run the same templates with every printed value
 * HTML-escaped as html/template does in text and quoted-attribute contexts; a pipeline that
 * ends in `safeHtml` (or `safeUrl`) is printed as is. html/template's URL normalisation in
 * `href` values and its JS/CSS contexts are not modelled.
 */
import type { Labels } from '../model/labels.js';
import { GoStruct, GoTemplateSet, TemplateExecError, TemplateParseError, type GoFunc, type GoNamed, type GoValue, type PipeNode } from '../logql/template/index.js';
import { GoFuncError } from '../logql/template/errors.js';
import { convertToFloat, goFunc, humanizeDuration, matchFunc, reReplaceAllFunc, templateBuiltin } from '../logql/template/prom-helpers.js';
import { queryUnescape } from '../logql/template/go-strconv.js';
import { formatTime, loadLocation, unixTime, UTC, ZERO_TIME } from '../logql/template/go-time.js';
import { GoInt, GoTime, LabelsValue, compareGoStrings, goTypeName } from '../logql/template/values.js';
import { DEFAULT_TEMPLATES, DEFAULT_TEMPLATES_NAME } from './default-templates.js';
import type { Alert, NotificationData } from './types.js';

/** Alertmanager's compiled templates for one tenant. */
export interface AlertTemplates {
  /** Expands a template text (e.g. a config field) with Alertmanager's data for a notification. */
  expand(text: string, data: NotificationData): string;
  /** Expands an HTML field (the email body): printed values are HTML-escaped, as html/template does. */
  expandHTML(text: string, data: NotificationData): string;
  /** Executes a named defined template. */
  execute(name: string, data: NotificationData): string;
}

// ---------------------------------------------------------------------------------------
// Data (template.Data, template.Alert, KV, Pairs, Alerts)

const S = 'string' as const;
const A = 'any' as const;
const fn = goFunc;

/** A `[]string` argument, checked as Go's reflection would. */
function stringSlice(v: GoValue, what: string): string[] {
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v) || !(v as readonly GoValue[]).every((x) => typeof x === 'string')) {
    throw new GoFuncError(`wrong type for value; expected []string; got ${goTypeName(v)} (${what})`);
  }
  return v as string[];
}

/** Alertmanager's `Pairs`: sorted name/value pairs with `Names`, `Values` and `String`. */
class Pairs extends Array<GoValue> implements GoNamed {
  readonly goType = 'template.Pairs';

  /** `map`, `filter` and `slice` make plain slices (`[]string`), not Pairs. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  static of2(pairs: readonly (readonly [string, string])[]): Pairs {
    const p = new Pairs();
    for (const [name, value] of pairs) p.push(pairValue(name, value));
    return p;
  }

  private field(i: number, f: 'Name' | 'Value'): string {
    return (this[i] as GoStruct).fields.get(f) as string;
  }

  goMethod(name: string): GoFunc | undefined {
    switch (name) {
      case 'Names':
        return fn([], () => this.map((_, i) => this.field(i, 'Name')));
      case 'Values':
        return fn([], () => this.map((_, i) => this.field(i, 'Value')));
      case 'String':
        return fn([], () => this.goString());
    }
    return undefined;
  }

  goString(): string {
    return this.map((_, i) => `${this.field(i, 'Name')}=${this.field(i, 'Value')}`).join(', ');
  }
}

function pairValue(name: string, value: string): GoStruct {
  return new GoStruct('template.Pair', new Map<string, GoValue>([
    ['Name', name],
    ['Value', value],
  ]));
}

/**
 * Alertmanager's `KV` (`map[string]string` with methods). `SortedPairs` puts `alertname`
 * first and sorts the rest by name, as Alertmanager does.
 */
export class KV extends LabelsValue implements GoNamed {
  readonly goType = 'template.KV';

  constructor(readonly map: ReadonlyMap<string, string>) {
    super(map);
  }

  static fromLabels(ls: Labels): KV {
    return new KV(new Map(ls.map((l) => [l.name, l.value])));
  }

  sortedPairs(): [string, string][] {
    const rest = [...this.map].filter(([k]) => k !== 'alertname').sort((a, b) => compareGoStrings(a[0], b[0]));
    const name = this.map.get('alertname');
    return name === undefined ? rest : [['alertname', name], ...rest];
  }

  goMethod(name: string): GoFunc | undefined {
    switch (name) {
      case 'SortedPairs':
        return fn([], () => Pairs.of2(this.sortedPairs()));
      case 'Names':
        return fn([], () => this.sortedPairs().map((p) => p[0]));
      case 'Values':
        return fn([], () => this.sortedPairs().map((p) => p[1]));
      case 'Remove':
        return fn([A], (a) => {
          const drop = new Set(stringSlice(a[0]!, 'Remove'));
          return new KV(new Map([...this.map].filter(([k]) => !drop.has(k))));
        });
      case 'String':
        return fn([], () => this.goString());
    }
    return undefined;
  }

  goString(): string {
    return this.sortedPairs()
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
  }
}

/** Alertmanager's `Alerts` with `Firing` and `Resolved` (which return plain `[]Alert`). */
class AlertList extends Array<GoValue> implements GoNamed {
  readonly goType = 'template.Alerts';

  /** `Firing` and `Resolved` return plain `[]Alert`, which has no methods. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  goMethod(name: string): GoFunc | undefined {
    if (name !== 'Firing' && name !== 'Resolved') return undefined;
    const want = name === 'Firing' ? 'firing' : 'resolved';
    return fn([], () => this.filter((a) => (a as GoStruct).fields.get('Status') === want));
  }
}

/** A time in UTC from epoch milliseconds. */
function timeOfMs(ms: number): GoTime {
  const sec = Math.floor(ms / 1000);
  const t = unixTime(sec, (ms - sec * 1000) * 1e6);
  return new GoTime(t.sec, t.nsec, UTC);
}

/** Whether an alert is firing at the notification's time (resolved when its end is not after now). */
export function alertStatus(a: Alert, nowMs: number): 'firing' | 'resolved' {
  return a.endsAtMs <= nowMs ? 'resolved' : 'firing';
}

/** Go's `regexp.QuoteMeta`: Alertmanager quotes the receiver name in template data and webhook payloads. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** Labels (or annotations) shared by every alert, with equal values (Alertmanager's common set). */
export function commonPairs(sets: readonly ReadonlyMap<string, string>[]): Map<string, string> {
  const out = new Map(sets[0] ?? []);
  for (const s of sets.slice(1)) {
    if (out.size === 0) break;
    for (const [k, v] of out) if (s.get(k) !== v) out.delete(k);
  }
  return out;
}

/** The annotations of an alert as a map. */
function annotationsMap(a: Alert): Map<string, string> {
  return new Map(Object.entries(a.annotations));
}

/**
 * Alertmanager's template data for a notification (`template.Data`), plus `.GroupKey`
 * (Grafana's and the webhook payload's). Firing alerts have a zero `.EndsAt`, as
 * Alertmanager zeroes the end of an unresolved alert before notifying.
 */
export function templateData(data: NotificationData): GoStruct {
  const alerts = new AlertList();
  for (const a of data.alerts) {
    const status = alertStatus(a, data.nowMs);
    alerts.push(
      new GoStruct('template.Alert', new Map<string, GoValue>([
        ['Status', status],
        ['Labels', KV.fromLabels(a.labels)],
        ['Annotations', new KV(annotationsMap(a))],
        ['StartsAt', timeOfMs(a.startsAtMs)],
        ['EndsAt', status === 'firing' ? ZERO_TIME : timeOfMs(a.endsAtMs)],
        ['GeneratorURL', a.generatorURL],
        ['Fingerprint', a.fingerprint],
      ])),
    );
  }
  const firing = data.alerts.some((a) => alertStatus(a, data.nowMs) === 'firing');
  return new GoStruct('*template.Data', new Map<string, GoValue>([
    ['Receiver', quoteMeta(data.receiver)],
    ['Status', firing ? 'firing' : 'resolved'],
    ['Alerts', alerts],
    ['GroupLabels', KV.fromLabels(data.groupLabels)],
    ['CommonLabels', new KV(commonPairs(data.alerts.map((a) => new Map(a.labels.map((l) => [l.name, l.value])))))],
    ['CommonAnnotations', new KV(commonPairs(data.alerts.map(annotationsMap)))],
    ['ExternalURL', data.externalURL],
    ['GroupKey', data.groupKey],
  ]));
}

// ---------------------------------------------------------------------------------------
// Functions (template.DefaultFuncs)

/** Go builtins of text/template, taken from the shared engine so their semantics are Go's. */
const BUILTINS = ['and', 'or', 'not', 'len', 'index', 'slice', 'html', 'js', 'urlquery', 'print', 'printf', 'println', 'eq', 'ne', 'lt', 'le', 'gt', 'ge'];

const builtin = templateBuiltin;

/**
 * `cases.Title(language.AmericanEnglish)`: each word's first letter upper-cased and the
 * rest lower-cased (unlike strings.Title, which leaves the rest alone). Apostrophes inside
 * a word do not start a new one (`o'neil` → `O'neil`).
 */
export function casesTitle(s: string): string {
  let out = '';
  let inWord = false;
  for (const ch of s) {
    const letter = /[\p{L}\p{N}]/u.test(ch);
    const apostrophe = ch === "'" || ch === '\u2019';
    if (letter) out += inWord ? ch.toLowerCase() : ch.toUpperCase();
    else out += ch;
    inWord = letter || (apostrophe && inWord);
  }
  return out;
}

// Shared with the ruler's templates (src/logql/template/prom-helpers.ts); re-exported
// because Alertmanager's template API has always offered it.
export { humanizeDuration };

/** Names of the functions whose result html/template takes as already safe. */
const SAFE_FUNCS = new Set(['safeHtml', 'safeUrl']);

/** Alertmanager's function table; `nowMs` is the clock of `since`. */
export function alertmanagerFunctions(nowMs: () => number): ReadonlyMap<string, GoFunc> {
  const m = new Map<string, GoFunc>(BUILTINS.map((n) => [n, builtin(n)]));
  m.set('toUpper', builtin('ToUpper'));
  m.set('toLower', builtin('ToLower'));
  m.set('title', fn([S], (a) => casesTitle(a[0] as string)));
  m.set('trimSpace', builtin('TrimSpace'));
  m.set('join', fn([S, A], (a) => stringSlice(a[1]!, 'join').join(a[0] as string)));
  m.set('match', matchFunc());
  m.set('safeHtml', fn([S], (a) => a[0]!));
  m.set('safeUrl', fn([S], (a) => a[0]!));
  m.set(
    'urlUnescape',
    fn([S], (a) => {
      try {
        return queryUnescape(a[0] as string);
      } catch (e) {
        throw new GoFuncError((e as Error).message);
      }
    }),
  );
  m.set('reReplaceAll', reReplaceAllFunc());
  m.set('stringSlice', fn([], (a) => a.slice(), S));
  m.set('date', fn([S, 'time'], (a) => formatTime(a[1] as GoTime, a[0] as string)));
  m.set(
    'tz',
    fn([S, 'time'], (a) => {
      const loc = loadLocation(a[0] as string);
      if (loc === undefined) throw new GoFuncError(`unknown time zone ${a[0] as string}`);
      const t = a[1] as GoTime;
      return new GoTime(t.sec, t.nsec, loc);
    }),
  );
  m.set(
    'since',
    fn(['time'], (a) => {
      const t = a[0] as GoTime;
      const now = nowMs();
      const ns = BigInt(Math.floor(now / 1000) - t.sec) * 1_000_000_000n + BigInt(Math.round((now % 1000) * 1e6) - t.nsec);
      return new GoInt(BigInt.asIntN(64, ns), 'time.Duration');
    }),
  );
  m.set('humanizeDuration', fn([A], (a) => humanizeDuration(convertToFloat(a[0]!))));
  return m;
}

// ---------------------------------------------------------------------------------------
// HTML escaping (html/template's htmlEscaper)

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '\0': '\uFFFD',
  '"': '&#34;',
  '&': '&amp;',
  "'": '&#39;',
  '+': '&#43;',
  '<': '&lt;',
  '>': '&gt;',
};

/** html/template's escaping of a value printed in text or a quoted attribute. */
export function htmlEscape(s: string): string {
  return s.replace(/[\0"&'+<>]/g, (c) => HTML_ESCAPES[c]!);
}

/** Escapes unless the pipeline's last command is a function html/template trusts. */
function escapeAction(text: string, pipe: PipeNode): string {
  const last = pipe.cmds[pipe.cmds.length - 1]?.args[0];
  if (last?.kind === 'identifier' && SAFE_FUNCS.has(last.ident)) return text;
  return htmlEscape(text);
}

// ---------------------------------------------------------------------------------------
// Compilation

/** Field texts compiled per tenant; configurations have a handful of distinct ones. */
const EXPANSION_CACHE_MAX = 256;

/**
 * Compiles Alertmanager's default templates plus the tenant's files (name → text, in
 * order); throws Error with Go's parse text (`template: my.tmpl:3: unexpected EOF`).
 * `nowMs` is the clock of `since` (tests inject it).
 */
export function compileTemplateFiles(files: readonly { name: string; text: string }[], nowMs: () => number = Date.now): AlertTemplates {
  const set = new GoTemplateSet({ functions: alertmanagerFunctions(nowMs), nowMs });
  set.parse(DEFAULT_TEMPLATES_NAME, DEFAULT_TEMPLATES);
  for (const f of files) {
    try {
      set.parse(f.name, f.text);
    } catch (e) {
      if (e instanceof TemplateParseError) throw new Error(e.message);
      throw e;
    }
  }
  // Each field text runs as Alertmanager's ExecuteTextString: a template named "" parsed
  // over a clone of the set, so its own {{define}}s stay local to it.
  const overlays = new Map<string, GoTemplateSet>();
  const overlay = (text: string): GoTemplateSet => {
    let o = overlays.get(text);
    if (o === undefined) {
      o = set.overlay();
      try {
        o.parse('', text);
      } catch (e) {
        if (e instanceof TemplateParseError) throw new Error(e.message);
        throw e;
      }
      if (overlays.size >= EXPANSION_CACHE_MAX) overlays.clear();
      overlays.set(text, o);
    }
    return o;
  };
  const run = (fn: () => string): string => {
    try {
      return fn();
    } catch (e) {
      if (e instanceof TemplateExecError) throw new Error(e.message);
      throw e;
    }
  };
  return {
    expand(text, data) {
      if (text === '') return '';
      const o = overlay(text);
      return run(() => o.execute('', templateData(data)));
    },
    expandHTML(text, data) {
      if (text === '') return '';
      const o = overlay(text);
      return run(() => o.execute('', templateData(data), { escape: escapeAction }));
    },
    execute(name, data) {
      return run(() => set.execute(name, templateData(data)));
    },
  };
}
