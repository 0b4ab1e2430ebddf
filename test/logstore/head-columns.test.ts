// Proves that appending a request's columns in runs leaves the head exactly as appending the
// same entries one by one: the same chunks sealed at the same entries, the same open buffer,
// and the same newest entry for the duplicate check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { labelsFromObject } from '../../src/model/labels.js';
import { columnsOf } from '../../src/logstore/entry-columns.js';
import { lineByteLength } from '../../src/logstore/entry.js';
import { defaultLogHeadOptions, LogHead } from '../../src/logstore/head.js';
import { entriesArb, entry, plain } from './chunk/fixtures.js';

const T0 = 1_700_000_000_000;
const labels = labelsFromObject({ app: 'a' });

describe('LogHead.appendColumns', () => {
  it('seals and holds what one-by-one appends do, for any runs and chunk size (property)', () => {
    fc.assert(
      fc.property(
        entriesArb({ base: T0, spanMs: 50 }).chain((es) => fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length })),
        fc.array(fc.nat(), { maxLength: 5 }),
        fc.integer({ min: 1, max: 200 }),
        (arrivals, cuts, chunkTargetBytes) => {
          const options = { ...defaultLogHeadOptions(), chunkTargetBytes };
          const one = new LogHead('t', options);
          const s1 = one.create(labels);
          for (const e of arrivals) one.append(s1, e, lineByteLength(e), T0);

          const runs = new LogHead('t', options);
          const s2 = runs.create(labels);
          const { columns } = columnsOf([arrivals]);
          const items = Array.from({ length: columns.count }, (_, i) => i);
          const ends = [...new Set([...cuts.map((c) => c % (arrivals.length + 1)), arrivals.length])].sort((a, b) => a - b);
          let k = 0;
          for (const j of ends) {
            if (j <= k) continue;
            runs.appendColumns(s2, columns, items, k, j, T0);
            k = j;
          }

          expect(s2.chunks.map((c) => [c.count, c.minTMs, c.maxTMs, Buffer.from(c.raw!)])).toEqual(s1.chunks.map((c) => [c.count, c.minTMs, c.maxTMs, Buffer.from(c.raw!)]));
          expect(plain(s2.open.entries())).toEqual(plain(s1.open.entries()));
          expect([s2.openBytes, runs.rawBytesInMemory, s2.maxTMs, s2.maxTNs]).toEqual([s1.openBytes, one.rawBytesInMemory, s1.maxTMs, s1.maxTNs]);
          const newest = arrivals.reduce((a, b) => (b.tMs > a.tMs || (b.tMs === a.tMs && b.tNs >= a.tNs) ? b : a));
          expect(s2.isNewest(newest)).toBe(true);
          expect(s2.isNewest(entry(newest.tMs, newest.tNs, newest.line + 'x'))).toBe(s1.isNewest(entry(newest.tMs, newest.tNs, newest.line + 'x')));
        },
      ),
      { numRuns: 200 },
    );
  });
});
