// Proves that tokenizing a log chunk is lossless for any chunk (the JavaScript and the
// native untokenizer agree byte for byte), that timestamps, hex runs and time units
// become tokens where they should and stay text where printing them back could differ,
// and that malformed tokenized data is refused with corrupt_chunk.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEntries, readChunkHeader } from '../../../src/logstore/chunk/chunk-format.js';
import { PLAIN, TOKENS, tokenCuts, tokenizeChunk as tokenizeEither, tokenizeChunkJs, untokenizeChunk, untokenizeChunkJs, untokenizedSize } from '../../../src/logstore/chunk/line-tokens.js';
import { native } from '../../../src/util/native.js';
import { entriesArb, entry } from './fixtures.js';

const T0 = Date.UTC(2026, 11, 2, 6, 15, 54, 486); // 2026-12-02T06:15:54.486Z

/** Both tokenizers' output for `raw`, checked equal. */
function tokenizeChunk(raw: Uint8Array): Uint8Array {
  const js = tokenizeChunkJs(raw);
  if (native !== undefined) expect(Buffer.from(tokenizeEither(raw)).equals(Buffer.from(js))).toBe(true);
  return js;
}

/** Both untokenizers' output for `tok`, checked equal; the chunk. */
function untokenize(tok: Uint8Array): Uint8Array {
  const out = new Uint8Array(untokenizedSize(tok));
  expect(untokenizeChunkJs(tok, out)).toBe(out.length);
  if (native !== undefined) {
    const nat = new Uint8Array(out.length);
    expect(native.untokenizeChunk(tok, nat, true)).toBe(out.length);
    expect(Buffer.from(nat).equals(out)).toBe(true);
  }
  return out;
}

/** The tokenized text of a chunk (the part between the columns and the ids), as latin1 with escapes visible. */
function textOf(tok: Uint8Array): { text: string; ids: Buffer } {
  const [textAt, idsAt] = tokenCuts(tok);
  return { text: Buffer.from(tok.subarray(textAt, idsAt)).toString('latin1'), ids: Buffer.from(tok.subarray(idsAt)) };
}

if (native === undefined) console.log('line-tokens: the native addon is not built; only the JavaScript tokenizer and untokenizer are tested');

describe('line tokens', () => {
  // [line, entry ms, entry ns within ms, what the tokenized text must hold (a regex over latin1), ids bytes (hex)]
  const cases: [string, number, number, RegExp, string][] = [
    ['{"ts":"2026-12-02T06:15:54.486910Z","msg":"x"}', T0, 910_000, /^\{"ts":"\xff\x03\x60\x00Z","msg":"x"\}$/, ''],
    ['level=info ts=2026-12-02T06:15:54.486910123Z caller=a.go', T0, 910_123, /^level=info ts=\xff\x03\x90\x00Z caller=a\.go$/, ''],
    ['2026-12-02 06:15:54,486  INFO 1 --- [main] c.e.App : started', T0, 0, /^\xff\x03\x39\x00  INFO 1/, ''],
    ['2026/12/02 06:15:54 http: TLS handshake error', T0, 0, /^\xff\x03\x03\x00 http: TLS/, ''],
    ['2026/12/02 06:15:54.486910 main.go:12: started', T0, 910_000, /^\xff\x03\x63\x00 main\.go/, ''],
    ['I1202 06:15:54.486910    1 controller.go:123] synced', T0, 910_000, /^I\xff\x03\x64\x00    1 controller/, ''],
    ['E1202 06:15:54.486910 x', T0, 910_000, /^E\xff\x03\x64\x00 x$/, ''],
    ['Dec  2 06:15:54 host sshd[42]: Accepted', T0, 0, /^\xff\x03\x05\x00 host sshd/, ''],
    ['Dec 12 06:15:54 host', T0 + 10 * 86_400_000, 0, /^\xff\x03\x05\x00 host$/, ''],
    // A year-less date nearest the entry: 31 December of the year before a 1 January entry.
    ['Dec 31 23:59:59 host', Date.UTC(2027, 0, 1, 0, 0, 1), 0, /^\xff\x03\x05\x03 host$/, ''],
    // klog only after a line's first letter; a zero-padded syslog day is not syslog's.
    ['xI1202 06:15:54.486910 x', T0, 0, /^xI1202 06:15:54\.486910 x$/, ''],
    ['Dec 02 06:15:54 host', T0, 0, /^Dec 02 06:15:54 host$/, ''],
    ['10.2.230.168 - - [02/Dec/2026:06:15:54 +0000] "GET / HTTP/1.1" 200', T0, 0, /^10\.2\.230\.168 - - \[\xff\x03\x02\x00 \+0000\]/, ''],
    // One second after the entry, in ms: d = 1000, zigzag 2000 = d0 0f.
    ['[2026-12-02T06:15:55.486Z] INFO', T0, 0, /^\[\xff\x03\x30\xd0\x0fZ\] INFO$/, ''],
    // Leap second, 30 February, before 1970, far from the entry, no digits after the dot: text.
    ['at 2026-12-02T23:59:60Z', T0, 0, /^at 2026-12-02T23:59:60Z$/, ''],
    ['at 2026-02-30T10:00:00Z', T0, 0, /^at 2026-02-30T10:00:00Z$/, ''],
    ['at 1969-12-31T23:59:59Z', T0, 0, /^at 1969-12-31T23:59:59Z$/, ''],
    ['at 2020-01-01T00:00:00Z', T0, 0, /^at 2020-01-01T00:00:00Z$/, ''],
    ['at 2026-12-02T06:15:54.Z', T0, 0, /^at \xff\x03\x00\x00\.Z$/, ''],
    // Hex: lower, upper, "0x", odd length (last character stays), too short, mid-word.
    ['trace_id=5ee11acdc193980d653e90f33133d913 ok', T0, 0, /^trace_id=\xff\x01\x10 ok$/, '5ee11acdc193980d653e90f33133d913'],
    ['id=DEADBEEF01 x', T0, 0, /^id=\xff\x02\x05 x$/, 'deadbeef01'],
    ['fp=0x7f3e65c8bb5dff83', T0, 0, /^fp=0x\xff\x01\x08$/, '7f3e65c8bb5dff83'],
    ['n=123456789', T0, 0, /^n=\xff\x01\x049$/, '12345678'],
    ['short cafe123 x', T0, 0, /^short cafe123 x$/, ''],
    ['user_xdeadbeefcafe', T0, 0, /^user_xdeadbeefcafe$/, ''],
    // 0xFF in a line (not UTF-8) is escaped.
    ['\u00ff', T0, 0, /^\xc3\xbf$/, ''],
  ];

  it.each(cases)('%s', (line, tMs, tNs, text, ids) => {
    const chunk = encodeEntries([entry(tMs, tNs, line)]);
    const tok = tokenizeChunk(chunk);
    expect(tok[0]).toBe(TOKENS);
    const got = textOf(tok);
    expect(got.text).toMatch(text);
    expect(got.ids.toString('hex')).toBe(ids);
    expect(Buffer.from(untokenize(tok)).equals(Buffer.from(chunk))).toBe(true);
  });

  it('escapes a raw 0xFF byte and untokenizes it', () => {
    const chunk = encodeEntries([entry(T0, 0, 'x')]);
    const h = readChunkHeader(chunk);
    chunk[h.lineStart] = 0xff;
    const tok = tokenizeChunk(chunk);
    expect(textOf(tok).text).toBe('\xff\x00');
    expect(Buffer.from(untokenize(tok)).equals(Buffer.from(chunk))).toBe(true);
  });

  it.each([
    { name: 'ns', step: 1.234567, exp: 0 },
    { name: 'µs', step: 1.5, exp: 3 },
    { name: 'ms', step: 7, exp: 6 },
    { name: 's', step: 2000, exp: 9 },
  ])('divides time deltas by their unit ($name)', ({ step, exp }) => {
    const chunk = encodeEntries(Array.from({ length: 50 }, (_, i) => {
      const ns = Math.round(i * step * 1e6);
      return entry(T0 - (T0 % 1000) + Math.floor(ns / 1e6), ns % 1e6, `line ${i}`);
    }));
    const tok = tokenizeChunk(chunk);
    const [colsEnd] = tokenCuts(tok);
    // mode, uvarint(text bytes) (2 bytes here), uvarint(id bytes), the unit
    expect(tok[1]).toBeGreaterThanOrEqual(0x80);
    expect(tok[4]).toBe(exp);
    const h = readChunkHeader(chunk);
    if (exp > 0) expect(colsEnd! - 5).toBeLessThan(h.lineStart);
    expect(Buffer.from(untokenize(tok)).equals(Buffer.from(chunk))).toBe(true);
  });

  /** Log-like lines: timestamps near the entry's time in every format, hex runs, 0xFF, any text. */
  const logLine = (tMs: number) =>
    fc
      .array(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 12 }),
          fc.tuple(fc.integer({ min: -5_000_000_000, max: 5_000_000_000 }), fc.integer({ min: 0, max: 999_999 }), fc.integer({ min: 0, max: 8 })).map(([dMs, ns, f]) => {
            const iso = new Date(Math.max(0, tMs + dMs)).toISOString();
            const frac = String(ns).padStart(6, '0');
            const d = new Date(Math.max(0, tMs + dMs));
            const clf = `${String(d.getUTCDate()).padStart(2, '0')}/${'JanFebMarAprMayJunJulAugSepOctNovDec'.slice(d.getUTCMonth() * 3, d.getUTCMonth() * 3 + 3)}/${d.getUTCFullYear()}:${iso.slice(11, 19)}`;
            const mon = 'JanFebMarAprMayJunJulAugSepOctNovDec'.slice(d.getUTCMonth() * 3, d.getUTCMonth() * 3 + 3);
            const mmdd = `${iso.slice(5, 7)}${iso.slice(8, 10)}`;
            return [
              iso,
              `${iso.slice(0, 19)}.${frac}123Z`,
              `${iso.slice(0, 10)} ${iso.slice(11, 19)},${frac.slice(0, 3)}`,
              clf,
              iso.slice(0, 19),
              `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)} ${iso.slice(11, 19)}.${frac}`,
              `I${mmdd} ${iso.slice(11, 19)}.${frac}`,
              `${mon} ${String(d.getUTCDate()).padStart(2, ' ')} ${iso.slice(11, 19)}`,
              `${mon} ${String(d.getUTCDate()).padStart(2, '0')} ${iso.slice(11, 19)}`,
            ][f]!;
          }),
          fc.stringMatching(/^[0-9a-f]{1,40}$/),
          fc.stringMatching(/^[0-9A-F]{1,40}$/),
          fc.constantFrom(' ', '=', '"', '0x', '_', 'ÿ', '\n'),
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join(''));

  it('round-trips log-like chunks exactly, JavaScript and native alike (property)', () => {
    const arb = fc
      .array(fc.tuple(fc.integer({ min: T0, max: T0 + 600_000 }), fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999_999 }))), { minLength: 1, maxLength: 40 })
      .chain((times) => {
        times.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        return fc.tuple(...times.map(([tMs, tNs]) => logLine(tMs).map((line) => entry(tMs, tNs, line))));
      });
    fc.assert(
      fc.property(arb, (entries) => {
        const chunk = encodeEntries(entries);
        const tok = tokenizeChunk(chunk);
        expect(Buffer.from(untokenize(tok)).equals(Buffer.from(chunk))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips any chunk, with metadata, any Unicode and times split over months (property)', () => {
    fc.assert(
      fc.property(fc.oneof(entriesArb(), entriesArb({ spanMs: 200 * 86_400_000 })), (entries) => {
        const chunk = encodeEntries(entries);
        expect(Buffer.from(untokenize(tokenizeChunk(chunk))).equals(Buffer.from(chunk))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps bytes that are not a chunk as they are', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const tok = tokenizeChunk(bytes);
        if (tok[0] === PLAIN) expect(Buffer.from(tok.subarray(1)).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(untokenize(tok)).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('writes the columns alone without reading the text or the ids (property)', () => {
    fc.assert(
      fc.property(entriesArb(), (entries) => {
        const chunk = encodeEntries(entries);
        const h = readChunkHeader(chunk);
        const tok = tokenizeChunk(chunk);
        const [textAt] = tokenCuts(tok);
        if (textAt !== undefined) tok.fill(0xff, textAt);
        for (const f of native === undefined ? [untokenizeChunkJs] : [untokenizeChunkJs, untokenizeChunk]) {
          const out = new Uint8Array(chunk.length);
          expect(f(tok, out, false)).toBe(chunk.length);
          if (textAt !== undefined) expect(Buffer.from(out.subarray(0, h.lineStart)).equals(Buffer.from(chunk.subarray(0, h.lineStart)))).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('asks for a bigger buffer rather than writing past a small one', () => {
    const chunk = encodeEntries([entry(T0, 0, '{"ts":"2026-12-02T06:15:54.486Z"}')]);
    const tok = tokenizeChunk(chunk);
    const small = new Uint8Array(chunk.length - 1);
    expect(untokenizeChunkJs(tok, small)).toBe(-chunk.length);
    if (native !== undefined) expect(native.untokenizeChunk(tok, small, true)).toBe(-chunk.length);
  });

  describe('refuses malformed data with corrupt_chunk', () => {
    const chunk = encodeEntries([entry(T0, 0, 'a 2026-12-02T06:15:54.486Z b deadbeefdeadbeef'), entry(T0 + 1, 0, 'c')]);
    const tok = tokenizeChunk(chunk);
    const [textAt, idsAt] = tokenCuts(tok) as [number, number];
    const edit = (f: (b: Uint8Array) => Uint8Array) => f(Uint8Array.from(tok));
    const textIndex = (s: string) => Buffer.from(tok.subarray(textAt, idsAt)).indexOf(Buffer.from(s, 'latin1')) + textAt;
    const cases: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['an unknown mode', edit((b) => ((b[0] = 7), b))],
      ['an unknown token kind', edit((b) => ((b[textIndex('\xff\x03') + 1] = 9), b))],
      ['a timestamp format with a fourth layout', edit((b) => ((b[textIndex('\xff\x03') + 2] = 3), b))],
      ['a hex token past the ids', edit((b) => ((b[textIndex('\xff\x01') + 2] = 200), b))],
      ['text cut short', Uint8Array.from([...tok.subarray(0, idsAt - 1), ...tok.subarray(idsAt)])],
      ['ids cut short', tok.subarray(0, tok.length - 1)],
      ['an escape at the end', Uint8Array.from([...tok.subarray(0, idsAt), 0xff, ...tok.subarray(idsAt)])],
    ];
    it.each(cases)('%s', (_name, bad) => {
      const out = new Uint8Array(4096);
      expect(() => untokenizeChunkJs(bad, out)).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
      expect(() => untokenizeChunk(bad, out)).toThrow(expect.objectContaining({ reason: 'corrupt_chunk' }));
    });

    it('never writes past the output or crashes on flipped bytes (property)', () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: tok.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
          const bad = Uint8Array.from(tok);
          bad[at]! ^= x;
          const out = new Uint8Array(chunk.length + 64);
          for (const f of [untokenizeChunkJs, untokenizeChunk]) {
            try {
              const n = f(bad, out);
              expect(n).toBeLessThanOrEqual(out.length);
            } catch (e) {
              expect(e).toMatchObject({ reason: 'corrupt_chunk' });
            }
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});
