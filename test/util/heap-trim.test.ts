// The heap trimmer: trims on its interval, one trim at a time (a second ask joins the one
// in flight), observes each trim's duration by whether it released memory, treats a trim
// that could not run as releasing nothing, and does nothing at all without a trim to call.
import { Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeapTrimmer } from '../../src/util/heap-trim.js';

const trimmers: HeapTrimmer[] = [];
afterEach(async () => {
  for (const t of trimmers.splice(0)) await t.stop();
});

function histogram(): { h: Histogram<'released'>; count: (released: string) => Promise<number> } {
  const registry = new Registry();
  const h = new Histogram({ name: 'trim_seconds', help: 'test', labelNames: ['released'], registers: [registry] });
  const count = async (released: string) =>
    (await h.get()).values.find((v) => v.metricName === 'trim_seconds_count' && v.labels.released === released)?.value ?? 0;
  return { h, count };
}

describe('HeapTrimmer', () => {
  it('trims on its interval until stopped', async () => {
    const trim = vi.fn(async () => true);
    const t = new HeapTrimmer(trim, 10);
    trimmers.push(t);
    await t.start();
    await vi.waitFor(() => expect(trim.mock.calls.length).toBeGreaterThanOrEqual(2));
    await t.stop();
    const calls = trim.mock.calls.length;
    await new Promise((r) => setTimeout(r, 40));
    expect(trim.mock.calls.length).toBe(calls);
  });

  it('runs one trim at a time and observes it by its outcome', async () => {
    let finish!: (released: boolean) => void;
    const trim = vi.fn(() => new Promise<boolean>((r) => (finish = r)));
    const { h, count } = histogram();
    const t = new HeapTrimmer(trim, 60_000, h);
    const a = t.run();
    const b = t.run();
    expect(trim).toHaveBeenCalledTimes(1);
    finish(true);
    expect([await a, await b]).toEqual([true, true]);
    expect(await count('true')).toBe(1);
    // The next ask starts a new trim.
    const c = t.run();
    finish(false);
    expect(await c).toBe(false);
    expect(trim).toHaveBeenCalledTimes(2);
    expect(await count('false')).toBe(1);
  });

  it.each<[string, (() => Promise<boolean>) | undefined]>([
    ['a trim that fails releases nothing', () => Promise.reject(new Error('could not queue'))],
    ['no trim to call (no addon) does nothing', undefined],
  ])('%s', async (_name, trim) => {
    const t = new HeapTrimmer(trim, 10);
    trimmers.push(t);
    await t.start();
    expect(await t.run()).toBe(false);
  });
});
