/**
 * Replaying the metrics WAL into a head: series records restore series under their
 * refs, samples records re-append in order (a sample not newer than its series' newest
 * is skipped, so replaying a record twice doubles nothing), exemplars and metadata are
 * restored as written.
 */
import { ByteReader } from '../util/bytes.js';
import { CairnError } from '../util/errors.js';
import type { Head } from './head.js';
import { RecordType, decodeExemplars, decodeMetadata, decodeSamples, decodeSeries } from './wal-records.js';

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
        const s = head.series.get(ref);
        if (s === undefined) {
          stats.unknownRefs++;
          return;
        }
        if (t <= s.lastT) {
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
        if (!head.series.has(e.ref)) return;
        head.addExemplar({ seriesRef: e.ref, labels: e.labels, t: e.t, v: e.v });
        stats.exemplars++;
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
