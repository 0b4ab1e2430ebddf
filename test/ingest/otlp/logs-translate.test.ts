// Proves that OTLP log requests become the Loki push streams Loki 3 makes of them: one row
// per OTLP shape, with the expected stream labels, lines, timestamps and structured metadata.
import { describe, expect, it } from 'vitest';
import type { Label } from '../../../src/model/labels.js';
import {
  DEFAULT_INDEX_LABEL_ATTRIBUTES,
  parseIndexLabelList,
  translateOtlpLogs,
  type OtlpLogsTranslateOptions,
} from '../../../src/ingest/otlp/logs-translate.js';
import { DEFAULT_SERVICE_NAME_LABELS } from '../../../src/ingest/loki-validate.js';
import { LIMIT_SPECS } from '../../../src/config/limits.js';
import type { AnyValue, ExportLogsServiceRequest, KeyValue, LogRecord, ResourceLogs, ScopeLogs } from '../../../src/ingest/otlp/types.js';

const NOW_MS = 1_700_000_000_000;
const T = 1_700_000_000_123_456_789n;

const s = (stringValue: string): AnyValue => ({ stringValue });
const kv = (key: string, value: AnyValue | string): KeyValue => ({ key, value: typeof value === 'string' ? s(value) : value });

function record(over: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: T,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: s('hello'),
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
    ...over,
  };
}

function scope(logRecords: LogRecord[], over: Partial<ScopeLogs['scope']> = {}): ScopeLogs {
  return { scope: { name: '', version: '', attributes: [], droppedAttributesCount: 0, ...over }, logRecords, schemaUrl: '' };
}

function resource(attributes: KeyValue[], scopeLogs: ScopeLogs[]): ResourceLogs {
  return { resource: { attributes, droppedAttributesCount: 0 }, scopeLogs, schemaUrl: '' };
}

const opts: OtlpLogsTranslateOptions = {
  indexLabels: new Set(DEFAULT_INDEX_LABEL_ATTRIBUTES),
  discoverServiceName: DEFAULT_SERVICE_NAME_LABELS,
  nowMs: () => NOW_MS,
};

const L = (o: Record<string, string>): Label[] => Object.entries(o).map(([name, value]) => ({ name, value }));

interface ExpectedStream {
  labels: Record<string, string>;
  entries: { tMs: number; tNs: number; line: string; metadata: Record<string, string> }[];
}

interface Row {
  name: string;
  req: ExportLogsServiceRequest;
  options?: Partial<OtlpLogsTranslateOptions>;
  expected: ExpectedStream[];
}

const SVC = [kv('service.name', 'checkout')];
const at = (line: string, metadata: Record<string, string>, tMs = 1_700_000_000_123, tNs = 456_789) => ({ tMs, tNs, line, metadata });

const rows: Row[] = [
  {
    name: 'service.name becomes service_name; a string body is the line; no severity → level from the line',
    req: { resourceLogs: [resource(SVC, [scope([record()])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { detected_level: 'unknown' })] }],
  },
  {
    name: 'default index attributes become labels (dots → underscores), others structured metadata',
    req: {
      resourceLogs: [
        resource(
          [
            kv('service.name', 'api'),
            kv('service.namespace', 'shop'),
            kv('deployment.environment', 'prod'),
            kv('k8s.pod.name', 'api-7d9'),
            kv('cloud.region', 'eu-west-1'),
            kv('host.name', 'node-3'),
            kv('process.pid', { intValue: 42n }),
          ],
          [scope([record()])],
        ),
      ],
    },
    expected: [
      {
        labels: { cloud_region: 'eu-west-1', deployment_environment: 'prod', k8s_pod_name: 'api-7d9', service_name: 'api', service_namespace: 'shop' },
        entries: [at('hello', { host_name: 'node-3', process_pid: '42', detected_level: 'unknown' })],
      },
    ],
  },
  {
    name: 'no service.name: the first index label in the discovery list gives service_name',
    req: { resourceLogs: [resource([kv('k8s.namespace.name', 'ns'), kv('k8s.container.name', 'web')], [scope([record()])])] },
    expected: [{ labels: { k8s_container_name: 'web', k8s_namespace_name: 'ns', service_name: 'web' }, entries: [at('hello', { detected_level: 'unknown' })] }],
  },
  {
    name: 'no service attribute at all: service_name="unknown_service"',
    req: { resourceLogs: [resource([kv('host.name', 'h')], [scope([record()])])] },
    expected: [{ labels: { service_name: 'unknown_service' }, entries: [at('hello', { host_name: 'h', detected_level: 'unknown' })] }],
  },
  {
    name: 'discovery off and no index attribute: a stream without labels (the ingester refuses it)',
    req: { resourceLogs: [resource([kv('host.name', 'h')], [scope([record()])])] },
    options: { discoverServiceName: [] },
    expected: [{ labels: {}, entries: [at('hello', { host_name: 'h', detected_level: 'unknown' })] }],
  },
  {
    name: 'every record field Loki keeps, in its order, then resource and scope metadata',
    req: {
      resourceLogs: [
        resource(
          [...SVC, kv('host.name', 'h')],
          [
            scope(
              [
                record({
                  attributes: [kv('http.method', 'GET'), kv('user.id', { intValue: 7n })],
                  observedTimeUnixNano: T + 5n,
                  severityNumber: 17,
                  severityText: 'ERROR',
                  droppedAttributesCount: 2,
                  flags: 1,
                  traceId: '0102030405060708090a0b0c0d0e0f10',
                  spanId: 'a1a2a3a4a5a6a7a8',
                  eventName: 'ignored',
                }),
              ],
              { name: 'io.opentelemetry.test', version: '1.2.3', attributes: [kv('lib.kind', 'web')], droppedAttributesCount: 1 },
            ),
          ],
        ),
      ],
    },
    expected: [
      {
        labels: { service_name: 'checkout' },
        entries: [
          at('hello', {
            http_method: 'GET',
            user_id: '7',
            observed_timestamp: String(T + 5n),
            severity_number: '17',
            severity_text: 'ERROR',
            dropped_attributes_count: '2',
            flags: '1',
            trace_id: '0102030405060708090a0b0c0d0e0f10',
            span_id: 'a1a2a3a4a5a6a7a8',
            host_name: 'h',
            lib_kind: 'web',
            scope_name: 'io.opentelemetry.test',
            scope_version: '1.2.3',
            scope_dropped_attributes_count: '1',
            detected_level: 'error',
          }),
        ],
      },
    ],
  },
  {
    name: 'all-zero trace and span ids are absent (pdata IsEmpty)',
    req: { resourceLogs: [resource(SVC, [scope([record({ traceId: '00000000000000000000000000000000', spanId: '0000000000000000' })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { detected_level: 'unknown' })] }],
  },
  {
    name: 'no time_unix_nano: observed time is the timestamp (and not repeated as metadata)',
    req: { resourceLogs: [resource(SVC, [scope([record({ timeUnixNano: 0n, observedTimeUnixNano: 1_600_000_000_000_000_001n })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { detected_level: 'unknown' }, 1_600_000_000_000, 1)] }],
  },
  {
    name: 'no timestamp at all: now',
    req: { resourceLogs: [resource(SVC, [scope([record({ timeUnixNano: 0n })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { detected_level: 'unknown' }, NOW_MS, 0)] }],
  },
  {
    name: 'severity_text is a level field: normalised into detected_level',
    req: { resourceLogs: [resource(SVC, [scope([record({ severityText: 'Warning', severityNumber: 9 })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { severity_number: '9', severity_text: 'Warning', detected_level: 'warn' })] }],
  },
  {
    name: 'severity_number alone decides the level (21 → fatal)',
    req: { resourceLogs: [resource(SVC, [scope([record({ severityNumber: 21, body: s('all info here') })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('all info here', { severity_number: '21', detected_level: 'fatal' })] }],
  },
  {
    name: 'a level log attribute wins over severity_text',
    req: { resourceLogs: [resource(SVC, [scope([record({ attributes: [kv('level', 'DBG')], severityText: 'ERROR' })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { level: 'DBG', severity_text: 'ERROR', detected_level: 'debug' })] }],
  },
  {
    name: 'a detected_level attribute is kept, normalised, and no second one added',
    req: { resourceLogs: [resource(SVC, [scope([record({ attributes: [kv('detected.level', 'ERR')] })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { detected_level: 'error' })] }],
  },
  {
    name: 'JSON body line without severity: level from its level field',
    req: { resourceLogs: [resource(SVC, [scope([record({ body: s('{"msg":"x","level":"warn"}') })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('{"msg":"x","level":"warn"}', { detected_level: 'warn' })] }],
  },
  {
    name: 'map body: JSON with sorted keys; map attribute flattened with _',
    req: {
      resourceLogs: [
        resource(SVC, [
          scope([
            record({
              body: { kvlistValue: { values: [kv('z', { intValue: 1n }), kv('a', { arrayValue: { values: [s('x'), { boolValue: true }, { doubleValue: 1.5 }, {}] } })] } },
              attributes: [kv('http', { kvlistValue: { values: [kv('request.method', 'POST'), kv('status', { intValue: 200n })] } })],
            }),
          ]),
        ]),
      ],
    },
    expected: [
      {
        labels: { service_name: 'checkout' },
        entries: [at('{"a":["x",true,1.5,null],"z":1}', { http_request_method: 'POST', http_status: '200', detected_level: 'unknown' })],
      },
    ],
  },
  {
    name: 'non-string bodies: int, double, bool, bytes, none',
    req: {
      resourceLogs: [
        resource(SVC, [
          scope([
            record({ body: { intValue: -12n } }),
            record({ body: { doubleValue: 1e21 } }),
            record({ body: { boolValue: false } }),
            record({ body: { bytesValue: new Uint8Array([1, 2, 3]) } }),
            record({ body: {} }),
          ]),
        ]),
      ],
    },
    expected: [
      {
        labels: { service_name: 'checkout' },
        entries: [
          at('-12', { detected_level: 'unknown' }),
          at('1e+21', { detected_level: 'unknown' }),
          at('false', { detected_level: 'unknown' }),
          at('AQID', { detected_level: 'unknown' }),
          at('', { detected_level: 'unknown' }),
        ],
      },
    ],
  },
  {
    name: 'two resources with the same labels share one stream; another gets its own',
    req: {
      resourceLogs: [
        resource([kv('service.name', 'a'), kv('host.name', 'h1')], [scope([record({ body: s('1') })])]),
        resource([kv('service.name', 'b')], [scope([record({ body: s('2') })])]),
        resource([kv('service.name', 'a'), kv('host.name', 'h2')], [scope([record({ body: s('3') })])]),
      ],
    },
    expected: [
      { labels: { service_name: 'a' }, entries: [at('1', { host_name: 'h1', detected_level: 'unknown' }), at('3', { host_name: 'h2', detected_level: 'unknown' })] },
      { labels: { service_name: 'b' }, entries: [at('2', { detected_level: 'unknown' })] },
    ],
  },
  {
    name: 'a tenant list replaces the default: host.name indexed, service.name metadata',
    req: { resourceLogs: [resource([kv('service.name', 'api'), kv('host.name', 'h')], [scope([record()])])] },
    options: { indexLabels: parseIndexLabelList(' host.name , ') },
    // service.name is present, so no service_name is discovered (Loki checks the attribute).
    expected: [{ labels: { host_name: 'h' }, entries: [at('hello', { service_name: 'api', detected_level: 'unknown' })] }],
  },
  {
    name: 'names Loki sanitises: leading digit, single underscore, non-ASCII',
    req: { resourceLogs: [resource(SVC, [scope([record({ attributes: [kv('1st', 'a'), kv('_x', 'b'), kv('__y', 'c'), kv('größe', 'd')] })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { key_1st: 'a', key_x: 'b', __y: 'c', gr__e: 'd', detected_level: 'unknown' })] }],
  },
  {
    name: 'a repeated metadata name keeps the last value at the first place',
    req: { resourceLogs: [resource([...SVC, kv('host.name', 'res')], [scope([record({ attributes: [kv('host.name', 'log')] })])])] },
    expected: [{ labels: { service_name: 'checkout' }, entries: [at('hello', { host_name: 'res', detected_level: 'unknown' })] }],
  },
  {
    name: 'scopes without records add no stream; an empty request has no streams',
    req: { resourceLogs: [resource(SVC, [scope([])])] },
    expected: [],
  },
];

describe('translateOtlpLogs', () => {
  it.each(rows)('$name', ({ req, options, expected }) => {
    const got = translateOtlpLogs(req, { ...opts, ...options });
    const simplified = got.streams.map((st) => ({
      labels: Object.fromEntries(st.labels.map((l) => [l.name, l.value])),
      entries: st.entries.map((e) => ({ tMs: e.tMs, tNs: e.tNs, line: e.line, metadata: Object.fromEntries(e.metadata.map((m) => [m.name, m.value])) })),
    }));
    expect(simplified).toEqual(expected);
    // Metadata order is Loki's too, not only its content.
    for (let i = 0; i < expected.length; i++) {
      for (let j = 0; j < expected[i]!.entries.length; j++) {
        expect(got.streams[i]!.entries[j]!.metadata.map((m) => m.name)).toEqual(Object.keys(expected[i]!.entries[j]!.metadata));
      }
      expect(got.streams[i]!.labels).toEqual(L(expected[i]!.labels).sort((a, b) => (a.name < b.name ? -1 : 1)));
    }
  });

  it('gives streams of different label lists different texts', () => {
    const got = translateOtlpLogs(
      { resourceLogs: [resource([kv('service.name', 'a", b="c')], [scope([record()])]), resource([kv('service.name', 'a'), kv('k8s.pod.name', 'c')], [scope([record()])])] },
      opts,
    );
    expect(new Set(got.streams.map((st) => st.labelsText)).size).toBe(2);
  });

  it('has the config default of limits.otlp_resource_attributes_as_index_labels as its list', () => {
    const spec = LIMIT_SPECS.find((l) => l.key === 'otlp_resource_attributes_as_index_labels')!;
    expect([...parseIndexLabelList(String(spec.default))]).toEqual(DEFAULT_INDEX_LABEL_ATTRIBUTES);
  });
});
