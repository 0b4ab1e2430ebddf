/**
 * `cairn rules load|list|get|delete|diff`: rule groups on a running server over its HTTP
 * ruler configuration API, for what users otherwise do with mimirtool or cortextool.
 * Metric rules go to `/prometheus/config/v1/rules`, log rules (`--kind logs`) to
 * `/loki/api/v1/rules`. Rule files are validated locally with the server's own rules
 * before anything is sent, so a bad file changes nothing.
 *
 * Rule files are in mimirtool's format: one or more YAML documents, each `namespace:` plus
 * `groups:`; a document without `namespace:` takes `--namespace`, else the file name
 * without its extension (as mimirtool does), so plain Prometheus rule files load as they are.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatRuleGroup, parseRuleGroup, parseRulesFile, toYaml } from '../ruler/rulefmt.js';
import type { RuleGroupConfig, RuleKind } from '../ruler/types.js';
import { CairnError } from '../util/errors.js';
import { UsageError, parse } from './args.js';
import { ApiClient, CONNECTION_FLAGS, CONNECTION_USAGE, connection, defaultIo, type CliIo } from './http-client.js';

export const RULES_USAGE = `cairn rules load   [CONN] [--kind metrics|logs] [--namespace NS] FILE...
cairn rules diff   [CONN] [--kind metrics|logs] [--namespace NS] FILE...
cairn rules list   [CONN] [--kind metrics|logs]
cairn rules get    [CONN] [--kind metrics|logs] NAMESPACE [GROUP]
cairn rules delete [CONN] [--kind metrics|logs] NAMESPACE [GROUP]
${CONNECTION_USAGE}`;

/** Where the command reads and writes; tests pass their own. */
export type RulesIo = CliIo;

const BASE: Readonly<Record<RuleKind, string>> = {
  metrics: '/prometheus/config/v1/rules',
  logs: '/loki/api/v1/rules',
};

const FLAGS = {
  ...CONNECTION_FLAGS,
  kind: { type: 'string' },
  namespace: { type: 'string' },
} as const;

/** The rules API of one family on a server. */
class RulesClient extends ApiClient {
  /** Every group of the tenant by namespace; Loki's 404 `no rule groups found` is an empty list. */
  async listAll(kind: RuleKind): Promise<Map<string, RuleGroupConfig[]>> {
    const { status, text } = await this.request('GET', '', undefined, true);
    if (status === 404) return new Map();
    return parseNamespaceMap(text, kind);
  }
}

/** Parses a server's `{namespace: [groups]}` YAML into validated groups (normalised, for comparison). */
export function parseNamespaceMap(text: string, kind: RuleKind): Map<string, RuleGroupConfig[]> {
  const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
  const out = new Map<string, RuleGroupConfig[]>();
  for (const [ns, groups] of Object.entries(doc)) {
    out.set(
      ns,
      (Array.isArray(groups) ? groups : []).map((g) => parseRuleGroup(toYaml(g), kind)),
    );
  }
  return out;
}

/** Path segment escaping as mimirtool's `url.PathEscape` (a `/` in a namespace becomes `%2F`). */
function seg(s: string): string {
  return encodeURIComponent(s);
}

/** Groups from rule files by namespace, validated; a namespace in two files is refused, as mimirtool does. */
export function loadRuleFiles(files: readonly string[], kind: RuleKind, namespaceFlag: string | undefined): Map<string, RuleGroupConfig[]> {
  const out = new Map<string, RuleGroupConfig[]>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CairnError('bad_data', 'file_unreadable', `cannot read ${file}: ${(e as Error).message}`);
    }
    for (const doc of parseRulesFile(text, kind, file)) {
      const ns = doc.namespace ?? namespaceFlag ?? basename(file, extname(file));
      if (out.has(ns)) throw new CairnError('bad_data', 'repeated_namespace', `${file}: namespace ${ns} is loaded twice (each namespace must come from one file)`);
      out.set(ns, [...doc.groups]);
    }
  }
  return out;
}

/** What loading `local` would do to `remote`, per namespace of `local`. */
export interface RulesDiff {
  readonly added: { namespace: string; group: RuleGroupConfig }[];
  readonly changed: { namespace: string; group: RuleGroupConfig; before: RuleGroupConfig }[];
  /** On the server in a namespace the files name, but not in the files: `load` keeps them. */
  readonly removed: { namespace: string; group: RuleGroupConfig }[];
  readonly unchanged: { namespace: string; group: RuleGroupConfig }[];
}

/** Compares groups by their printed form, so formatting and key order in the files do not count. */
export function diffRules(local: ReadonlyMap<string, readonly RuleGroupConfig[]>, remote: ReadonlyMap<string, readonly RuleGroupConfig[]>): RulesDiff {
  const d: RulesDiff = { added: [], changed: [], removed: [], unchanged: [] };
  for (const [namespace, groups] of local) {
    const there = new Map((remote.get(namespace) ?? []).map((g) => [g.name, g]));
    for (const group of groups) {
      const before = there.get(group.name);
      if (before === undefined) d.added.push({ namespace, group });
      else if (formatRuleGroup(before) !== formatRuleGroup(group)) d.changed.push({ namespace, group, before });
      else d.unchanged.push({ namespace, group });
      there.delete(group.name);
    }
    for (const group of there.values()) d.removed.push({ namespace, group });
  }
  return d;
}

/** A line diff (longest common subsequence), `-`/`+`/` ` prefixed, for a changed group. */
export function lineDiff(before: string, after: string): string {
  const a = before.trimEnd().split('\n');
  const b = after.trimEnd().split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push(`    ${a[i]}`);
      i++;
      j++;
    } else if (i < a.length && (j >= b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      // Removed lines first, as diff -u prints them.
      out.push(`  - ${a[i]}`);
      i++;
    } else {
      out.push(`  + ${b[j]}`);
      j++;
    }
  }
  return out.join('\n') + '\n';
}

function connectRules(values: { address?: string | undefined; tenant?: string | undefined; token?: string | undefined; kind?: string | undefined }, io: RulesIo): { client: RulesClient; kind: RuleKind } {
  const kind = values.kind ?? 'metrics';
  if (kind !== 'metrics' && kind !== 'logs') throw new UsageError(`--kind must be metrics or logs, got ${kind}`);
  const c = connection(values, io, 'setup_metrics_rules or setup_logs_rules');
  return { client: new RulesClient(io, c.address + BASE[kind], c.headers), kind };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** Runs `cairn rules …`; returns the exit code (diff: 0 no differences, 1 differences, 2 trouble). */
export async function rules(argv: string[], io: RulesIo = defaultIo()): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, FLAGS);
  switch (sub) {
    case 'list': {
      if (positionals.length > 0) throw new UsageError('rules list takes no arguments');
      const { client, kind } = connectRules(values, io);
      const all = await client.listAll(kind);
      const rows = [['NAMESPACE', 'GROUP', 'RULES']];
      for (const [ns, groups] of all) for (const g of groups) rows.push([ns, g.name, String(g.rules.length)]);
      io.stdout(all.size === 0 ? 'no rule groups\n' : table(rows));
      return 0;
    }
    case 'get': {
      if (positionals.length < 1 || positionals.length > 2) throw new UsageError('usage: cairn rules get NAMESPACE [GROUP]');
      const { client } = connectRules(values, io);
      const [ns, group] = positionals as [string, string | undefined];
      const path = group === undefined ? `/${seg(ns)}` : `/${seg(ns)}/${seg(group)}`;
      const { status, text } = await client.request('GET', path, undefined, true);
      if (status === 404 || text.trim() === '{}') {
        io.stderr(group === undefined ? `namespace ${ns} has no rule groups\n` : `group ${group} does not exist in namespace ${ns}\n`);
        return 1;
      }
      io.stdout(text);
      return 0;
    }
    case 'delete': {
      if (positionals.length < 1 || positionals.length > 2) throw new UsageError('usage: cairn rules delete NAMESPACE [GROUP]');
      const { client } = connectRules(values, io);
      const [ns, group] = positionals as [string, string | undefined];
      if (group === undefined) {
        await client.request('DELETE', `/${seg(ns)}`);
        io.stdout(`deleted namespace ${ns}\n`);
      } else {
        await client.request('DELETE', `/${seg(ns)}/${seg(group)}`);
        io.stdout(`deleted group ${ns}/${group}\n`);
      }
      return 0;
    }
    case 'load': {
      if (positionals.length === 0) throw new UsageError('usage: cairn rules load FILE...');
      const { client, kind } = connectRules(values, io);
      const local = loadRuleFiles(positionals, kind, values.namespace);
      const d = diffRules(local, await client.listAll(kind));
      for (const { namespace, group } of [...d.added, ...d.changed]) {
        await client.request('POST', `/${seg(namespace)}`, formatRuleGroup(group));
      }
      for (const { namespace, group } of d.added) io.stdout(`created   ${namespace}/${group.name}\n`);
      for (const { namespace, group } of d.changed) io.stdout(`updated   ${namespace}/${group.name}\n`);
      for (const { namespace, group } of d.unchanged) io.stdout(`unchanged ${namespace}/${group.name}\n`);
      return 0;
    }
    case 'diff': {
      if (positionals.length === 0) throw new UsageError('usage: cairn rules diff FILE...');
      const { client, kind } = connectRules(values, io);
      try {
        const local = loadRuleFiles(positionals, kind, values.namespace);
        const d = diffRules(local, await client.listAll(kind));
        for (const { namespace, group } of d.added) io.stdout(`+ ${namespace}/${group.name} (new)\n`);
        for (const { namespace, group, before } of d.changed) io.stdout(`~ ${namespace}/${group.name}\n${lineDiff(formatRuleGroup(before), formatRuleGroup(group))}`);
        for (const { namespace, group } of d.removed) {
          io.stdout(`- ${namespace}/${group.name} (only on the server; load keeps it, cairn rules delete removes it)\n`);
        }
        const changes = d.added.length + d.changed.length + d.removed.length;
        if (changes === 0) io.stdout('no differences\n');
        return changes === 0 ? 0 : 1;
      } catch (e) {
        // diff's convention: 2 is trouble, so a script can tell it from "differences".
        io.stderr(`cairn: ${(e as Error).message}\n`);
        return 2;
      }
    }
    default:
      throw new UsageError(sub === undefined ? 'missing rules command (load, diff, list, get or delete)' : `unknown rules command '${sub}'`);
  }
}
