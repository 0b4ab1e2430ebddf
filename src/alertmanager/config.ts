/**
 * A tenant's Alertmanager configuration: `parseAlertmanagerConfig` reads the
 * `alertmanager_config` YAML as Alertmanager's `config.Load` does (strict decoding,
 * defaults, inheritance, its validation texts) and then applies Mimir's checks for a
 * multi-tenant server in Mimir's order (`validateUserConfig`): no file references or
 * proxies, bare template file names, the template limits, and every template named by
 * `templates:` parsed with Go's template syntax.
 *
 * Every failure is a `ConfigValidationError` whose message is the text Mimir puts after
 * `error validating Alertmanager config: `.
 */
import type { Node } from 'yaml';
import { decodeGlobal, decodeReceivers, resolveReceivers, type DecodedReceiver, type GlobalSettings, type Refusals } from './config-receivers.js';
import { buildRoute, checkReceivers, checkTimeIntervals, decodeInhibitRules, decodeRoute, type RawRoute } from './config-route.js';
import { decodeTimeIntervals } from './config-time-intervals.js';
import { ConfigDecodeError, parseYaml } from './config-yaml.js';
import { compileTemplateFiles } from './templates.js';
import type { AlertmanagerConfig, InhibitRule, TimeInterval } from './types.js';

/** An invalid configuration; the message is Alertmanager's or Mimir's text. */
export class ConfigValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigValidationError';
  }
}

/** Mimir's per-tenant template limits (0 = unlimited). */
export interface TemplateLimits {
  readonly alertmanagerMaxTemplatesCount: number;
  readonly alertmanagerMaxTemplateSizeBytes: number;
}

const TOP_KEYS = ['global', 'route', 'inhibit_rules', 'receivers', 'templates', 'mute_time_intervals', 'time_intervals'] as const;

/**
 * Mimir's `validateTemplateFilename`: a bare file name. `.` and `..` are refused too:
 * Mimir lets them through to its on-disk check; here they name nothing.
 */
export function templateNameError(name: string): string | undefined {
  const base = name === '' ? '.' : (name.replace(/\/+$/, '').split('/').pop() ?? '');
  if (base !== name || name === '.' || name === '..') return `invalid template name ${JSON.stringify(name)}: the template name cannot contain any path`;
  return undefined;
}

/** Go's `filepath.Match` pattern as a RegExp over bare names; throws Go's `syntax error in pattern`. */
export function globRegExp(pattern: string): RegExp {
  const bad = () => new ConfigValidationError('syntax error in pattern');
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\') {
      if (i + 1 >= pattern.length) throw bad();
      re += escapeRe(pattern[++i]!);
    } else if (c === '[') {
      let j = i + 1;
      let cls = '';
      if (pattern[j] === '^') {
        cls += '^';
        j++;
      }
      let first = true;
      for (;;) {
        if (j >= pattern.length) throw bad();
        const ch = pattern[j]!;
        if (ch === ']' && !first) break;
        first = false;
        let lo = ch;
        if (lo === '\\') {
          if (j + 1 >= pattern.length) throw bad();
          lo = pattern[++j]!;
        } else if (lo === '-' || lo === ']') throw bad();
        j++;
        cls += escapeRe(lo);
        if (pattern[j] === '-') {
          let hi = pattern[j + 1];
          if (hi === undefined || hi === ']') throw bad();
          j += 2;
          if (hi === '\\') {
            hi = pattern[j];
            if (hi === undefined) throw bad();
            j++;
          }
          cls += `-${escapeRe(hi)}`;
        }
      }
      re += `[${cls}]`;
      i = j;
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 'su');
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** The parts of a decoded document, before the whole-config checks. */
interface Decoded {
  global: GlobalSettings;
  route: RawRoute | undefined;
  inhibitRules: InhibitRule[];
  receivers: DecodedReceiver[];
  templates: string[];
  muteTimeIntervals: TimeInterval[];
  timeIntervals: TimeInterval[];
  refusals: Refusals;
  /** An empty document: yaml.v2 never calls Config.UnmarshalYAML for it. */
  empty: boolean;
}

/** `yaml.UnmarshalStrict` into `config.Config` (global decoded first, the rest in document order). */
function decode(text: string): Decoded {
  const d = parseYaml(text);
  const root = d.root();
  const f = d.struct(root, 'config.plain', TOP_KEYS);
  const fields = f?.fields ?? new Map<string, Node | null>();
  const refusals: Refusals = [];
  const out: Decoded = {
    global: decodeGlobal(d, fields.get('global'), refusals),
    route: undefined,
    inhibitRules: [],
    receivers: [],
    templates: [],
    muteTimeIntervals: [],
    timeIntervals: [],
    refusals,
    empty: root === null,
  };
  for (const [key, value] of fields) {
    switch (key) {
      case 'route':
        if (value !== null) out.route = decodeRoute(d, value);
        break;
      case 'inhibit_rules':
        out.inhibitRules = decodeInhibitRules(d, value);
        break;
      case 'receivers':
        out.receivers = decodeReceivers(d, value, out.global);
        break;
      case 'templates':
        out.templates = d.stringList(value) ?? [];
        break;
      case 'mute_time_intervals':
        out.muteTimeIntervals = decodeTimeIntervals(d, value, 'mute time interval');
        break;
      case 'time_intervals':
        out.timeIntervals = decodeTimeIntervals(d, value, 'time interval');
        break;
    }
  }
  d.finish();
  return out;
}

/** Parsing options: Mimir's template limits, checked where Mimir checks them. */
export interface ParseOptions {
  readonly limits?: TemplateLimits;
}

/**
 * Parses and validates a tenant's configuration as Mimir accepts it on
 * `POST /api/v1/alerts`: Alertmanager's `config.Load`, then Mimir's refusals, template
 * names, template limits and a parse of every template file that `templates:` selects
 * (names and Go `filepath.Match` globs over the `templateFiles` keys). Template files no
 * pattern selects are stored but not parsed or used, as in Mimir.
 *
 * Throws a ConfigValidationError with the upstream text.
 */
export function parseAlertmanagerConfig(yaml: string, templateFiles: Readonly<Record<string, string>>, options: ParseOptions = {}): AlertmanagerConfig {
  try {
    return parseOrThrow(yaml, templateFiles, options);
  } catch (e) {
    if (e instanceof ConfigDecodeError) throw new ConfigValidationError(e.message);
    throw e;
  }
}

function parseOrThrow(yaml: string, templateFiles: Readonly<Record<string, string>>, options: ParseOptions): AlertmanagerConfig {
  const doc = decode(yaml);
  const refusals = doc.refusals;

  // Config.UnmarshalYAML's checks, in its order (only reached for a non-empty document).
  if (doc.empty) throw new ConfigDecodeError('no route provided in config');
  const receivers = resolveReceivers(doc.receivers, doc.global, refusals);
  if (doc.route === undefined) throw new ConfigDecodeError('no routes provided');
  const root = doc.route;
  if (root.receiver === '') throw new ConfigDecodeError('root route must specify a default receiver');
  if (root.hasMatchers) throw new ConfigDecodeError('root route must not have any matchers');
  if (root.muteTimeIntervals.length > 0) throw new ConfigDecodeError('root route must not have any mute time intervals');
  if (root.activeTimeIntervals.length > 0) throw new ConfigDecodeError('root route must not have any active time intervals');
  checkReceivers(root, new Set(receivers.map((r) => r.name)));
  const intervals = new Map<string, TimeInterval>();
  for (const ti of doc.muteTimeIntervals) {
    if (intervals.has(ti.name)) throw new ConfigDecodeError(`mute time interval ${JSON.stringify(ti.name)} is not unique`);
    intervals.set(ti.name, ti);
  }
  for (const ti of doc.timeIntervals) {
    if (intervals.has(ti.name)) throw new ConfigDecodeError(`time interval ${JSON.stringify(ti.name)} is not unique`);
    intervals.set(ti.name, ti);
  }
  checkTimeIntervals(root, new Set(intervals.keys()));
  // config.Load's last check.
  if (root.continue) throw new ConfigDecodeError('cannot have continue in root route');

  // Mimir's validateUserConfig, in its order.
  if (refusals.length > 0) throw new ConfigDecodeError(refusals[0]!);
  for (const name of doc.templates) {
    const err = templateNameError(name);
    if (err !== undefined) throw new ConfigDecodeError(err);
  }
  const files = Object.entries(templateFiles);
  const limits = options.limits;
  if (limits !== undefined && limits.alertmanagerMaxTemplatesCount > 0 && files.length > limits.alertmanagerMaxTemplatesCount) {
    throw new ConfigDecodeError(`too many templates in the configuration: ${files.length} (limit: ${limits.alertmanagerMaxTemplatesCount})`);
  }
  if (limits !== undefined && limits.alertmanagerMaxTemplateSizeBytes > 0) {
    for (const [name, text] of files) {
      const size = Buffer.byteLength(text, 'utf8');
      if (size > limits.alertmanagerMaxTemplateSizeBytes) {
        throw new ConfigDecodeError(`template ${name} is too big: ${size} bytes (limit: ${limits.alertmanagerMaxTemplateSizeBytes} bytes)`);
      }
    }
  }
  for (const [name] of files) {
    const err = templateNameError(name);
    if (err !== undefined) throw new ConfigDecodeError(err);
  }
  // template.FromGlobs: each pattern's matches in name order; a name matched twice is read once.
  const names = files.map(([n]) => n).sort();
  const selected: { name: string; text: string }[] = [];
  const taken = new Set<string>();
  for (const pattern of doc.templates) {
    const re = globRegExp(pattern);
    for (const n of names) {
      if (!re.test(n) || taken.has(n)) continue;
      taken.add(n);
      selected.push({ name: n, text: templateFiles[n]! });
    }
  }
  try {
    compileTemplateFiles(selected);
  } catch (e) {
    throw new ConfigDecodeError((e as Error).message);
  }

  return {
    resolveTimeoutMs: doc.global.resolveTimeoutMs,
    route: buildRoute(root),
    inhibitRules: doc.inhibitRules,
    receivers: new Map(receivers.map((r) => [r.name, r])),
    timeIntervals: intervals,
    templateFiles: selected,
    original: yaml,
  };
}

/**
 * Cairn's built-in fallback configuration, Mimir's `ComputeFallbackConfig` default: one
 * receiver `empty-receiver` without integrations and a root route to it. Alerts are
 * accepted, grouped and listed, and notify nobody until the tenant configures receivers.
 */
export const BUILTIN_FALLBACK_CONFIG = `global:
  resolve_timeout: 5m
route:
  receiver: empty-receiver
receivers:
  - name: empty-receiver
`;
