// Proves rule-group YAML is decoded, validated and printed as Prometheus's rulefmt and Mimir's ruler API do: same accepted groups, same error texts, same printed form.
import { describe, expect, it } from 'vitest';
import { formatRuleGroup, formatRuleNamespaces, parseRuleGroup, parseRulesFile } from '../../src/ruler/rulefmt.js';
import type { RuleGroupConfig, RuleKind } from '../../src/ruler/types.js';

const ALERT_DEFAULTS = { type: 'alerting', forMs: 0, keepFiringForMs: 0, labels: {}, annotations: {} } as const;
const GROUP_DEFAULTS = { intervalMs: 0, limit: 0, queryOffsetMs: 0, sourceTenants: [] } as const;

describe('parseRuleGroup accepts', () => {
  const cases: { name: string; kind?: RuleKind; yaml: string; expected: RuleGroupConfig }[] = [
    {
      name: 'a recording rule with labels (sorted by name)',
      yaml: 'name: g\nrules:\n  - record: job:up:sum\n    expr: sum by (job) (up)\n    labels: {z: "1", a: "2"}\n',
      expected: { ...GROUP_DEFAULTS, name: 'g', rules: [{ type: 'recording', record: 'job:up:sum', expr: 'sum by (job) (up)', labels: { a: '2', z: '1' } }] },
    },
    {
      name: 'an alerting rule with every field',
      yaml: 'name: g\ninterval: 30s\nlimit: 10\nquery_offset: 2m\nrules:\n  - alert: Down\n    expr: up == 0\n    for: 5m\n    keep_firing_for: 1h30m\n    labels: {severity: page}\n    annotations: {summary: "{{ $labels.instance }} is down ({{ $value | humanize }})"}\n',
      expected: {
        name: 'g',
        intervalMs: 30_000,
        limit: 10,
        queryOffsetMs: 120_000,
        sourceTenants: [],
        rules: [
          {
            ...ALERT_DEFAULTS,
            alert: 'Down',
            expr: 'up == 0',
            forMs: 300_000,
            keepFiringForMs: 5_400_000,
            labels: { severity: 'page' },
            annotations: { summary: '{{ $labels.instance }} is down ({{ $value | humanize }})' },
          },
        ],
      },
    },
    {
      name: "Mimir's older evaluation_delay as the query offset",
      yaml: 'name: g\nevaluation_delay: 1m\nrules: [{record: "a:b", expr: up}]',
      expected: { ...GROUP_DEFAULTS, name: 'g', queryOffsetMs: 60_000, rules: [{ type: 'recording', record: 'a:b', expr: 'up', labels: {} }] },
    },
    {
      name: 'scalars of any type as strings, as Go decodes them',
      yaml: 'name: 2024\nrules:\n  - alert: 42\n    expr: 1\n    labels: {n: 1.50, b: true}\n',
      expected: { ...GROUP_DEFAULTS, name: '2024', rules: [{ ...ALERT_DEFAULTS, alert: '42', expr: '1', labels: { b: 'true', n: '1.50' } }] },
    },
    {
      name: 'null maps and durations as absent',
      yaml: 'name: g\ninterval:\nrules:\n  - alert: A\n    expr: up\n    for: ~\n    labels:\n    annotations: {}\n',
      expected: { ...GROUP_DEFAULTS, name: 'g', rules: [{ ...ALERT_DEFAULTS, alert: 'A', expr: 'up' }] },
    },
    {
      name: 'a LogQL metric query in a logs group',
      kind: 'logs',
      yaml: 'name: g\nrules:\n  - alert: Errors\n    expr: sum by (app) (count_over_time({app="api"} |= "error" [5m])) > 10\n',
      expected: { ...GROUP_DEFAULTS, name: 'g', rules: [{ ...ALERT_DEFAULTS, alert: 'Errors', expr: 'sum by (app) (count_over_time({app="api"} |= "error" [5m])) > 10' }] },
    },
  ];
  it.each(cases)('$name', ({ yaml, kind, expected }) => {
    expect(parseRuleGroup(yaml, kind ?? 'metrics')).toEqual(expected);
  });
});

describe('parseRuleGroup refuses', () => {
  const g = (rules: string, head = 'name: g\n') => `${head}rules:\n${rules}`;
  const cases: { name: string; kind?: RuleKind; yaml: string; error: string }[] = [
    { name: 'a sequence body', yaml: '- a\n- b\n', error: 'unable to decode rule group: line 1: cannot unmarshal !!seq into rulefmt.RuleGroup' },
    { name: 'broken YAML', yaml: 'name: "g\n', error: 'unable to decode rule group: yaml: line 2: Missing closing "quote' },
    { name: 'an unknown group key', yaml: 'name: g\ninterval_x: 1m\nrules: [{record: a, expr: up}]', error: 'unable to decode rule group: line 2: field interval_x not found in type rulefmt.RuleGroup' },
    { name: 'an unknown rule key', yaml: g('  - record: a\n    expr: up\n    help: x\n'), error: 'unable to decode rule group: line 5: field help not found in type rulefmt.Rule' },
    { name: 'evaluation_delay on a logs group (Loki never had it)', kind: 'logs', yaml: 'name: g\nevaluation_delay: 1m\nrules: []', error: 'unable to decode rule group: line 2: field evaluation_delay not found in type rulefmt.RuleGroup' },
    { name: 'a bad duration', yaml: 'name: g\ninterval: 90\nrules: []', error: 'unable to decode rule group: not a valid duration string: "90"' },
    { name: 'a non-integer limit', yaml: 'name: g\nlimit: "5"\nrules: []', error: 'unable to decode rule group: line 2: cannot unmarshal !!str `5` into int' },
    { name: 'labels as a list', yaml: g('  - alert: A\n    expr: up\n    labels: [a]\n'), error: 'unable to decode rule group: line 5: cannot unmarshal !!seq into map[string]string' },
    { name: 'an empty body', yaml: '', error: 'invalid rules config: rule group name must not be empty' },
    { name: 'no rules', yaml: 'name: g\nrules: []', error: "invalid rules config: rule group 'g' has no rules" },
    {
      name: 'source_tenants (no federation)',
      yaml: 'name: g\nsource_tenants: [a, b]\nrules: [{record: x, expr: up}]',
      error: "invalid rules config: rule group 'g' is a federated rule group (source_tenants: a, b), but cairn does not support rules federation; remove source_tenants to evaluate the group for its own tenant",
    },
    {
      name: 'query_offset and evaluation_delay that disagree',
      yaml: 'name: g\nquery_offset: 1m\nevaluation_delay: 2m\nrules: [{record: x, expr: up}]',
      error: "invalid rules config: rule group 'g' has both query_offset and (deprecated) evaluation_delay set, but to different values; please remove the deprecated evaluation_delay and use query_offset instead",
    },
    { name: 'record and alert', yaml: g('  - record: a\n    alert: b\n    expr: up\n'), error: `group "g", rule 1, "b": only one of 'record' and 'alert' must be set` },
    { name: 'neither record nor alert', yaml: g('  - expr: up\n'), error: `group "g", rule 1, "": one of 'record' or 'alert' must be set` },
    { name: 'no expr', yaml: g('  - record: a\n'), error: `group "g", rule 1, "a": field 'expr' must be set in rule` },
    { name: 'bad PromQL', yaml: g('  - record: a\n    expr: sum(\n'), error: `group "g", rule 1, "a": could not parse expression: 1:5: parse error: unclosed left parenthesis` },
    {
      name: 'bad LogQL',
      kind: 'logs',
      yaml: g('  - record: a\n    expr: count_over_time({app="x"})\n'),
      error: `group "g", rule 1, "a": could not parse expression: parse error at line 1, col 26: syntax error: unexpected ), expecting RANGE`,
    },
    {
      name: 'a LogQL log query',
      kind: 'logs',
      yaml: g('  - alert: A\n    expr: \'{app="x"} |= "error"\'\n'),
      error: `group "g", rule 1, "A": could not parse expression: only sample expression supported (a LogQL rule needs a metric query such as count_over_time({app="x"}[5m]), not a log query)`,
    },
    { name: 'PromQL in a logs group', kind: 'logs', yaml: g('  - record: a\n    expr: rate(up[5m])\n'), error: `group "g", rule 1, "a": could not parse expression: parse error at line 1, col 6: syntax error: unexpected IDENTIFIER` },
    { name: 'annotations on a recording rule', yaml: g('  - record: a\n    expr: up\n    annotations: {x: y}\n'), error: `group "g", rule 1, "a": invalid field 'annotations' in recording rule` },
    { name: 'for on a recording rule', yaml: g('  - record: a\n    expr: up\n    for: 1m\n'), error: `group "g", rule 1, "a": invalid field 'for' in recording rule` },
    { name: 'keep_firing_for on a recording rule', yaml: g('  - record: a\n    expr: up\n    keep_firing_for: 1m\n'), error: `group "g", rule 1, "a": invalid field 'keep_firing_for' in recording rule` },
    { name: 'a recording name that is no metric name', yaml: g('  - record: a-b\n    expr: up\n'), error: `group "g", rule 1, "a-b": invalid recording rule name: a-b` },
    { name: 'a bad label name', yaml: g('  - alert: A\n    expr: up\n    labels: {"a.b": x}\n'), error: `group "g", rule 1, "A": invalid label name: a.b` },
    { name: 'a __name__ label', yaml: g('  - record: a\n    expr: up\n    labels: {__name__: x}\n'), error: `group "g", rule 1, "a": invalid label name: __name__` },
    { name: 'a bad annotation name', yaml: g('  - alert: A\n    expr: up\n    annotations: {"0a": x}\n'), error: `group "g", rule 1, "A": invalid annotation name: 0a` },
    {
      name: 'a template that does not parse',
      yaml: g('  - alert: A\n    expr: up\n    annotations: {s: "{{ .Labels.x "}\n'),
      error: `group "g", rule 1, "A": annotation "s": template: __alert_A:1: unclosed action`,
    },
    {
      name: 'a template with an unknown function',
      yaml: g('  - alert: A\n    expr: up\n    labels: {s: "{{ lower $value }}"}\n'),
      error: `group "g", rule 1, "A": label "s": template: __alert_A:1: function "lower" not defined`,
    },
    {
      name: 'several problems, joined with ", ", rules counted from 1',
      yaml: g('  - record: ok\n    expr: up\n  - record: bad name\n    expr: up\n    for: 1m\n'),
      error: `group "g", rule 2, "bad name": invalid field 'for' in recording rule, group "g", rule 2, "bad name": invalid recording rule name: bad name`,
    },
  ];
  it.each(cases)('$name', ({ yaml, kind, error }) => {
    expect(() => parseRuleGroup(yaml, kind ?? 'metrics')).toThrow(expect.objectContaining({ kind: 'bad_data', message: error }));
  });
});

describe('printing', () => {
  it('prints as Mimir does: zero fields omitted, durations in Prometheus syntax, fixed key order', () => {
    const g = parseRuleGroup(
      'rules:\n  - annotations: {b: "2", a: "1"}\n    labels: {s: x}\n    keep_firing_for: 90s\n    for: 120m\n    expr: up == 0\n    alert: A\n  - labels: {t: "1"}\n    expr: sum(up)\n    record: r\nquery_offset: 0s\nlimit: 3\ninterval: 60s\nname: g\n',
      'metrics',
    );
    expect(formatRuleGroup(g)).toBe(
      [
        'name: g',
        'interval: 1m',
        'limit: 3',
        'rules:',
        '  - alert: A',
        '    expr: up == 0',
        '    for: 2h',
        '    keep_firing_for: 1m30s',
        '    labels:',
        '      s: x',
        '    annotations:',
        '      a: "1"',
        '      b: "2"',
        '  - record: r',
        '    expr: sum(up)',
        '    labels:',
        '      t: "1"',
        '',
      ].join('\n'),
    );
  });

  it.each([
    'name: g\nrules:\n  - record: a\n    expr: up\n',
    'name: g\nquery_offset: 5m\nrules:\n  - alert: A\n    expr: |\n      sum by (job) (\n        rate(x[5m])\n      ) > 1\n    annotations:\n      d: "{{ $value }}: \'quoted\' #hash"\n',
    'name: "with: colon"\nrules:\n  - alert: "yes"\n    expr: "1"\n    labels:\n      n: "007"\n',
  ])('round-trips %#: parse(print(g)) equals g', (yaml) => {
    const g = parseRuleGroup(yaml, 'metrics');
    expect(parseRuleGroup(formatRuleGroup(g), 'metrics')).toEqual(g);
  });

  it('prints namespaces as a map, and nothing as {}', () => {
    const g = parseRuleGroup('name: g\nrules: [{record: a, expr: up}]', 'metrics');
    expect(formatRuleNamespaces(new Map([['a/b', [g]]]))).toBe('a/b:\n  - name: g\n    rules:\n      - record: a\n        expr: up\n');
    expect(formatRuleNamespaces(new Map())).toBe('{}\n');
  });
});

describe('parseRulesFile', () => {
  it('reads mimirtool documents (namespace + groups) and promtool files (groups only)', () => {
    const text = 'namespace: ns1\ngroups:\n  - name: a\n    rules: [{record: x, expr: up}]\n---\ngroups:\n  - name: b\n    rules: [{record: y, expr: up}]\n';
    const docs = parseRulesFile(text, 'metrics', 'f.yaml');
    expect(docs.map((d) => [d.namespace, d.groups.map((g) => g.name)])).toEqual([
      ['ns1', ['a']],
      [undefined, ['b']],
    ]);
  });

  it.each([
    { name: 'repeated group names', text: 'groups:\n  - name: a\n    rules: [{record: x, expr: up}]\n  - name: a\n    rules: [{record: y, expr: up}]\n', error: 'f.yaml: groupname: "a" is repeated in the same file' },
    { name: 'unknown top-level keys', text: 'group:\n  - name: a\n', error: 'f.yaml: yaml: unmarshal errors: line 1: field group not found in type rules.RuleNamespace' },
    { name: 'a bad rule', text: 'groups:\n  - name: a\n    rules: [{record: x}]\n', error: `f.yaml: group "a", rule 1, "x": field 'expr' must be set in rule` },
  ])('refuses $name', ({ text, error }) => {
    expect(() => parseRulesFile(text, 'metrics', 'f.yaml')).toThrow(error);
  });
});
