// Proves `cairn bench logs --duration` times its passes as a real client would: each pass
// starts just after the last one's newest entry and spans the time the last one took, so
// every stream's entries arrive in time order and keep pace with the clock; passes slower
// than the corpus's minute do not let the times fall further and further behind.
import { describe, expect, it } from 'vitest';
import { LogsSource } from '../../src/cli/bench/logs.js';
import { decodePushJson } from '../../src/ingest/loki/decode-json.js';

/**
 * Each pass's entries as [stream, time ms] pairs and the clock at its start. The source
 * reads the clock once per pass, as it starts: pass k then takes `tookMs(k)`.
 */
function passes(count: number, tookMs: (pass: number) => number): { times: [string, number][]; startedAt: number }[] {
  let clock = 1_790_000_000_000;
  const starts: number[] = [];
  const nowMs = () => {
    starts.push(clock);
    clock += tookMs(starts.length - 1);
    return starts[starts.length - 1]!;
  };
  const src = new LogsSource({ streams: 5, lines: 300, batchBytes: 2048, format: 'json', seed: 1, maxPasses: count, nowMs });
  const out: { times: [string, number][]; startedAt: number }[] = [];
  for (let body = src.next(); body !== undefined; body = src.next()) {
    if (out.length < src.passes) out.push({ times: [], startedAt: starts[src.passes - 1]! });
    for (const s of decodePushJson(body.body).streams) {
      const key = s.labels.map((l) => `${l.name}=${l.value}`).join(',');
      for (const e of s.entries) out[out.length - 1]!.times.push([key, e.tMs + e.tNs / 1e6]);
    }
  }
  return out;
}

describe('LogsSource passes', () => {
  it.each([
    { name: 'fast passes (0.5 s each)', took: () => 500 },
    { name: 'passes of varying speed', took: (k: number) => [300, 2000, 50, 900][k % 4]! },
  ])('$name: in order per stream, one pass after another, each as long as the last took', ({ took }) => {
    const ps = passes(6, took);
    expect(ps).toHaveLength(6);
    const last = new Map<string, number>();
    for (const [k, p] of ps.entries()) {
      for (const [stream, t] of p.times) {
        expect(t).toBeGreaterThanOrEqual(last.get(stream) ?? -Infinity);
        last.set(stream, t);
      }
      const ts = p.times.map(([, t]) => t);
      const [lo, hi] = [Math.min(...ts), Math.max(...ts)];
      if (k > 0) {
        const prevHi = Math.max(...ps[k - 1]!.times.map(([, t]) => t));
        expect(lo).toBeGreaterThan(prevHi);
        // The corpus's minute squeezed into the last pass's time (its first and last
        // entries may sit a little inside the minute).
        expect(hi - lo).toBeLessThanOrEqual(took(k - 1));
        expect(hi - lo).toBeGreaterThan(took(k - 1) * 0.8);
      }
      // Never ahead of the clock: a pass's times lie before its own end.
      expect(hi).toBeLessThanOrEqual(p.startedAt + took(k));
    }
  });

  it('a pass slower than the minute starts no further behind the clock than the first', () => {
    const ps = passes(4, () => 150_000);
    const span = (p: (typeof ps)[number]) => Math.max(...p.times.map(([, t]) => t)) - Math.min(...p.times.map(([, t]) => t));
    expect(span(ps[0]!)).toBeGreaterThan(59_000);
    for (const p of ps.slice(1)) {
      const lo = Math.min(...p.times.map(([, t]) => t));
      expect(lo).toBeGreaterThanOrEqual(p.startedAt - span(ps[0]!) - 1);
    }
  });
});
