// Proves rule evaluation as Prometheus does it: the alert state machine (pending → firing →
// resolved, for, keep_firing_for, limit, duplicate labelsets), ALERTS/ALERTS_FOR_STATE and
// their stale markers, recording rules, notifications with resend and endsAt, for-state
// restore across a restart, group updates and aligned schedules — all on a manual clock.
import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../src/promql/engine/index.js';
import { AlertingRule } from '../../src/ruler/alerting-rule.js';
import { alert, group, ls, record, step, World } from './fixtures.js';

const MIN = 60_000;
const down = (instance: string) => ({ labels: ls({ __name__: 'up', job: 'node', instance }), v: 0 });

async function started(w: World) {
  const m = w.manager();
  await m.start();
  return m;
}

const ruleOf = (m: Awaited<ReturnType<typeof started>>, i = 0) => m.groupsOf('t1', 'metrics')[0]!.rules[i]!;

describe('alerting rule state machine', () => {
  it('goes pending → firing after for, then resolves and sends resolution', async () => {
    const w = new World();
    const m = await started(w);
    w.results.set('up == 0', [down('a')]);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('Down', 'up == 0', { forMs: 2 * MIN, labels: { severity: 'page' }, annotations: { summary: '{{ $labels.instance }} is down ({{ $value }})' } })]));
    const r = ruleOf(m) as AlertingRule;

    const states: string[] = [];
    const t1 = await step(w, m);
    states.push(r.state());
    const [a1] = r.activeAlerts();
    expect(a1!.activeAtMs).toBe(t1);
    expect(a1!.annotations).toEqual({ summary: 'a is down (0)' });
    expect(Object.fromEntries(a1!.labels.map((l) => [l.name, l.value]))).toEqual({ alertname: 'Down', instance: 'a', job: 'node', severity: 'page' });
    const pending = w.at('ALERTS', t1);
    expect(pending.map((s) => Object.fromEntries(s.labels.map((l) => [l.name, l.value])))).toEqual([{ __name__: 'ALERTS', alertname: 'Down', alertstate: 'pending', instance: 'a', job: 'node', severity: 'page' }]);
    expect(w.at('ALERTS_FOR_STATE', t1)[0]!.v).toBe(Math.floor(t1 / 1000));
    expect(w.sent).toEqual([]); // pending alerts are never sent

    await step(w, m);
    states.push(r.state());
    const t3 = await step(w, m);
    states.push(r.state());
    expect(r.activeAlerts()[0]!.firedAtMs).toBe(t3);
    // The pending series goes stale when the alert fires.
    const atT3 = w.written.filter((x) => x.s.tMs === t3);
    expect(atT3.some((x) => isStaleNaN(x.s.v) && x.s.labels.some((l) => l.value === 'pending'))).toBe(true);
    expect(atT3.some((x) => x.s.v === 1 && x.s.labels.some((l) => l.value === 'firing'))).toBe(true);
    expect(w.sent).toHaveLength(1);
    expect(w.sent[0]!.alerts[0]).toEqual({
      labels: { alertname: 'Down', instance: 'a', job: 'node', severity: 'page' },
      annotations: { summary: 'a is down (0)' },
      startsAt: new Date(t3).toISOString().replace('.000Z', 'Z'),
      endsAt: new Date(t3 + 4 * MIN).toISOString().replace('.000Z', 'Z'),
      generatorURL: 'http://cairn.example/graph?g0.expr=up+%3D%3D+0&g0.tab=1',
    });

    await step(w, m); // resend delay not yet passed (Prometheus: lastSent + delay must be before now)
    expect(w.sent).toHaveLength(1);
    const t5 = await step(w, m);
    expect(w.sent).toHaveLength(2);
    expect(w.sent[1]!.alerts[0]!.endsAt).toBe(new Date(t5 + 4 * MIN).toISOString().replace('.000Z', 'Z'));

    w.results.set('up == 0', []);
    const t6 = await step(w, m);
    states.push(r.state());
    expect(w.sent).toHaveLength(3);
    expect(w.sent[2]!.alerts[0]!.endsAt).toBe(new Date(t6).toISOString().replace('.000Z', 'Z'));
    expect(w.written.filter((x) => x.s.tMs === t6).every((x) => isStaleNaN(x.s.v))).toBe(true);
    expect(w.written.filter((x) => x.s.tMs === t6)).toHaveLength(2); // ALERTS{firing} and ALERTS_FOR_STATE
    expect(states).toEqual(['pending', 'pending', 'firing', 'inactive']);
    expect(r.activeAlerts()).toEqual([]);
    expect(r.health).toBe('ok');
  });

  it('deletes a pending alert at once when it leaves the result', async () => {
    const w = new World();
    const m = await started(w);
    w.results.set('up == 0', [down('a')]);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('Down', 'up == 0', { forMs: 5 * MIN })]));
    const r = ruleOf(m) as AlertingRule;
    await step(w, m);
    w.results.set('up == 0', []);
    await step(w, m);
    expect(r.active.size).toBe(0);
    expect(w.sent).toEqual([]);
  });

  it('keeps firing for keep_firing_for after the condition clears', async () => {
    const w = new World();
    const m = await started(w);
    w.results.set('up == 0', [down('a')]);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('Down', 'up == 0', { keepFiringForMs: 2 * MIN })]));
    const r = ruleOf(m) as AlertingRule;
    await step(w, m);
    expect(r.state()).toBe('firing'); // for: 0 fires at once
    w.results.set('up == 0', []);
    const t2 = await step(w, m);
    expect(r.state()).toBe('firing');
    expect(r.activeAlerts()[0]!.keepFiringSinceMs).toBe(t2);
    await step(w, m);
    expect(r.state()).toBe('firing');
    await step(w, m); // 2m since it went missing
    expect(r.state()).toBe('inactive');
  });

  it('resets keepFiringSince when the condition returns', async () => {
    const w = new World();
    const m = await started(w);
    w.results.set('up == 0', [down('a')]);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('Down', 'up == 0', { keepFiringForMs: 2 * MIN })]));
    const r = ruleOf(m) as AlertingRule;
    await step(w, m);
    w.results.set('up == 0', []);
    await step(w, m);
    w.results.set('up == 0', [down('a')]);
    await step(w, m);
    expect(r.activeAlerts()[0]!.keepFiringSinceMs).toBe(0);
  });

  it.each([
    { name: 'limit exceeded', results: [down('a'), down('b')], limit: 1, error: 'exceeded limit of 1 with 2 alerts' },
    {
      name: 'same labelset after dropping __name__',
      results: [{ labels: ls({ __name__: 'x', job: 'a' }), v: 1 }, { labels: ls({ __name__: 'y', job: 'a' }), v: 1 }],
      limit: 0,
      error: 'vector contains metrics with the same labelset after applying alert labels',
    },
    { name: 'query failure', results: 'bad query', limit: 0, error: 'bad query' },
  ])('marks the rule err: $name, and keeps evaluating the next rule', async ({ results, limit, error }) => {
    const w = new World();
    const m = await started(w);
    w.results.set('expr', results);
    w.results.set('ok', [{ labels: ls({ job: 'z' }), v: 2 }]);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('A', 'expr'), record('r:ok', 'ok')], { limit }));
    await step(w, m);
    expect(ruleOf(m, 0).health).toBe('err');
    expect(ruleOf(m, 0).lastError).toBe(error);
    expect(ruleOf(m, 1).health).toBe('ok');
    expect(w.written.some((x) => x.s.labels.some((l) => l.value === 'r:ok'))).toBe(true);
  });
});

describe('recording rules', () => {
  it('stores results under the record name with the rule labels, at t − query_offset, and marks vanished series stale', async () => {
    const w = new World();
    const m = await started(w);
    w.results.set('sum by (job) (up)', [{ labels: ls({ job: 'a' }), v: 3 }, { labels: ls({ job: 'b' }), v: 4 }]);
    w.store.put('t1', 'metrics', 'ns', group('g', [record('job:up:sum', 'sum by (job) (up)', { team: 'x' })], { queryOffsetMs: 30_000 }));
    const t1 = await step(w, m);
    expect(w.queriesRun.at(-1)!.t).toBe(t1 - 30_000);
    expect(w.written.map((x) => [Object.fromEntries(x.s.labels.map((l) => [l.name, l.value])), x.s.tMs, x.s.v])).toEqual([
      [{ __name__: 'job:up:sum', job: 'a', team: 'x' }, t1 - 30_000, 3],
      [{ __name__: 'job:up:sum', job: 'b', team: 'x' }, t1 - 30_000, 4],
    ]);
    w.results.set('sum by (job) (up)', [{ labels: ls({ job: 'a' }), v: 5 }]);
    const t2 = await step(w, m);
    const atT2 = w.written.filter((x) => x.s.tMs === t2 - 30_000);
    expect(atT2).toHaveLength(2);
    expect(atT2.filter((x) => isStaleNaN(x.s.v)).map((x) => x.s.labels.find((l) => l.name === 'job')!.value)).toEqual(['b']);
  });

  it.each([
    { name: 'duplicate series', results: [{ labels: ls({ __name__: 'a', job: 'x' }), v: 1 }, { labels: ls({ __name__: 'b', job: 'x' }), v: 1 }], limit: 0, error: 'vector contains metrics with the same labelset after applying rule labels' },
    { name: 'limit', results: [{ labels: ls({ job: 'x' }), v: 1 }, { labels: ls({ job: 'y' }), v: 1 }], limit: 1, error: 'exceeded limit of 1 with 2 series' },
  ])('errors on $name', async ({ results, limit, error }) => {
    const w = new World();
    const m = await started(w);
    w.results.set('e', results);
    w.store.put('t1', 'metrics', 'ns', group('g', [record('r', 'e')], { limit }));
    await step(w, m);
    expect(ruleOf(m).health).toBe('err');
    expect(ruleOf(m).lastError).toBe(error);
    expect(w.written).toEqual([]);
  });

  it('evaluates log groups through the LogQL query function into the same tenant', async () => {
    const w = new World();
    const m = await started(w);
    w.results.set('sum(rate({app="x"}[1m]))', [{ labels: [], v: 0.5 }]);
    w.store.put('t1', 'logs', 'ns', group('lg', [record('app:lines:rate1m', 'sum(rate({app="x"}[1m]))')]));
    await step(w, m, 't1', 'logs');
    expect(w.queriesRun.map((q) => q.kind)).toEqual(['logs']);
    expect(w.written[0]!.tenant).toBe('t1');
  });
});

describe('schedule and store changes', () => {
  it('aligns evaluations to the interval plus a per-group offset and counts missed iterations', async () => {
    const w = new World();
    const m = await started(w);
    w.store.put('t1', 'metrics', 'ns', group('g', [record('r', 'e')], { intervalMs: 15_000 }));
    const g = m.groupsOf('t1', 'metrics')[0]!;
    const offset = g.offsetMs;
    expect(g.nextEvalMs % 15_000).toBe(offset);
    const t1 = await step(w, m);
    w.clock.set(t1 + 15_000 * 3 + 100); // overran: two slots missed
    await m.runDue();
    expect(g.lastEvaluationMs).toBe(t1 + 45_100);
    expect(g.nextEvalMs).toBe(t1 + 60_000);
  });

  it('keeps alert state of unchanged rules across a group update and stops deleted groups with stale markers', async () => {
    const w = new World();
    const m = await started(w);
    w.results.set('up == 0', [down('a')]);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('Down', 'up == 0', { forMs: 10 * MIN }), record('r', 'up == 0')]));
    const t1 = await step(w, m);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('Down', 'up == 0', { forMs: 10 * MIN })])); // recording rule removed
    const r = ruleOf(m) as AlertingRule;
    expect(r.activeAlerts()[0]!.activeAtMs).toBe(t1);
    const t2 = await step(w, m);
    expect(w.written.filter((x) => x.s.tMs === t2 && isStaleNaN(x.s.v)).map((x) => x.s.labels.find((l) => l.name === '__name__')!.value)).toEqual(['r']);
    w.store.deleteGroup('t1', 'metrics', 'ns', 'g');
    expect(m.groupsOf('t1', 'metrics')).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    const stale = w.written.slice(-2);
    expect(stale.every((x) => isStaleNaN(x.s.v))).toBe(true);
  });
});

describe('for-state restore', () => {
  it('restores activeAt from ALERTS_FOR_STATE after a restart, shifted by the outage', async () => {
    const w = new World();
    w.results.set('up == 0', [down('a')]);
    const m1 = await started(w);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('Down', 'up == 0', { forMs: 30 * MIN })]));
    const t1 = await step(w, m1);
    let last = t1;
    for (let i = 0; i < 9; i++) last = await step(w, m1);
    await m1.stop();
    expect(last - t1).toBe(9 * MIN);

    // Down for 5 minutes; the new ruler finds the group in the store at start.
    w.clock.set(last + 5 * MIN);
    const m2 = await started(w);
    const e1 = await step(w, m2);
    const r = ruleOf(m2) as AlertingRule;
    expect(r.restored).toBe(false);
    expect(w.written.filter((x) => x.s.tMs === e1)).toEqual([]); // nothing written before restore
    const e2 = await step(w, m2);
    expect(r.restored).toBe(true);
    // 9 minutes were spent pending; the outage does not count towards `for`.
    expect(r.activeAlerts()[0]!.activeAtMs).toBe(t1 + (e2 - last));
    let t = e2;
    while (r.state() !== 'firing') t = await step(w, m2);
    expect(t - e2).toBe(21 * MIN);
  });

  it('gives an alert that was nearly due the grace period', async () => {
    const w = new World();
    w.results.set('up == 0', [down('a')]);
    const m1 = await started(w);
    w.store.put('t1', 'metrics', 'ns', group('g', [alert('Down', 'up == 0', { forMs: 15 * MIN })]));
    const t1 = await step(w, m1);
    let last = t1;
    for (let i = 0; i < 10; i++) last = await step(w, m1);
    await m1.stop();
    w.clock.set(last + 2 * MIN);
    const m2 = await started(w);
    await step(w, m2);
    const e2 = await step(w, m2);
    const r = ruleOf(m2) as AlertingRule;
    // 10 of 15 minutes spent: 5 left < 10m grace, so it fires 10m after the restore.
    expect(r.activeAlerts()[0]!.activeAtMs).toBe(e2 + 10 * MIN - 15 * MIN);
  });
});
