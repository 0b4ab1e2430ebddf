/**
 * Replaying the metrics WAL into a head: series records restore series under their
 * refs, samples records re-append in order (a sample not newer than its series' newest
 * is skipped, so replaying a record twice doubles nothing, and so is one older than the
 * head's floor, since blocks hold it), exemplars and metadata are restored as written.
 * And the other direction: the records of a checkpoint, which stand for the WAL segments
 * a truncation removes.
 */
import { ByteReader, ByteWriter } from '../util/bytes.js';
import { CairnError } from '../util/errors.js';
import { XorIterator } from './chunkenc/xor.js';
import type { Head } from './head.js';
import { RecordType, decodeChunks, decodeExemplars, decodeMetadata, decodeSamples, decodeSeries, encodeChunks, encodeExemplars, encodeMetadata, encodeSeries, type ChunksRecord, type SeriesRecord } from './wal-records.js';

/** Counts of what a replay restored, for the start-up log. */
export interface HeadReplayStats {
  series: number;
  samples: number;
  skippedSamples: number;
  unknownRefs: number;
  exemplars: number;
  metadata: number;
}

export function emptyReplayStats(): HeadReplayStats {
  return { series: 0, samples: 0, skippedSamples: 0, unknownRefs: 0, exemplars: 0, metadata: 0 };
}

const values = { buf: new Float64Array(4096) };

/**
 * Applies one WAL record to `head`. Throws a CairnError (reason `corrupt_record`) for a
 * record that does not decode; the caller decides whether to stop or skip.
 */
export function replayRecord(head: Head, payload: Uint8Array, stats: HeadReplayStats): void {
  const r = new ByteReader(payload);
  const type = r.byte();
  switch (type) {
    case RecordType.Series:
      decodeSeries(r, (s) => {
        head.restore(s.ref, s.labels);
        stats.series++;
      });
      return;
    case RecordType.Samples:
      decodeSamples(r, values, (ref, t, i) => {
        const s = head.replaySeries(ref);
        if (s === undefined) {
          stats.unknownRefs++;
          return;
        }
        if (t <= s.lastT || t < head.floor) {
          stats.skippedSamples++;
          return;
        }
        s.append(t, values.buf[i]!);
        head.observeTime(t);
        stats.samples++;
      });
      return;
    case RecordType.Exemplars:
      decodeExemplars(r, (e) => {
        const s = head.replaySeries(e.ref);
        if (s === undefined) return;
        head.addExemplar({ seriesRef: s.ref, labels: e.labels, t: e.t, v: e.v });
        stats.exemplars++;
      });
      return;
    case RecordType.Chunks:
      decodeChunks(r, (ref, bytes) => {
        const s = head.replaySeries(ref);
        if (s === undefined) {
          stats.unknownRefs++;
          return;
        }
        const it = new XorIterator(bytes);
        while (it.next()) {
          if (it.t <= s.lastT || it.t < head.floor) {
            stats.skippedSamples++;
            continue;
          }
          s.append(it.t, it.v);
          head.observeTime(it.t);
          stats.samples++;
        }
        const err = it.err();
        if (err !== undefined) throw new CairnError('internal', 'corrupt_record', `corrupt record: chunk of series ${ref}: ${err.message}`);
      });
      return;
    case RecordType.Metadata:
      decodeMetadata(r, (m) => {
        head.metadata.set(m.metricFamilyName, m);
        stats.metadata++;
      });
      return;
    default:
      throw new CairnError('internal', 'corrupt_record', `corrupt record: unknown metrics WAL record type ${type}`);
  }
}

/**
 * Series per checkpoint record: records of a few MiB, so writing one never holds the
 * event loop for long and a reader's buffer stays small.
 */
const CHECKPOINT_SERIES_PER_RECORD = 200;

/**
 * The records of a checkpoint of `head`: every series still in memory, its chunks that
 * end at or after `from` (older ones are in blocks), the metadata and the exemplars.
 * Yields between batches so ingestion goes on; what arrives meanwhile is also in the
 * segments after the cut, and replay skips what it already has.
 */
export async function* checkpointRecords(head: Head, from: number): AsyncGenerator<Uint8Array> {
  const refs = [...head.series.keys()];
  for (let i = 0; i < refs.length; i += CHECKPOINT_SERIES_PER_RECORD) {
    const series: SeriesRecord[] = [];
    const chunks: ChunksRecord[] = [];
    for (const ref of refs.slice(i, i + CHECKPOINT_SERIES_PER_RECORD)) {
      const s = head.series.get(ref);
      if (s === undefined) continue;
      series.push({ ref, labels: s.labels });
      const bytes = s.chunks().filter((c) => c.maxt >= from).map((c) => c.bytes);
      if (bytes.length > 0) chunks.push({ ref, chunks: bytes });
    }
    if (series.length > 0) yield encodeRecord((w) => encodeSeries(w, series));
    if (chunks.length > 0) yield encodeRecord((w) => encodeChunks(w, chunks));
    await new Promise((r) => setImmediate(r));
  }
  if (head.metadata.size > 0) yield encodeRecord((w) => encodeMetadata(w, [...head.metadata.values()]));
  const exemplars = head.exemplars.filter((e) => head.series.has(e.seriesRef)).map((e) => ({ ref: e.seriesRef, t: e.t, v: e.v, labels: e.labels }));
  if (exemplars.length > 0) yield encodeRecord((w) => encodeExemplars(w, exemplars));
}

function encodeRecord(fill: (w: ByteWriter) => void): Uint8Array {
  const w = new ByteWriter();
  fill(w);
  return w.finish();
}
