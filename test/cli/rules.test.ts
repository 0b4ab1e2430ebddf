// Proves `cairn rules` drives a running server as a user would: load, list, get, diff and delete over HTTP, for metric and log rules, never printing the token.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.js';
import { lineDiff, rules, type RulesIo } from '../../src/cli/rules.js';
import { useCliServer } from '../helpers/cli.js';

const T = 'cli-tenant';
const cli = useCliServer({ tenant: T, scopes: 'setup_metrics_rules,setup_logs_rules', command: rules });
const { run, file } = cli;

describe('cairn rules (metrics)', () => {
  it('loads, lists, gets, diffs and deletes', async () => {
    const f1 = file('alerts.yaml', 'groups:\n  - name: g1\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: 5m\n  - name: g2\n    rules:\n      - record: job:up:sum\n        expr: sum by (job) (up)\n');
    const f2 = file('named.yml', 'namespace: team/x\ngroups:\n  - name: g3\n    rules: [{record: a:b, expr: up}]\n');

    expect(await run('diff', f1, f2)).toEqual({ code: 1, out: '+ alerts/g1 (new)\n+ alerts/g2 (new)\n+ team/x/g3 (new)\n', err: '' });
    expect(await run('load', f1, f2)).toEqual({ code: 0, out: 'created   alerts/g1\ncreated   alerts/g2\ncreated   team/x/g3\n', err: '' });
    expect(await run('diff', f1, f2)).toEqual({ code: 0, out: 'no differences\n', err: '' });
    expect(await run('load', f1)).toEqual({ code: 0, out: 'unchanged alerts/g1\nunchanged alerts/g2\n', err: '' });

    const list = await run('list');
    expect(list.out).toBe('NAMESPACE  GROUP  RULES\nalerts     g1     1\nalerts     g2     1\nteam/x     g3     1\n');

    expect((await run('get', 'team/x', 'g3')).out).toBe('name: g3\nrules:\n  - record: a:b\n    expr: up\n');
    expect((await run('get', 'alerts')).out).toContain('alerts:\n  - name: g1\n');
    expect(await run('get', 'alerts', 'nope')).toEqual({ code: 1, out: '', err: 'group nope does not exist in namespace alerts\n' });

    // A change and a group only on the server.
    const f1b = file('alerts.yaml', 'groups:\n  - name: g1\n    rules:\n      - alert: Down\n        expr: up == 0\n        for: 10m\n');
    const diff = await run('diff', f1b);
    expect(diff.code).toBe(1);
    expect(diff.out).toBe(
      '~ alerts/g1\n    name: g1\n    rules:\n      - alert: Down\n        expr: up == 0\n  -     for: 5m\n  +     for: 10m\n- alerts/g2 (only on the server; load keeps it, cairn rules delete removes it)\n',
    );
    expect((await run('load', f1b)).out).toBe('updated   alerts/g1\n');
    expect(cli.running.ruleStore.get(T, 'metrics', 'alerts', 'g1')?.group.rules[0]).toMatchObject({ forMs: 600_000 });

    expect(await run('delete', 'alerts', 'g2')).toEqual({ code: 0, out: 'deleted group alerts/g2\n', err: '' });
    expect(await run('delete', 'team/x')).toEqual({ code: 0, out: 'deleted namespace team/x\n', err: '' });
    await expect(run('delete', 'team/x')).rejects.toThrow(/404 group namespace does not exist/);
    await run('delete', 'alerts');
    expect((await run('list')).out).toBe('no rule groups\n');
  });

  it('validates files locally before sending anything', async () => {
    const bad = file('bad.yaml', 'groups:\n  - name: g\n    rules: [{record: "a b", expr: up}]\n');
    await expect(run('load', bad)).rejects.toThrow(`${bad}: group "g", rule 1, "a b": invalid recording rule name: a b`);
    expect(await run('diff', bad)).toMatchObject({ code: 2, err: expect.stringContaining('invalid recording rule name') });
    expect(cli.running.ruleStore.list(T, 'metrics')).toEqual([]);
  });

  it('takes the namespace from --namespace when the file has none', async () => {
    const f = file('x.yaml', 'groups:\n  - name: g\n    rules: [{record: a, expr: up}]\n');
    expect((await run('load', '--namespace', 'given', f)).out).toBe('created   given/g\n');
    await run('delete', 'given');
  });
});

describe('cairn rules --kind logs', () => {
  it('loads LogQL rules through the Loki API and refuses PromQL', async () => {
    const f = file('logs.yaml', 'groups:\n  - name: errors\n    rules:\n      - alert: Errors\n        expr: sum(count_over_time({app="api"} |= "error" [5m])) > 5\n');
    expect((await run('load', '--kind', 'logs', f)).out).toBe('created   logs/errors\n');
    expect((await run('list', '--kind', 'logs')).out).toBe('NAMESPACE  GROUP   RULES\nlogs       errors  1\n');
    expect((await run('list')).out).toBe('no rule groups\n');
    const promql = file('promql.yaml', 'groups:\n  - name: p\n    rules: [{record: a, expr: sum(up)}]\n');
    await expect(run('load', '--kind', 'logs', promql)).rejects.toThrow(/could not parse expression/);
    await run('delete', '--kind', 'logs', 'logs');
  });
});

describe('usage and connection errors', () => {
  it.each([
    { argv: ['list', '--kind', 'traces'], error: '--kind must be metrics or logs, got traces' },
    { argv: ['get'], error: 'usage: cairn rules get NAMESPACE [GROUP]' },
    { argv: ['load'], error: 'usage: cairn rules load FILE...' },
    { argv: ['frobnicate'], error: "unknown rules command 'frobnicate'" },
  ])('$argv', async ({ argv, error }) => {
    await expect(run(...argv)).rejects.toThrow(new UsageError(error));
  });

  it('needs a tenant and a token', async () => {
    const io: RulesIo = { stdout: () => {}, stderr: () => {}, env: {}, fetch: globalThis.fetch };
    await expect(rules(['list'], io)).rejects.toThrow('a tenant is required');
    await expect(rules(['list', '--tenant', T], io)).rejects.toThrow('a token is required');
  });

  it('names the status and the server text when refused, without the token', async () => {
    const io: RulesIo = { stdout: () => {}, stderr: () => {}, env: { CAIRN_ADDRESS: cli.running.url, CAIRN_TENANT: T }, fetch: globalThis.fetch };
    const err = await rules(['list', '--token', 'cairn_wrong_token'], io).catch((e: Error) => e);
    expect(String(err)).toMatch(/401/);
    expect(String(err)).not.toContain('cairn_wrong_token');
  });
});

describe('lineDiff', () => {
  it.each([
    { a: 'x\ny\n', b: 'x\ny\n', out: '    x\n    y\n' },
    { a: 'x\ny\n', b: 'x\nz\n', out: '    x\n  - y\n  + z\n' },
    { a: 'a\n', b: 'a\nb\n', out: '    a\n  + b\n' },
  ])('$a → $b', ({ a, b, out }) => {
    expect(lineDiff(a, b)).toBe(out);
  });
});
