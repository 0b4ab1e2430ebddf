// Proves the notification log's queries, expiry and the dedup decision Alertmanager's DedupStage makes from it.
import { describe, expect, it } from 'vitest';
import { needsUpdate } from '../../src/alertmanager/dispatcher.js';
import { NotificationLog, type NflogEntry } from '../../src/alertmanager/nflog.js';

const R = { receiver: 'r', integration: 'webhook', index: 0 };
const entry = (firing: string[], resolved: string[], timestampMs = 0): NflogEntry => ({ groupKey: 'g', receiver: R, timestampMs, firing, resolved, expiresAtMs: 1e15 });

describe('needsUpdate', () => {
  const cases: { name: string; entry?: NflogEntry; firing: string[]; resolved: string[]; sendResolved?: boolean; now?: number; expected: boolean }[] = [
    { name: 'first notification with firing alerts', firing: ['a'], resolved: [], expected: true },
    { name: 'first notification with only resolved alerts', firing: [], resolved: ['a'], expected: false },
    { name: 'a new firing alert', entry: entry(['a'], []), firing: ['a', 'b'], resolved: [], expected: true },
    { name: 'unchanged before the repeat interval', entry: entry(['a'], []), firing: ['a'], resolved: [], now: 999, expected: false },
    { name: 'unchanged at the repeat interval', entry: entry(['a'], []), firing: ['a'], resolved: [], now: 1000, expected: true },
    { name: 'all resolved after a firing notification', entry: entry(['a'], []), firing: [], resolved: ['a'], sendResolved: false, expected: true },
    { name: 'all resolved, receiver never told of firing', entry: entry([], ['a']), firing: [], resolved: ['a', 'b'], expected: false },
    { name: 'one resolved with send_resolved', entry: entry(['a', 'b'], []), firing: ['a'], resolved: ['b'], sendResolved: true, expected: true },
    { name: 'one resolved without send_resolved', entry: entry(['a', 'b'], []), firing: ['a'], resolved: ['b'], sendResolved: false, expected: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(needsUpdate(c.entry, c.firing, c.resolved, c.sendResolved ?? true, 1000, c.now ?? 10)).toBe(c.expected);
    });
  }
});

describe('NotificationLog', () => {
  it('logs per group and integration, expires after twice the repeat interval, GCs', () => {
    const log = new NotificationLog(120 * 3600_000);
    log.log('g', R, ['a'], [], 0, 2000);
    expect(log.query('g', R, 1999)?.firing).toEqual(['a']);
    expect(log.query('g', { ...R, index: 1 }, 10)).toBeUndefined();
    expect(log.query('g', R, 2000)).toBeUndefined();
    expect(log.gc(2000)).toBe(1);
    expect(log.list()).toEqual([]);
  });

  it('never keeps an entry longer than the retention', () => {
    const log = new NotificationLog(1000);
    log.log('g', R, ['a'], [], 0, 10_000);
    expect(log.list()[0]!.expiresAtMs).toBe(1000);
  });
});
