// Proves Cairn's rule validation agrees with Prometheus's own: every fixture rules file is accepted by both `promtool check rules` and Cairn, or refused by both, with the same reason where upstream's text is the contract.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRulesFile } from '../../src/ruler/rulefmt.js';

const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
const promtool = which('promtool');
if (promtool === '') console.log('skipping test/e2e/promtool-rules.test.ts: promtool not installed (Debian package prometheus; .ci/run installs it)');

const DATA = join(import.meta.dirname, '..', 'testdata', 'ruler');
const files = (sub: string) =>
  readdirSync(join(DATA, sub))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(DATA, sub, f));

/**
 * Invalid fixtures and a fragment of the reason both tools must give. Empty where the
 * texts differ on purpose: YAML syntax errors (different YAML parsers), Mimir's
 * `invalid rules config: …` group messages, and the federation refusal (promtool only knows
 * source_tenants as an unknown field).
 */
const INVALID_REASON: Readonly<Record<string, string>> = {
  'bad-annotation-name': 'invalid annotation name: 1summary',
  'bad-duration': 'not a valid duration string: "1.5m"',
  'bad-for-duration': 'not a valid duration string: "5 minutes"',
  'bad-label-name': 'invalid label name: team-name',
  'bad-recording-name': 'invalid recording rule name: job-up sum',
  'bad-template-syntax': 'annotation "summary": template: __alert_A:1: unclosed action',
  'both-record-and-alert': "only one of 'record' and 'alert' must be set",
  'empty-group-name': '',
  'labels-not-map': 'line 6: cannot unmarshal !!seq into map[string]string',
  'limit-not-int': 'line 3: cannot unmarshal !!str `many` into int',
  'missing-expr': "field 'expr' must be set in rule",
  'name-label': 'invalid label name: __name__',
  'neither-record-nor-alert': "one of 'record' or 'alert' must be set",
  'promql-syntax-error': 'could not parse expression: 1:17: parse error: unclosed left parenthesis',
  'promql-type-error': 'could not parse expression: 1:6: parse error: expected type range vector in call to function "rate", got instant vector',
  'recording-with-annotations': "invalid field 'annotations' in recording rule",
  'recording-with-for': "invalid field 'for' in recording rule",
  'recording-with-keep-firing-for': "invalid field 'keep_firing_for' in recording rule",
  'repeated-group-name': 'groupname: "g" is repeated in the same file',
  'rules-not-a-list': 'line 4: cannot unmarshal !!map into []rulefmt.',
  'source-tenants': '',
  'template-unknown-function': 'label "severity": template: __alert_A:1: function "nosuchfunction" not defined',
  'unknown-group-field': 'line 3: field evaluation_interval not found in type rulefmt.RuleGroup',
  'unknown-rule-field': 'line 6: field description not found in type rulefmt.Rule',
  'yaml-syntax-error': '',
};

/**
 * Where Cairn and promtool 2.42 (Debian 12) disagree, on purpose; the test keeps these true.
 * - a group without rules: Mimir's API refuses it (`has no rules`), Prometheus loads it;
 * - `query_offset`: Mimir and Prometheus ≥ 2.53 know it, promtool 2.42 does not.
 */
const KNOWN_DIFFERENCES: Readonly<Record<string, { promtool: boolean; cairn: boolean }>> = {
  'no-rules': { promtool: true, cairn: false },
  'query-offset': { promtool: false, cairn: true },
};

const base = (f: string) => f.slice(f.lastIndexOf('/') + 1).replace(/\.yaml$/, '');

function cairnCheck(file: string): { ok: boolean; message: string } {
  try {
    parseRulesFile(readFileSync(file, 'utf8'), 'metrics', file);
    return { ok: true, message: '' };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function promtoolCheck(file: string): { ok: boolean; message: string } {
  const r = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
  return { ok: r.status === 0, message: `${r.stdout}\n${r.stderr}` };
}

describe('fixture table', () => {
  it('has at least ten valid and ten invalid files, each invalid one with a reason row', () => {
    expect(files('valid').length).toBeGreaterThanOrEqual(10);
    expect(files('invalid').length).toBeGreaterThanOrEqual(10);
    expect(files('invalid').map(base).sort()).toEqual(Object.keys(INVALID_REASON).sort());
  });

  it.each(files('valid'))('Cairn accepts %s', (f) => expect(cairnCheck(f)).toEqual({ ok: true, message: '' }));
  it.each(files('invalid'))('Cairn refuses %s', (f) => {
    const c = cairnCheck(f);
    expect(c.ok).toBe(false);
    expect(c.message).toContain(INVALID_REASON[base(f)]!);
  });
});

describe.skipIf(promtool === '')('promtool check rules agrees', () => {
  it.each(files('valid'))('both accept %s', (f) => {
    const p = promtoolCheck(f);
    expect(p.ok, p.message).toBe(true);
    expect(cairnCheck(f).ok).toBe(true);
  });

  it.each(files('invalid'))('both refuse %s', (f) => {
    const p = promtoolCheck(f);
    const c = cairnCheck(f);
    expect(p.ok, p.message).toBe(false);
    expect(c.ok).toBe(false);
    // promtool 2.42 names its rule type rulefmt.RuleNode, Mimir's API rulefmt.Rule: the fragment is their common prefix.
    expect(p.message).toContain(INVALID_REASON[base(f)]!);
  });

  it.each(files('known-differences'))('differs as documented on %s', (f) => {
    const expected = KNOWN_DIFFERENCES[base(f)]!;
    expect({ promtool: promtoolCheck(f).ok, cairn: cairnCheck(f).ok }).toEqual(expected);
  });
});
