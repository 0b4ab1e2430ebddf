// Proves that a script's loads reach a real Tsdb through the Appender seam exactly: every
// sample reads back through the Querier (stale markers bit for bit), data spanning hours
// goes in as one time-ordered commit, and a refused sample is reported with its line.
import { afterEach, describe, expect, it } from 'vitest';
import { labelsToObject } from '../../../src/model/labels.js';
import { appendLoads, openScriptTsdb, ScriptLoadError, type ScriptTsdb } from './load.js';
import { parseScript, STALE_NAN, type LoadCommand } from './parse.js';

function bits(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getBigUint64(0).toString(16);
}

function loadsOf(text: string): LoadCommand[] {
  return parseScript(text).sections[0]!.commands.filter((c): c is LoadCommand => c.kind === 'load');
}

/** Everything the tenant holds: labels → [t, value bits] pairs. */
function readAll(db: ScriptTsdb, tenant: string): Record<string, [number, string][]> {
  const q = db.tsdb.querier(tenant, -Infinity, Infinity);
  try {
    const set = q.select([]);
    const out: Record<string, [number, string][]> = {};
    while (set.next()) {
      const s = set.at();
      const it = s.iterator();
      const samples: [number, string][] = [];
      while (it.next()) samples.push([it.t, bits(it.v)]);
      out[JSON.stringify(labelsToObject(s.labels))] = samples;
    }
    return out;
  } finally {
    q.close();
  }
}

let db: ScriptTsdb | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

describe('appendLoads', () => {
  it('round-trips every sample, gaps and stale markers included, across hours', async () => {
    db = await openScriptTsdb();
    const loads = loadsOf(['load 5m', '  a{x="1"} 0+1x100', '  b _x50 1 stale 2 _ NaN', '', 'load 1h', '  c 7 stale'].join('\n'));
    const stats = await appendLoads(db.tsdb, 't1', loads);
    expect(stats).toEqual({ series: 3, samples: 101 + 4 + 2, mint: 0, maxt: 500 * 60_000 });

    const got = readAll(db, 't1');
    const f = (v: number) => bits(v);
    expect(got['{"__name__":"a","x":"1"}']).toEqual(Array.from({ length: 101 }, (_, i) => [i * 300_000, f(i)]));
    expect(got['{"__name__":"b"}']).toEqual([
      [50 * 300_000, f(1)],
      [51 * 300_000, '7ff0000000000002'],
      [52 * 300_000, f(2)],
      [54 * 300_000, f(NaN)],
    ]);
    expect(got['{"__name__":"c"}']).toEqual([[0, f(7)], [3_600_000, '7ff0000000000002']]);
    expect(bits(STALE_NAN)).toBe('7ff0000000000002');
  });

  it('keeps tenants apart', async () => {
    db = await openScriptTsdb();
    await appendLoads(db.tsdb, 'one', loadsOf('load 1m\n  m 1'));
    expect(Object.keys(readAll(db, 'one'))).toEqual(['{"__name__":"m"}']);
    expect(readAll(db, 'two')).toEqual({});
  });

  it('takes a later load up to an hour back, for new series', async () => {
    db = await openScriptTsdb();
    await appendLoads(db.tsdb, 't', loadsOf('load 5m\n  m 0+1x24')); // up to 2h
    // As histograms.test: a later load starting 50 minutes before the newest sample.
    const stats = await appendLoads(db.tsdb, 't', loadsOf('load 5m\n  n _x14 1 2'));
    expect(stats.mint).toBe(70 * 60_000);
    expect(readAll(db, 't')['{"__name__":"n"}']).toHaveLength(2);
  });

  it('reports a refused sample with its line and rolls the commit back', async () => {
    db = await openScriptTsdb();
    await appendLoads(db.tsdb, 't', loadsOf('load 1h\n  m 0 1 2 3'));
    let err: unknown;
    try {
      await appendLoads(db.tsdb, 't', loadsOf('load 1h\n  fresh _x3 1\n  old 1'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScriptLoadError);
    expect((err as ScriptLoadError).line).toBe(3);
    expect((err as Error).message).toContain('cannot load {__name__="old"} at t=0');
    expect(Object.keys(readAll(db, 't'))).toEqual(['{"__name__":"m"}']);
  });
});
