// Proves the OTLP decoders agree with the wire: protobuf (encoded by protobufjs from
// proto/otlp/) and OTLP-JSON give the same plain objects, bodies decompress under the
// limit, bad types and encodings get Mimir's 415 texts, and no body crashes a decoder.
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compress as lz4Compress } from 'lz4js';
import { describe, expect, it } from 'vitest';
import { zstdCompress } from '../../../src/logstore/chunk/zstd.js';
import { decodeLogsRequest, decodeMetricsRequest, decompressOtlpBody, otlpEncodingOf, otlpFormatOf } from '../../../src/ingest/otlp/decode.js';
import { anyValueAsString } from '../../../src/ingest/otlp/any-value.js';
import type { AnyValue, ExportLogsServiceRequest, ExportMetricsServiceRequest } from '../../../src/ingest/otlp/types.js';
import { CairnError } from '../../../src/util/errors.js';
import { applyEdits, byteEdits } from '../../helpers/byte-edits.js';
import { attr, histogramPoint, logsProto, LogsRequestType, metric, metricsProto, MetricsRequestType, metricsRequest, numberPoint, otlpJson, resourceMetrics, summaryPoint } from './fixtures.js';

const T = 1_780_000_000_123_456_789n;

const everyValue: AnyValue[] = [
  { stringValue: 'héllo' },
  { boolValue: true },
  { intValue: -9_007_199_254_740_993n },
  { doubleValue: 1.5 },
  { bytesValue: Uint8Array.from([0, 1, 254]) },
  { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2n }] } },
  { kvlistValue: { values: [{ key: 'k', value: { boolValue: false } }] } },
  {},
];

const metricsFixture: ExportMetricsServiceRequest = metricsRequest(
  resourceMetrics(
    [attr('service.name', 'api'), ...everyValue.map((value, i) => ({ key: `v${i}`, value }))],
    [
      metric({ name: 'g', description: 'a gauge', unit: 'By', gauge: { dataPoints: [numberPoint({ timeUnixNano: T, asDouble: 0.25, attributes: [attr('a', 'b')], flags: 1 })] } }),
      metric({
        name: 's',
        sum: {
          aggregationTemporality: 2,
          isMonotonic: true,
          dataPoints: [
            numberPoint({
              timeUnixNano: T,
              startTimeUnixNano: T - 1000n,
              asInt: 18_446_744_073n,
              exemplars: [{ filteredAttributes: [attr('x', 'y')], timeUnixNano: T, asDouble: 3, spanId: '0102030405060708', traceId: '0102030405060708090a0b0c0d0e0f10' }],
            }),
          ],
        },
      }),
      metric({ name: 'h', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ timeUnixNano: T, count: 6, sum: 10.5, bucketCounts: [1, 2, 3], explicitBounds: [0.1, 1], min: 0.01, max: 9 })] } }),
      metric({
        name: 'e',
        exponentialHistogram: {
          aggregationTemporality: 1,
          dataPoints: [
            {
              attributes: [],
              startTimeUnixNano: 0n,
              timeUnixNano: T,
              count: 3,
              sum: 2,
              scale: -3,
              zeroCount: 1,
              positive: { offset: -2, bucketCounts: [1, 1] },
              negative: { offset: 0, bucketCounts: [] },
              flags: 0,
              exemplars: [],
              zeroThreshold: 1e-9,
            },
          ],
        },
      }),
      metric({ name: 'q', summary: { dataPoints: [summaryPoint({ timeUnixNano: T, count: 4, sum: 8, quantileValues: [{ quantile: 0.5, value: 2 }, { quantile: 0.99, value: 4 }] })] } }),
    ],
  ),
);

const logsFixture: ExportLogsServiceRequest = {
  resourceLogs: [
    {
      resource: { attributes: [attr('service.name', 'api')], droppedAttributesCount: 2 },
      schemaUrl: 'https://opentelemetry.io/schemas/1.0.0',
      scopeLogs: [
        {
          scope: { name: 'lib', version: '1.2', attributes: [attr('s', 't')], droppedAttributesCount: 0 },
          schemaUrl: '',
          logRecords: [
            {
              timeUnixNano: T,
              observedTimeUnixNano: T + 5n,
              severityNumber: 17,
              severityText: 'ERROR',
              body: { kvlistValue: { values: [{ key: 'msg', value: { stringValue: 'boom' } }] } },
              attributes: [attr('user', 'u1'), { key: 'n', value: { intValue: 7n } }],
              droppedAttributesCount: 0,
              flags: 1,
              traceId: '0102030405060708090a0b0c0d0e0f10',
              spanId: '0102030405060708',
              eventName: 'ev',
            },
          ],
        },
      ],
    },
  ],
};

describe('protobuf and OTLP-JSON decode to the same plain objects', () => {
  it('metrics: every data type, every AnyValue kind, exemplars, flags', () => {
    expect(decodeMetricsRequest(metricsProto(metricsFixture), 'protobuf')).toEqual(metricsFixture);
    expect(decodeMetricsRequest(otlpJson(metricsFixture), 'json')).toEqual(metricsFixture);
  });

  it('logs: every LogRecord field', () => {
    expect(decodeLogsRequest(logsProto(logsFixture), 'protobuf')).toEqual(logsFixture);
    expect(decodeLogsRequest(otlpJson(logsFixture), 'json')).toEqual(logsFixture);
  });

  it('OTLP-JSON as protojson also writes it: snake_case keys, enum names, numbers for int64, NaN strings', () => {
    const body = JSON.stringify({
      resource_metrics: [
        {
          scope_metrics: [
            {
              metrics: [
                { name: 's', sum: { aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE', is_monotonic: true, data_points: [{ time_unix_nano: 5, as_double: 'NaN' }] } },
              ],
            },
          ],
        },
      ],
    });
    const got = decodeMetricsRequest(Buffer.from(body), 'json');
    const sum = got.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum!;
    expect(sum.aggregationTemporality).toBe(2);
    expect(sum.isMonotonic).toBe(true);
    expect(sum.dataPoints[0]!.timeUnixNano).toBe(5n);
    expect(sum.dataPoints[0]!.asDouble).toBeNaN();
  });
});

describe('malformed bodies are 400s naming the problem', () => {
  it.each([
    { name: 'truncated length', format: 'protobuf' as const, body: Uint8Array.from([0x0a, 0x05, 0x01]), error: /past the end/ },
    { name: 'field number 0', format: 'protobuf' as const, body: Uint8Array.from([0x00]), error: /invalid field number 0/ },
    { name: 'wire type 7', format: 'protobuf' as const, body: Uint8Array.from([0x0f]), error: /invalid wire type 7/ },
    { name: 'resource_metrics as varint', format: 'protobuf' as const, body: Uint8Array.from([0x08, 0x01]), error: /resource_metrics \(1\) has wire type 0/ },
    { name: 'not JSON', format: 'json' as const, body: Buffer.from('{'), error: /failed to decode the OTLP JSON request/ },
    { name: 'JSON array root', format: 'json' as const, body: Buffer.from('[]'), error: /must be a JSON object/ },
    { name: 'resourceMetrics not an array', format: 'json' as const, body: Buffer.from('{"resourceMetrics":{}}'), error: /request.resourceMetrics must be an array/ },
    { name: 'timeUnixNano not an integer', format: 'json' as const, body: Buffer.from('{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":{"dataPoints":[{"timeUnixNano":"1.5"}]}}]}]}]}'), error: /timeUnixNano must be an integer/ },
    { name: 'bad trace id', format: 'json' as const, body: Buffer.from('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"xyz"}]}]}]}'), error: /traceId must be a hex string/, logs: true },
  ])('$name', ({ format, body, error, logs }) => {
    const run = () => (logs ? decodeLogsRequest(body, format) : decodeMetricsRequest(body, format));
    expect(run).toThrow(error);
    try {
      run();
    } catch (err) {
      expect(err).toBeInstanceOf(CairnError);
      expect((err as CairnError).kind).toBe('bad_data');
    }
  });

  it('nesting deeper than the limit is refused, not a stack overflow', () => {
    let v = '{"stringValue":"x"}';
    for (let i = 0; i < 200; i++) v = `{"arrayValue":{"values":[${v}]}}`;
    const body = Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${v}}]}]}]}`);
    expect(() => decodeLogsRequest(body, 'json')).toThrow(/nested deeper/);
  });
});

describe('property: no body makes a decoder throw anything but a 400', () => {
  const check = (run: () => unknown) => {
    try {
      run();
    } catch (err) {
      if (!(err instanceof CairnError) || err.kind !== 'bad_data') throw err;
    }
  };
  const valid = metricsProto(metricsFixture);
  it('random and mutated protobuf', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), (noise, seed) => {
        check(() => decodeMetricsRequest(noise, 'protobuf'));
        check(() => decodeLogsRequest(noise, 'protobuf'));
        const mutated = Uint8Array.from(valid);
        for (let i = 0; i < noise.length && i < 8; i++) mutated[(seed + noise[i]! * 7 + i) % mutated.length] = noise[i]!;
        check(() => decodeMetricsRequest(mutated, 'protobuf'));
        check(() => decodeMetricsRequest(mutated.subarray(0, seed % mutated.length), 'protobuf'));
      }),
      { seed: 42, numRuns: 500 },
    );
  });
  it('random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const wrapped = { resourceMetrics: [{ scopeMetrics: [{ metrics: [v] }] }], resourceLogs: [{ scopeLogs: [{ logRecords: [v] }] }] };
        check(() => decodeMetricsRequest(Buffer.from(JSON.stringify(wrapped)), 'json'));
        check(() => decodeLogsRequest(Buffer.from(JSON.stringify(wrapped)), 'json'));
        check(() => decodeMetricsRequest(Buffer.from(JSON.stringify(v)), 'json'));
      }),
      { seed: 7, numRuns: 500 },
    );
  });
  it('random bytes under every encoding are a 400 or a 413', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.constantFrom('gzip' as const, 'zstd' as const, 'lz4' as const), async (bytes, enc) => {
        try {
          await decompressOtlpBody(bytes, enc, 1 << 16);
        } catch (err) {
          if (!(err instanceof CairnError) || (err.kind !== 'bad_data' && err.kind !== 'too_large')) throw err;
        }
      }),
      { seed: 3, numRuns: 300 },
    );
  });
});

describe('content types and encodings', () => {
  it.each([
    ['application/x-protobuf', 'protobuf'],
    ['application/json', 'json'],
    ['application/json; charset=utf-8', 'json'],
  ])('%s is %s', (ct, format) => expect(otlpFormatOf(ct)).toBe(format));

  it('other content types: Mimir’s 415', () => {
    expect(() => otlpFormatOf('text/plain')).toThrow('unsupported content type: text/plain, supported: [application/json, application/x-protobuf]');
  });

  it('other encodings: Mimir’s 415', () => {
    expect(() => otlpEncodingOf('br')).toThrow('unsupported compression: br. Only "gzip", "lz4", "zstd", or no compression supported');
  });

  const raw = metricsProto(metricsFixture);
  it.each([
    ['gzip', gzipSync(raw)],
    ['zstd', zstdCompress(raw, 3)],
    ['lz4', lz4Compress(raw)],
    ['', raw],
  ] as const)('%s round-trips', async (enc, body) => {
    const out = await decompressOtlpBody(body, enc, 1 << 20);
    expect(Buffer.from(out).equals(Buffer.from(raw))).toBe(true);
  });

  it.each(['gzip', 'zstd', 'lz4', ''] as const)('%s over the limit is a 413', async (enc) => {
    const big = new Uint8Array(50_000).fill(1);
    const body = enc === 'gzip' ? gzipSync(big) : enc === 'zstd' ? zstdCompress(big, 3) : enc === 'lz4' ? lz4Compress(big) : big;
    await expect(decompressOtlpBody(body, enc, 10_000)).rejects.toMatchObject({ kind: 'too_large' });
  });

  // A zstd stream may hold several frames (a streaming compressor flushing): their contents concatenate.
  const frames = (...parts: Uint8Array[]): Uint8Array => Buffer.concat(parts.map((p) => zstdCompress(p, 3)));
  it('zstd: a body of several frames round-trips', async () => {
    const cut = raw.length >> 1;
    const out = await decompressOtlpBody(frames(raw.subarray(0, cut), raw.subarray(cut)), 'zstd', 1 << 20);
    expect(Buffer.from(out).equals(Buffer.from(raw))).toBe(true);
  });

  it('zstd: frames whose sizes add up past the limit are a 413 before decompressing', async () => {
    const part = new Uint8Array(6_000).fill(2);
    await expect(decompressOtlpBody(frames(part, part), 'zstd', 10_000)).rejects.toMatchObject({ kind: 'too_large', message: expect.stringContaining('12000') });
  });
});

describe('AnyValue as string (pdata AsString)', () => {
  it.each([
    [{ stringValue: 'x' }, 'x'],
    [{ boolValue: false }, 'false'],
    [{ intValue: -5n }, '-5'],
    [{ doubleValue: 1e21 }, '1e+21'],
    [{ doubleValue: 1.5 }, '1.5'],
    [{ bytesValue: Uint8Array.from([255, 0]) }, '/wA='],
    [{ arrayValue: { values: [{ stringValue: '<a>' }, { intValue: 1n }] } }, '["\\u003ca\\u003e",1]'],
    [{ kvlistValue: { values: [{ key: 'b', value: { intValue: 1n } }, { key: 'a', value: {} }] } }, '{"a":null,"b":1}'],
    [{}, ''],
  ] as [AnyValue, string][])('case %# → %s', (v, s) => expect(anyValueAsString(v)).toBe(s));
});

// Mutated bodies, decoded by the hand decoder and by protobufjs: whenever Cairn accepts
// one, protobufjs (which, like the Go decoders Mimir and the Collector use, refuses a
// truncated field, a length past its message or a malformed sub-message) must accept it
// too and read the same request. Compared through protobufjs on both sides: Cairn's result
// is encoded again and both are read back as canonical objects with defaults dropped.
describe('mutated protobuf against protobufjs', () => {
  type Pb = typeof MetricsRequestType;
  const canonical = (type: Pb, bytes: Uint8Array): unknown => dropDefaults(type.toObject(type.decode(bytes), { longs: String, bytes: String, enums: Number }));
  // 64-bit counts are JS numbers in Cairn's requests by design (types.ts): exact to 2^53.
  const COUNTS = new Set(['count', 'zeroCount', 'bucketCounts']);
  const asDouble = (x: unknown): unknown => (Array.isArray(x) ? x.map(asDouble) : typeof x === 'string' ? String(Number(x)) : x);
  function dropDefaults(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(dropDefaults);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const d = dropDefaults(COUNTS.has(k) ? asDouble(x) : x);
        if (d === 0 || d === '0' || d === '' || d === false || (Array.isArray(d) && d.length === 0) || (d !== null && typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length === 0)) continue;
        out[k] = d;
      }
      return out;
    }
    return v;
  }
  const edits = byteEdits(['flip', 'flip', 'flip', 'delete', 'insert']);
  const cases = [
    { name: 'metrics', type: MetricsRequestType, valid: metricsProto(metricsFixture), decode: (b: Uint8Array) => decodeMetricsRequest(b, 'protobuf'), encode: (r: unknown) => metricsProto(r as ExportMetricsServiceRequest) },
    { name: 'logs', type: LogsRequestType, valid: logsProto(logsFixture), decode: (b: Uint8Array) => decodeLogsRequest(b, 'protobuf'), encode: (r: unknown) => logsProto(r as ExportLogsServiceRequest) },
  ];
  it.each(cases)('$name: what Cairn accepts, protobufjs reads the same', ({ type, valid, decode, encode }) => {
    let accepted = 0;
    fc.assert(
      fc.property(edits, (chosen) => {
        const input = applyEdits(valid, chosen);
        let ours: unknown;
        try {
          ours = decode(input);
        } catch (e) {
          expect(e).toBeInstanceOf(CairnError);
          return;
        }
        accepted++;
        let reference: unknown;
        try {
          reference = canonical(type, input);
        } catch (e) {
          // protobufjs refuses invalid UTF-8 in any string; the Go decoders (gogo, pdata) pass
          // it through, and so does Cairn (U+FFFD in what it reads, nothing in what it skips).
          if ((e as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return;
          throw e;
        }
        expect(canonical(type, encode(ours))).toEqual(reference);
      }),
      { numRuns: 3000 },
    );
    expect(accepted).toBeGreaterThan(300);
  });
});
