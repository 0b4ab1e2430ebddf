/**
 * The straightforward remote-write decoder: protobufjs reflection over the `.proto` files
 * in `proto/`, mapped to the plain types of `types.ts`. It is the oracle the fast scanner
 * (`decode-fast.ts`) is tested against, and the baseline of the benchmark; it is not the
 * ingest hot path.
 *
 * Why load the `.proto` text (at module init) rather than a JSON descriptor or generated
 * code: the `.proto` files are then the single source of truth, with nothing generated to
 * drift from them, and parsing two small files costs a few milliseconds once.
 * The files are found from the package root (`packageInfo().root`, the directory holding
 * cairn's package.json), which is right both for `src/` under tsx/vitest and for the
 * compiled `dist/src/...` (the package ships `proto/` beside `dist/`).
 *
 * Importing this module loads protobufjs (~30 ms) and parses the protos; code that only
 * needs the ingest path and cares about start-up time can import `decode-fast.js` and
 * `snappy.js` directly instead of `index.js`.
 *
 * Differences from the fast decoder, on invalid input only: protobufjs 8 treats a known
 * field sent with the wrong wire type as an unknown field and skips it, where the fast
 * decoder refuses it (as Mimir's gogo code does); and it verifies UTF-8 in proto3 strings
 * and refuses the whole body, where the fast decoder decodes with U+FFFD and reports the
 * labels (`labelsUtf8Invalid`) so that validation can refuse only that series, as Mimir
 * does. Both raise `bad_data`/`protobuf_invalid` for truncation and lengths past the end;
 * on any input both accept, they return equal results (tested by property).
 */
import { isAbsolute, join } from 'node:path';
import protobuf from 'protobufjs';
import { packageInfo } from '../../util/package-info.js';
import { CairnError } from '../../util/errors.js';
import type { Exemplar, Label, MetricMetadata, Sample, TimeSeries, WriteRequest } from './types.js';

/** Where the `.proto` sources live; imports inside them are relative to this directory. */
export function protoDir(): string {
  return join(packageInfo().root, 'proto');
}

/**
 * Loads `proto/prometheus/remote.proto` (and what it imports) into a fresh protobufjs
 * Root. Exposed so tests and the remote-read handler can encode with the same schema.
 */
export function loadPrometheusProtos(): protobuf.Root {
  const dir = protoDir();
  const root = new protobuf.Root();
  // Resolve `import "prometheus/types.proto"` against proto/, as protoc's -I would.
  root.resolvePath = (_origin: string, target: string) => (isAbsolute(target) ? target : join(dir, target));
  root.loadSync('prometheus/remote.proto');
  root.resolveAll();
  return root;
}

const root = loadPrometheusProtos();
/** The reflected `prometheus.WriteRequest` type (for encoding in tests, tools and benches). */
export const WriteRequestType: protobuf.Type = root.lookupType('prometheus.WriteRequest');

/** A protobufjs int64: a `Long` when the `long` package is installed, else a number. */
type Int64 = number | { toNumber(): number };

function int64ToNumber(x: Int64 | null | undefined): number {
  if (x === null || x === undefined) return 0;
  return typeof x === 'number' ? x : x.toNumber();
}

// Shapes of the reflected messages as protobufjs builds them (camelCase field names;
// repeated fields default to empty arrays on the prototype, scalars to their defaults).
interface PbLabel { name: string; value: string }
interface PbSample { value: number; timestamp: Int64 }
interface PbExemplar { labels: PbLabel[]; value: number; timestamp: Int64 }
interface PbTimeSeries { labels: PbLabel[]; samples: PbSample[]; exemplars: PbExemplar[]; histograms: unknown[] }
interface PbMetadata { type: number; metricFamilyName: string; help: string; unit: string }
interface PbWriteRequest { timeseries: PbTimeSeries[]; metadata: PbMetadata[] }

function toLabels(ls: PbLabel[]): Label[] {
  return ls.map((l) => ({ name: l.name, value: l.value }));
}

/**
 * Decodes an uncompressed `WriteRequest` body into plain objects.
 *
 * @param buf the protobuf bytes; not modified, not retained (strings are copied out).
 * @throws CairnError `bad_data`/`protobuf_invalid` for any input protobufjs cannot parse,
 *   with protobufjs's message (lowercased) and the body size.
 */
export function decodeWriteRequestReference(buf: Uint8Array): WriteRequest {
  let msg: PbWriteRequest;
  try {
    msg = WriteRequestType.decode(buf) as unknown as PbWriteRequest;
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new CairnError('bad_data', 'protobuf_invalid', `invalid protobuf in remote write request of ${buf.length} bytes: ${detail.toLowerCase()}`, { cause: e });
  }
  const timeseries: TimeSeries[] = msg.timeseries.map((ts) => ({
    labels: toLabels(ts.labels),
    samples: ts.samples.map((s): Sample => ({ t: int64ToNumber(s.timestamp), v: s.value })),
    exemplars: ts.exemplars.map((e): Exemplar => ({ labels: toLabels(e.labels), t: int64ToNumber(e.timestamp), v: e.value })),
    histogramCount: ts.histograms.length,
  }));
  const metadata: MetricMetadata[] = msg.metadata.map((m) => ({ type: m.type, metricFamilyName: m.metricFamilyName, help: m.help, unit: m.unit }));
  return { timeseries, metadata };
}
