/**
 * The record types the metrics head writes to its WAL, and their byte encodings (drawn in
 * FORMAT.md). The WAL itself frames and checksums records; these are the payloads.
 *
 * A series record is written once, when a series is created, so samples records can
 * name series by ref. Replay rebuilds the head with the same refs.
 */
import type { Label } from '../model/labels.js';
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { CairnError } from '../util/errors.js';

/** Record type bytes; stable on disk. */
export const enum RecordType {
  Series = 1,
  Samples = 2,
  Exemplars = 3,
  Metadata = 4,
  /** Written only into checkpoints: a series' chunks as XOR bytes, re-appended on replay. */
  Chunks = 5,
}

export interface SeriesRecord {
  readonly ref: number;
  readonly labels: readonly Label[];
}

export interface ExemplarRecord {
  readonly ref: number;
  readonly t: number;
  readonly v: number;
  readonly labels: readonly Label[];
}

export interface MetadataRecord {
  readonly metricFamilyName: string;
  readonly type: string;
  readonly help: string;
  readonly unit: string;
}

function writeLabels(w: ByteWriter, labels: readonly Label[]): void {
  w.uvarint(labels.length);
  for (const l of labels) {
    w.string(l.name);
    w.string(l.value);
  }
}

function readLabels(r: ByteReader): Label[] {
  const n = r.uvarint();
  if (n > r.remaining) throw new CairnError('internal', 'corrupt_record', `corrupt record: ${n} labels in ${r.remaining} bytes`);
  const out: Label[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = { name: r.string(), value: r.string() };
  return out;
}

/** `[type][count]{[ref][labels]}` */
export function encodeSeries(w: ByteWriter, series: readonly SeriesRecord[]): void {
  w.byte(RecordType.Series);
  w.uvarint(series.length);
  for (const s of series) {
    w.uvarint(s.ref);
    writeLabels(w, s.labels);
  }
}

export function decodeSeries(r: ByteReader, out: (s: SeriesRecord) => void): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) out({ ref: r.uvarint(), labels: readLabels(r) });
}

/**
 * `[type][count][baseRef][baseT]{[ref-baseRef][t-baseT][v float64]}`: deltas keep refs
 * and timestamps to a byte or two each, as Prometheus's samples record does. Values are
 * raw float64 bits (little-endian) so StaleNaN stays StaleNaN.
 */
export function encodeSamples(w: ByteWriter, n: number, refs: Float64Array, ts: Float64Array, vs: Float64Array): void {
  w.byte(RecordType.Samples);
  w.uvarint(n);
  if (n === 0) return;
  const baseRef = refs[0]!;
  const baseT = ts[0]!;
  w.uvarint(baseRef);
  w.varint(baseT);
  const bytes = new Uint8Array(vs.buffer, vs.byteOffset, vs.byteLength);
  for (let i = 0; i < n; i++) {
    w.varint(refs[i]! - baseRef);
    w.varint(ts[i]! - baseT);
    w.float64BitsAt(bytes, i * 8);
  }
}

/** Calls `out(ref, t, i)` per sample, with the value at `values[i]` (bit-exact). */
export function decodeSamples(r: ByteReader, values: { buf: Float64Array }, out: (ref: number, t: number, i: number) => void): void {
  const n = r.uvarint();
  if (n === 0) return;
  if (n > r.remaining) throw new CairnError('internal', 'corrupt_record', `corrupt record: ${n} samples in ${r.remaining} bytes`);
  if (values.buf.length < n) values.buf = new Float64Array(n);
  const vbytes = new Uint8Array(values.buf.buffer, values.buf.byteOffset, values.buf.byteLength);
  const baseRef = r.uvarint();
  const baseT = r.varint();
  for (let i = 0; i < n; i++) {
    const ref = baseRef + r.varint();
    const t = baseT + r.varint();
    if (r.remaining < 8) throw new CairnError('internal', 'corrupt_record', 'corrupt record: truncated sample value');
    for (let b = 0; b < 8; b++) vbytes[i * 8 + b] = r.byte();
    out(ref, t, i);
  }
}

/** `[type][count]{[ref][t][v float64][labels]}` */
export function encodeExemplars(w: ByteWriter, exemplars: readonly ExemplarRecord[]): void {
  w.byte(RecordType.Exemplars);
  w.uvarint(exemplars.length);
  for (const e of exemplars) {
    w.uvarint(e.ref);
    w.varint(e.t);
    w.float64(e.v);
    writeLabels(w, e.labels);
  }
}

export function decodeExemplars(r: ByteReader, out: (e: ExemplarRecord) => void): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) out({ ref: r.uvarint(), t: r.varint(), v: r.float64(), labels: readLabels(r) });
}

/** `[type][count]{[name][type][unit][help]}` */
export function encodeMetadata(w: ByteWriter, metadata: readonly MetadataRecord[]): void {
  w.byte(RecordType.Metadata);
  w.uvarint(metadata.length);
  for (const m of metadata) {
    w.string(m.metricFamilyName);
    w.string(m.type);
    w.string(m.unit);
    w.string(m.help);
  }
}

export function decodeMetadata(r: ByteReader, out: (m: MetadataRecord) => void): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) out({ metricFamilyName: r.string(), type: r.string(), unit: r.string(), help: r.string() });
}

/** One series' chunks in a checkpoint. */
export interface ChunksRecord {
  readonly ref: number;
  readonly chunks: readonly Uint8Array[];
}

/**
 * `[type][count]{[ref][nchunks]{[len][XOR chunk bytes]}}`: what a checkpoint keeps of the
 * head's samples. XOR bytes are ~1.4 B/sample against ~10 for a samples record, and
 * re-appending the decoded samples rebuilds the same chunks.
 */
export function encodeChunks(w: ByteWriter, series: readonly ChunksRecord[]): void {
  w.byte(RecordType.Chunks);
  w.uvarint(series.length);
  for (const s of series) {
    w.uvarint(s.ref);
    w.uvarint(s.chunks.length);
    for (const c of s.chunks) w.bytes(c);
  }
}

/** Calls `out(ref, bytes)` per chunk; `bytes` is a view into the record. */
export function decodeChunks(r: ByteReader, out: (ref: number, bytes: Uint8Array) => void): void {
  const n = r.uvarint();
  for (let i = 0; i < n; i++) {
    const ref = r.uvarint();
    const chunks = r.uvarint();
    for (let j = 0; j < chunks; j++) out(ref, r.bytes());
  }
}
