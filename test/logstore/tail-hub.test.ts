// Proves the tail hub hands each subscriber exactly the committed streams its matchers
// select, per tenant, that unsubscribing stops delivery, that a throwing subscriber does
// not disturb the others, and that the log store publishes commits (not duplicates) to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogStore, defaultLogStoreOptions } from '../../src/logstore/logstore.js';
import { TailHub, type AppliedStream } from '../../src/logstore/tail-hub.js';
import type { LogEntry } from '../../src/logstore/entry.js';
import { labelsFromObject, type Labels } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-tail-hub-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const entry = (tMs: number, line: string): LogEntry => ({ tMs, tNs: 0, line, metadata: [] });
const stream = (o: Record<string, string>, ...lines: string[]): AppliedStream => ({ labels: labelsFromObject(o), entries: lines.map((l, i) => entry(i + 1, l)) });

describe('TailHub', () => {
  const cases: { name: string; matchers: [('=' | '!=' | '=~' | '!~'), string, string][]; tenant: string; expected: string[] }[] = [
    { name: 'equality', matchers: [['=', 'app', 'a']], tenant: 't1', expected: ['a1', 'a2'] },
    { name: 'regex', matchers: [['=~', 'app', 'a|b']], tenant: 't1', expected: ['a1', 'a2', 'b1'] },
    { name: 'negative', matchers: [['!=', 'app', 'a']], tenant: 't1', expected: ['b1'] },
    { name: 'other tenant sees nothing', matchers: [['=~', 'app', '.+']], tenant: 't2', expected: [] },
  ];
  it.each(cases)('delivers by matchers: $name', ({ matchers, tenant, expected }) => {
    const hub = new TailHub();
    const got: string[] = [];
    hub.subscribe(tenant, matchers.map(([t, n, v]) => newMatcher(t, n, v)), (_ls, es) => got.push(...es.map((e) => e.line)));
    hub.publish('t1', [stream({ app: 'a' }, 'a1', 'a2'), stream({ app: 'b' }, 'b1')]);
    expect(got).toEqual(expected);
  });

  it('stops after unsubscribe and counts subscribers', () => {
    const hub = new TailHub();
    const got: string[] = [];
    const off = hub.subscribe('t', [newMatcher('=', 'app', 'a')], (_ls, es) => got.push(...es.map((e) => e.line)));
    expect(hub.subscribers('t')).toBe(1);
    off();
    off();
    expect(hub.subscribers('t')).toBe(0);
    expect(hub.has('t')).toBe(false);
    hub.publish('t', [stream({ app: 'a' }, 'x')]);
    expect(got).toEqual([]);
  });

  it('isolates a throwing subscriber', () => {
    const hub = new TailHub();
    const got: string[] = [];
    hub.subscribe('t', [], () => {
      throw new Error('boom');
    });
    hub.subscribe('t', [], (_ls, es) => got.push(...es.map((e) => e.line)));
    expect(() => hub.publish('t', [stream({ app: 'a' }, 'x')])).not.toThrow();
    expect(got).toEqual(['x']);
  });
});

describe('LogStore feeds its tail hub', () => {
  it('publishes committed entries once, without duplicates of the newest entry', async () => {
    const store = new LogStore({ ...defaultLogStoreOptions(dir), fsync: 'never' }, { forTenant: () => ({ maxGlobalStreamsPerUser: 0, retentionPeriodMs: 0 }) });
    await store.start();
    try {
      const got: { labels: Labels; lines: string[] }[] = [];
      store.tail.subscribe('t', [newMatcher('=', 'app', 'a')], (labels, es) => got.push({ labels, lines: es.map((e) => e.line) }));
      const push = async (lines: [number, string][]) => {
        const app = store.logAppender('t');
        const s = app.streamFor(labelsFromObject({ app: 'a' }));
        for (const [t, l] of lines) app.append(s, entry(t, l));
        app.streamFor(labelsFromObject({ app: 'b' }));
        await app.commit();
      };
      await push([[1, 'one'], [2, 'two']]);
      await push([[2, 'two'], [3, 'three']]);
      expect(got).toEqual([
        { labels: labelsFromObject({ app: 'a' }), lines: ['one', 'two'] },
        { labels: labelsFromObject({ app: 'a' }), lines: ['three'] },
      ]);
    } finally {
      await store.stop();
    }
  });
});
