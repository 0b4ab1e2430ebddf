// Proves the rule store keeps groups durably in system.db, unique per (tenant, kind, namespace, name), sorted, with change notifications and Mimir's limit messages.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteRuleStore, ruleGroupLimitError } from '../../src/ruler/rule-store.js';
import { parseRuleGroup } from '../../src/ruler/rulefmt.js';
import type { RuleGroupConfig, RuleKind } from '../../src/ruler/types.js';
import { ManualClock } from '../../src/util/clock.js';
import { openSqlite, type SqlDatabase } from '../../src/util/sqlite.js';
import { cleanupTempDirs, tempDir } from '../helpers/server.js';

const open: SqlDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  cleanupTempDirs();
});

function store(dir = tempDir(), clock = new ManualClock(1_000)): { s: SqliteRuleStore; dir: string; db: SqlDatabase } {
  const db = openSqlite(join(dir, 'system.db'));
  open.push(db);
  return { s: new SqliteRuleStore(db, { clock }), dir, db };
}

const group = (name: string, rules = 1): RuleGroupConfig =>
  parseRuleGroup(`name: ${name}\ninterval: 30s\nrules:\n${'  - record: a:b\n    expr: sum(up)\n    labels: {x: "1"}\n'.repeat(rules)}`, 'metrics');

describe('SqliteRuleStore', () => {
  it('stores, replaces, lists sorted, and deletes', () => {
    const { s } = store();
    s.put('t', 'metrics', 'ns-b', group('g2'));
    s.put('t', 'metrics', 'ns-a', group('g9'));
    s.put('t', 'metrics', 'ns-a', group('g1'));
    s.put('t', 'logs', 'ns-a', group('g1'));
    s.put('u', 'metrics', 'ns-a', group('g1'));
    s.put('t', 'metrics', 'ns-a', group('g1', 3));
    expect(s.list('t', 'metrics').map((g) => `${g.namespace}/${g.group.name}`)).toEqual(['ns-a/g1', 'ns-a/g9', 'ns-b/g2']);
    expect(s.get('t', 'metrics', 'ns-a', 'g1')?.group.rules).toHaveLength(3);
    expect(s.get('t', 'logs', 'ns-a', 'g1')?.group.rules).toHaveLength(1);
    expect(s.get('t', 'metrics', 'ns-a', 'nope')).toBeUndefined();
    expect(s.listAll().map((g) => `${g.tenant}:${g.kind}:${g.namespace}/${g.group.name}`)).toEqual([
      't:logs:ns-a/g1',
      't:metrics:ns-a/g1',
      't:metrics:ns-a/g9',
      't:metrics:ns-b/g2',
      'u:metrics:ns-a/g1',
    ]);
    expect(s.deleteGroup('t', 'metrics', 'ns-a', 'g9')).toBe(true);
    expect(s.deleteGroup('t', 'metrics', 'ns-a', 'g9')).toBe(false);
    expect(s.deleteNamespace('t', 'metrics', 'ns-a')).toBe(true);
    expect(s.deleteNamespace('t', 'metrics', 'ns-a')).toBe(false);
    expect(s.list('t', 'metrics').map((g) => g.group.name)).toEqual(['g2']);
    expect(s.list('t', 'logs')).toHaveLength(1);
  });

  it('keeps names with any characters, and the write time', () => {
    const clock = new ManualClock(5_000);
    const { s } = store(undefined, clock);
    s.put('t', 'metrics', 'a/b c%2F', group('g "q"'));
    const got = s.get('t', 'metrics', 'a/b c%2F', 'g "q"')!;
    expect(got).toMatchObject({ tenant: 't', kind: 'metrics', namespace: 'a/b c%2F', updatedMs: 5_000 });
    expect(got.group).toEqual(group('g "q"'));
  });

  it('survives closing and reopening system.db', () => {
    const first = store();
    first.s.put('t', 'logs', 'ns', group('g'));
    first.db.close();
    open.splice(open.indexOf(first.db), 1);
    const again = store(first.dir);
    expect(again.s.get('t', 'logs', 'ns', 'g')?.group).toEqual(group('g'));
  });

  it('notifies listeners after each write that changed something, and stops after unsubscribe', () => {
    const { s } = store();
    const seen: string[] = [];
    const off = s.onChange((tenant, kind) => seen.push(`${tenant}:${kind}`));
    s.put('t', 'metrics', 'ns', group('g'));
    s.deleteGroup('t', 'logs', 'ns', 'g'); // nothing there: no change
    s.deleteGroup('t', 'metrics', 'ns', 'g');
    s.put('u', 'logs', 'ns', group('g'));
    s.deleteNamespace('u', 'logs', 'ns');
    off();
    s.put('t', 'metrics', 'ns', group('g'));
    expect(seen).toEqual(['t:metrics', 't:metrics', 'u:logs', 'u:logs']);
  });

  it('reports a failing listener without failing the committed write', () => {
    const errors: unknown[] = [];
    const db = openSqlite(join(tempDir(), 'system.db'));
    open.push(db);
    const s = new SqliteRuleStore(db, { clock: new ManualClock(0), onListenerError: (e) => errors.push(e) });
    s.onChange(() => {
      throw new Error('boom');
    });
    s.put('t', 'metrics', 'ns', group('g'));
    expect(s.get('t', 'metrics', 'ns', 'g')).toBeDefined();
    expect(errors).toHaveLength(1);
  });
});

describe('ruleGroupLimitError', () => {
  const limits = { rulerMaxRuleGroupsPerTenant: 2, rulerMaxRulesPerRuleGroup: 3 };
  const cases: { name: string; existing: [RuleKind, string, string][]; put: [string, number]; error?: string; unlimited?: boolean }[] = [
    { name: 'within both limits', existing: [['metrics', 'ns', 'a']], put: ['b', 3] },
    { name: 'too many rules', existing: [], put: ['a', 4], error: 'per-user rules per rule group limit (limit: 3 actual: 4) exceeded' },
    { name: 'too many groups', existing: [['metrics', 'ns', 'a'], ['metrics', 'other', 'b']], put: ['c', 1], error: 'per-user rule groups limit (limit: 2 actual: 3) exceeded' },
    { name: 'replacing a group at the limit', existing: [['metrics', 'ns', 'a'], ['metrics', 'other', 'b']], put: ['a', 1] },
    { name: 'log groups count apart from metric groups', existing: [['logs', 'ns', 'a'], ['logs', 'ns', 'b']], put: ['c', 1] },
    { name: '0 means unlimited', existing: [['metrics', 'ns', 'a'], ['metrics', 'ns', 'b']], put: ['c', 50], unlimited: true },
  ];
  it.each(cases)('$name', ({ existing, put, error, unlimited }) => {
    const { s } = store();
    for (const [kind, ns, name] of existing) s.put('t', kind, ns, group(name));
    const l = unlimited ? { rulerMaxRuleGroupsPerTenant: 0, rulerMaxRulesPerRuleGroup: 0 } : limits;
    const err = ruleGroupLimitError(s, l, 't', 'metrics', 'ns', group(put[0], put[1]));
    if (error === undefined) expect(err).toBeUndefined();
    else expect(err).toMatchObject({ kind: 'bad_data', message: error });
  });
});
