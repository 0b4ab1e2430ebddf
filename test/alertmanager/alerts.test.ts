// Proves alert ingestion defaults and validation, provider/mem's merge rules and GC.
import { describe, expect, it } from 'vitest';
import { AlertStore, ingestAlerts, mergeAlerts, type PostableAlert } from '../../src/alertmanager/alerts.js';
import type { Alert } from '../../src/alertmanager/types.js';

const RT = 300_000;
const p = (o: Partial<PostableAlert>): PostableAlert => ({ labels: { alertname: 'A' }, annotations: {}, startsAtMs: 0, endsAtMs: 0, generatorURL: '', ...o });

describe('ingestAlerts', () => {
  const cases: { name: string; in: PostableAlert; now: number; expected?: Partial<Alert>; error?: string }[] = [
    { name: 'no times: starts now, ends now + resolve_timeout, timeout', in: p({}), now: 1000, expected: { startsAtMs: 1000, endsAtMs: 1000 + RT, timeout: true } },
    { name: 'only end: start = end', in: p({ endsAtMs: 500 }), now: 1000, expected: { startsAtMs: 500, endsAtMs: 500, timeout: false } },
    { name: 'explicit times kept', in: p({ startsAtMs: 10, endsAtMs: 20 }), now: 1000, expected: { startsAtMs: 10, endsAtMs: 20, timeout: false } },
    { name: 'empty label values dropped', in: p({ labels: { alertname: 'A', x: '' } }), now: 0, expected: { labels: [{ name: 'alertname', value: 'A' }] } },
    { name: 'end before start', in: p({ startsAtMs: 20, endsAtMs: 10 }), now: 0, error: 'start time must be before end time' },
    { name: 'no labels', in: p({ labels: {} }), now: 0, error: 'at least one label pair required' },
    { name: 'only empty labels', in: p({ labels: { a: '' } }), now: 0, error: 'at least one label pair required' },
    { name: 'invalid label name', in: p({ labels: { 'a-b': 'x' } }), now: 0, error: 'invalid label set: invalid name "a-b"' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = ingestAlerts([c.in], c.now, RT);
      if (c.error !== undefined) expect(r.errors).toEqual([c.error]);
      else expect(r.alerts[0]).toMatchObject(c.expected!);
    });
  }
});

const alert = (o: Partial<Alert>): Alert => ({ labels: [{ name: 'alertname', value: 'A' }], annotations: {}, startsAtMs: 0, endsAtMs: 0, updatedAtMs: 0, generatorURL: '', fingerprint: 'f', timeout: false, ...o });

describe('mergeAlerts', () => {
  const cases: { name: string; a: Partial<Alert>; o: Partial<Alert>; now: number; expected: Partial<Alert> }[] = [
    { name: 'earliest start kept', a: { startsAtMs: 5, endsAtMs: 100, updatedAtMs: 1 }, o: { startsAtMs: 10, endsAtMs: 100, updatedAtMs: 2 }, now: 50, expected: { startsAtMs: 5 } },
    { name: 'explicit later end beats a timeout end', a: { startsAtMs: 0, endsAtMs: 200, updatedAtMs: 1 }, o: { startsAtMs: 0, endsAtMs: 150, updatedAtMs: 2, timeout: true }, now: 50, expected: { endsAtMs: 200 } },
    { name: 'a later timeout end does not beat a newer explicit one', a: { startsAtMs: 0, endsAtMs: 200, updatedAtMs: 1, timeout: true }, o: { startsAtMs: 0, endsAtMs: 150, updatedAtMs: 2 }, now: 50, expected: { endsAtMs: 150 } },
    { name: 'both resolved: latest end wins', a: { startsAtMs: 0, endsAtMs: 40, updatedAtMs: 1 }, o: { startsAtMs: 0, endsAtMs: 30, updatedAtMs: 2 }, now: 50, expected: { endsAtMs: 40 } },
    { name: 'the younger alert is the base whatever the order', a: { startsAtMs: 0, endsAtMs: 100, updatedAtMs: 9, generatorURL: 'new' }, o: { startsAtMs: 0, endsAtMs: 100, updatedAtMs: 2, generatorURL: 'old' }, now: 50, expected: { generatorURL: 'new' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(mergeAlerts(alert(c.a), alert(c.o), c.now)).toMatchObject(c.expected);
    });
  }
});

describe('AlertStore', () => {
  it('merges overlapping updates and replaces a new incident', () => {
    const s = new AlertStore();
    s.put([alert({ startsAtMs: 10, endsAtMs: 100, updatedAtMs: 10 })], 10);
    s.put([alert({ startsAtMs: 20, endsAtMs: 120, updatedAtMs: 20 })], 20);
    expect(s.get('f')).toMatchObject({ startsAtMs: 10, endsAtMs: 120 });
    // A new incident after the previous one ended: no overlap, replaced.
    s.put([alert({ startsAtMs: 500, endsAtMs: 600, updatedAtMs: 500 })], 500);
    expect(s.get('f')).toMatchObject({ startsAtMs: 500, endsAtMs: 600 });
  });

  it('replays stored alerts to a new subscriber and GCs resolved ones', () => {
    const s = new AlertStore();
    s.put([alert({ fingerprint: 'a', endsAtMs: 100 }), alert({ fingerprint: 'b', endsAtMs: 1000 })], 0);
    const seen: string[] = [];
    s.subscribe((a) => seen.push(a.fingerprint));
    expect(seen).toEqual(['a', 'b']);
    expect(s.gc(500)).toEqual(['a']);
    expect(s.list().map((a) => a.fingerprint)).toEqual(['b']);
  });
});

describe('alerts from the ruler', () => {
  it('the notifier hands them to the tenant store at once, including those queued before the sink', async () => {
    const { AlertNotifier, defaultNotifierOptions } = await import('../../src/ruler/notifier.js');
    const { MultitenantAlertmanager, defaultMultitenantOptions } = await import('../../src/alertmanager/multitenant.js');
    const { parseAlertmanagerConfig } = await import('../../src/alertmanager/config.js');
    const { ManualTimers } = await import('../../src/alertmanager/timers.js');
    const timers = new ManualTimers(1_000_000);
    const config = parseAlertmanagerConfig('route: {receiver: r}\nreceivers: [{name: r}]\n', {});
    const am = new MultitenantAlertmanager(defaultMultitenantOptions({ configFor: () => ({ config, stored: false }), onChange: () => () => {} }, () => () => [], timers, 'http://x/alertmanager'));
    const notifier = new AlertNotifier(defaultNotifierOptions({ forTenant: () => ({ rulerAlertmanagerUrl: '' }) }));
    const payload = (name: string) => ({ labels: { alertname: name }, annotations: {}, startsAt: new Date(999_000).toISOString(), endsAt: new Date(2_000_000).toISOString(), generatorURL: 'g' });
    notifier.notify('t1', [payload('Early')]);
    notifier.setInternalSink((tenant, alerts) => am.receiveFromRuler(tenant, alerts));
    notifier.notify('t1', [payload('Late')]);
    const names = am.forTenant('t1').store.list().map((a) => a.labels[0]!.value).sort();
    expect(names).toEqual(['Early', 'Late']);
    expect(am.forTenant('t1').store.list()[0]).toMatchObject({ startsAtMs: 999_000, endsAtMs: 2_000_000, timeout: false });
    expect(notifier.takeInternal('t1')).toEqual([]);
  });
});
