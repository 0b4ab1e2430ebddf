// Proves the head's selection cache never changes an answer: a selection repeated while the
// series set is unchanged comes from the cache, and one made after a series was created or
// removed sees the change; and that the cache stays within its bounds.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/config.js';
import { formatLabels, labelsFromObject } from '../../src/model/labels.js';
import { newMatcher, type Matcher } from '../../src/model/matcher.js';
import { Head } from '../../src/tsdb/head.js';
import { HeadAppender, type WalSink } from '../../src/tsdb/head-append.js';
import { HeadQuerier } from '../../src/tsdb/head-read.js';
import type { MemSeries } from '../../src/tsdb/head-series.js';
import { SelectionCache } from '../../src/tsdb/selection-cache.js';

const HOUR = 3_600_000;
const sink: WalSink = { append() {}, async waitDurable() {} };
const limits = () => ({ ...defaultConfig().limits, maxGlobalSeriesPerUser: 0, maxGlobalSeriesPerMetric: 0 });

async function add(head: Head, labels: Record<string, string>, t: number): Promise<void> {
  const app = new HeadAppender(head, sink);
  app.append(0, labelsFromObject(labels), t, 1);
  await app.commit();
}

const selected = (head: Head, matchers: Matcher[]) =>
  new HeadQuerier(head, -Infinity, Infinity).selectChunks(matchers, -Infinity, Infinity).map((s) => formatLabels(s.labels));

describe('head selection cache', () => {
  const byJob = [newMatcher('=', 'job', 'a')];
  const byRegex = [newMatcher('=~', 'inst', '[12]'), newMatcher('=', 'job', 'a')];

  it('answers repeated selections from the cache, sorted, and sees new and removed series', async () => {
    const head = new Head('t', limits);
    await add(head, { __name__: 'm', job: 'a', inst: '2' }, 0);
    await add(head, { __name__: 'm', job: 'a', inst: '1' }, 0);
    await add(head, { __name__: 'm', job: 'b', inst: '1' }, 0);
    const first = selected(head, byJob);
    expect(first).toEqual(['{__name__="m", inst="1", job="a"}', '{__name__="m", inst="2", job="a"}']);
    expect(head.selections.size).toBe(1);
    expect(selected(head, byJob)).toEqual(first);
    expect(selected(head, byRegex)).toEqual(first);
    expect(head.selections.size).toBe(2);

    // A new series empties the cache: the next selection includes it, in order.
    await add(head, { __name__: 'm', job: 'a', inst: '0' }, 10 * HOUR);
    expect(head.selections.size).toBe(0);
    expect(selected(head, byJob)).toEqual(['{__name__="m", inst="0", job="a"}', ...first]);
    // A sample for an existing series changes nothing the cache holds.
    await add(head, { __name__: 'm', job: 'a', inst: '1' }, 10 * HOUR);
    expect(head.selections.size).toBe(1);

    // Truncation removes the series with nothing left after 5 h: the cache forgets them.
    await head.truncate(5 * HOUR);
    expect(head.selections.size).toBe(0);
    expect(selected(head, byJob)).toEqual(['{__name__="m", inst="0", job="a"}', '{__name__="m", inst="1", job="a"}']);
    expect(selected(head, [newMatcher('=', 'job', 'b')])).toEqual([]);
  });

  it.each([
    { what: 'at most 256 selections, least recently used evicted first', sets: 300, each: 1, size: 256 },
    { what: 'at most 1 000 000 series references over all selections', sets: 3, each: 400_000, size: 2 },
  ])('$what', ({ sets, each, size }) => {
    const cache = new SelectionCache();
    const list = new Array<MemSeries>(each);
    for (let i = 0; i < sets; i++) cache.set(`k${i}`, list);
    expect(cache.size).toBe(size);
    expect(cache.get(`k${sets - 1}`)).toBe(list);
    expect(cache.get('k0')).toBeUndefined();
  });

  it('does not keep a selection larger than its whole budget', () => {
    const cache = new SelectionCache();
    cache.set('big', new Array<MemSeries>(1_000_001));
    expect(cache.size).toBe(0);
  });

  it('keys on every matcher: name, type and value', () => {
    const keys = new Set(
      [
        [newMatcher('=', 'a', 'b')],
        [newMatcher('!=', 'a', 'b')],
        [newMatcher('=', 'a', 'c')],
        [newMatcher('=', 'x', 'b')],
        [newMatcher('=', 'a', 'b'), newMatcher('=', 'c', 'd')],
        // Separators inside values cannot make two lists look alike.
        [newMatcher('=', 'a', 'b1:c=1:d')],
      ].map((m) => SelectionCache.key(m)),
    );
    expect(keys.size).toBe(6);
  });
});
