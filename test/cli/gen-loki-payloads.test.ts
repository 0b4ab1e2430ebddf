// Proves the bench's push encoder writes, for any shift, bodies that Cairn's own decoders
// read back as exactly the corpus: every entry once, in its stream, in time order, its time
// moved by the shift, its line byte for byte (protobuf + snappy and JSON); that requests
// are cut at the batch size in time order; and edge times (whole seconds, whole ms, time 0,
// seconds past 2^32) come out exact.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateCorpus, type Corpus } from '../../src/cli/bench/gen-log-corpus.js';
import { buildPayloads, PushEncoder, type PushFormat } from '../../src/cli/bench/gen-loki-payloads.js';
import { decodePushJson } from '../../src/ingest/loki/decode-json.js';
import { decodePushProto } from '../../src/ingest/loki/decode-proto.js';
import { snappyDecompress } from '../../src/ingest/remote-write/index.js';

/** Entries by stream selector text → "tNs line" in arrival order, across a pass's bodies. */
function received(bodies: readonly Buffer[], format: PushFormat): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const body of bodies) {
    const req = format === 'json' ? decodePushJson(body) : decodePushProto(snappyDecompress(body, 1 << 30));
    for (const s of req.streams) {
      const key = s.labels.map((l) => `${l.name}=${l.value}`).join(',');
      const list = out.get(key) ?? [];
      for (const e of s.entries) list.push(`${BigInt(e.tMs) * 1_000_000n + BigInt(e.tNs)} ${e.line}`);
      out.set(key, list);
    }
  }
  return out;
}

/** What `received` should give: the corpus's entries, times shifted. */
function expected(c: Corpus, shiftMs: number): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of c.streams) {
    const key = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',');
    out.set(key, s.entries.map((e) => `${BigInt(e.tsNs) + BigInt(shiftMs) * 1_000_000n} ${e.line}`));
  }
  return out;
}

const corpus = generateCorpus({ seed: 3, streams: 12, lines: 1500, startMs: 1_790_000_000_000, durationMs: 60_000 });

/** A hand-made corpus of edge times and lines. */
const edges: Corpus = {
  streams: [
    {
      labels: { app: 'a', pod: 'p "quoted" \\ 1' },
      format: 'logfmt',
      entries: [
        { tsNs: '0', line: 'at zero' },
        { tsNs: '999999', line: 'ns only' },
        { tsNs: '1000000000', line: 'one second exactly: nanos 0' },
        { tsNs: '1700000000000000000', line: 'whole second' },
        { tsNs: '1700000000001000000', line: 'whole ms' },
        { tsNs: '1700000000001000001', line: 'é ünïcode ✓ "quotes" \\ and\nnewline' },
        { tsNs: '5000000000000000000', line: 'seconds past 2^32' },
      ],
    },
    { labels: { app: 'b' }, format: 'json', entries: [{ tsNs: '1700000000000000000', line: '' }] },
  ],
  rawBytes: 0,
  lines: 8,
};

describe('PushEncoder', () => {
  it.each(['proto', 'json'] as const)('%s passes decode to the corpus shifted, for any shift (property)', (format) => {
    const enc = new PushEncoder(corpus, format, 8192);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (shiftMs) => {
        expect(received(enc.pass(shiftMs).map((b) => b.body), format)).toEqual(expected(corpus, shiftMs));
      }),
      { numRuns: 8 },
    );
  });

  it.each(['proto', 'json'] as const)('%s passes squeezed by a scale keep every line, in order, at the scaled times (property)', (format) => {
    const enc = new PushEncoder(corpus, format, 8192);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400_000 }), fc.double({ min: 0.001, max: 1, noNaN: true }), (shiftMs, scale) => {
        const got = received(enc.pass(shiftMs, scale).map((b) => b.body), format);
        const want = new Map<string, string[]>();
        for (const s of corpus.streams) {
          const key = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',');
          want.set(
            key,
            s.entries.map((e) => {
              const d = Math.floor(Number(BigInt(e.tsNs) - BigInt(enc.firstMs) * 1_000_000n) * scale);
              return `${BigInt(enc.firstMs + shiftMs) * 1_000_000n + BigInt(d)} ${e.line}`;
            }),
          );
        }
        expect(got).toEqual(want);
        for (const lines of got.values()) {
          const ts = lines.map((l) => BigInt(l.slice(0, l.indexOf(' '))));
          for (let i = 1; i < ts.length; i++) expect(ts[i]! >= ts[i - 1]!).toBe(true);
        }
      }),
      { numRuns: 8 },
    );
  });

  it.each(['proto', 'json'] as const)('%s: edge times and lines come out exact', (format) => {
    for (const shiftMs of [0, 1, 999, 1000]) {
      expect(received(new PushEncoder(edges, format).pass(shiftMs).map((b) => b.body), format)).toEqual(expected(edges, shiftMs));
    }
  });

  it('cuts requests at the batch size, in time order, counting lines and their bytes', () => {
    const p = buildPayloads(corpus, 'proto', 8192);
    expect(p.batches.length).toBeGreaterThan(20);
    expect(p.batches.reduce((n, b) => n + b.lines, 0)).toBe(corpus.lines);
    expect(p.batches.reduce((n, b) => n + b.rawBytes, 0)).toBe(corpus.rawBytes);
    for (const b of p.batches.slice(0, -1)) expect(b.rawBytes).toBeGreaterThanOrEqual(8192);
    // Each request's entries are no older than the previous request's.
    let newest = -1n;
    for (const body of p.bodies) {
      let oldest: bigint | undefined;
      let max = -1n;
      for (const s of decodePushProto(snappyDecompress(body, 1 << 30)).streams) {
        for (const e of s.entries) {
          const t = BigInt(e.tMs) * 1_000_000n + BigInt(e.tNs);
          if (oldest === undefined || t < oldest) oldest = t;
          if (t > max) max = t;
        }
      }
      expect(oldest! >= newest).toBe(true);
      newest = max;
    }
  });
});
