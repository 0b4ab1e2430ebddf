/**
 * The series of a big range answer written as the API's JSON on the query workers: turning
 * half a million doubles into Go's shortest strings is most of the time such an answer
 * takes (more than evaluating it), and it splits by series like the query did. The main
 * thread writes each series' labels (`heads`), copies each share's columns into two
 * transferred arrays, and gets back each share's series'
 * `{"metric":...,"values":[[seconds,"value"],...]}` entries, comma-separated, as UTF-8
 * bytes: the body goes out as bytes anyway, and megabytes of string on the main thread
 * cost a scan for the Content-Length, a flattening of the joined rope, a conversion to
 * bytes for the socket, and their garbage collection (a third of a 500 000-point answer's
 * main-thread time).
 */
import type { ColumnSeries } from '../value.js';
import { EntryWriter } from '../entry-writer.js';
import type { QueryWorkers } from './query-workers.js';
import type { JsonBack } from './answer-slabs.js';

export interface PointsJsonJob {
  readonly kind: 'pointsJson';
  /** Each series' entry up to its points: `{"metric":{...},"values":`. */
  readonly heads: readonly string[];
  /** The share's series' points, one after another; series i ends at ends[i]. */
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly ends: Int32Array;
  /** Where to write the entries (answer-slabs.ts), if the main thread gave a slab. */
  readonly out?: SharedArrayBuffer;
}

/** The share's entries, comma-separated, in UTF-8: in the job's slab when they fit. */
export function runPointsJson(job: PointsJsonJob): JsonBack {
  const out = new EntryWriter();
  let from = 0;
  for (let i = 0; i < job.ends.length; i++) {
    const end = job.ends[i]!;
    out.add(job.heads[i]!, job.t, job.v, from, end);
    from = end;
  }
  return out.finishInto(job.out);
}

/** Series [from, to) as a job. */
function shareOf(series: readonly ColumnSeries[], from: number, to: number, head: (s: ColumnSeries) => string): PointsJsonJob {
  let n = 0;
  for (let i = from; i < to; i++) n += series[i]!.t.length;
  const t = new Float64Array(n);
  const v = new Float64Array(n);
  const ends = new Int32Array(to - from);
  let at = 0;
  for (let i = from; i < to; i++) {
    const s = series[i]!;
    for (let j = 0; j < s.t.length; j++) {
      t[at + j] = s.t[j]!;
      v[at + j] = s.v[j]!;
    }
    at += s.t.length;
    ends[i - from] = at;
  }
  const heads: string[] = [];
  for (let i = from; i < to; i++) heads.push(head(series[i]!));
  return { kind: 'pointsJson', heads, t, v, ends };
}

/**
 * Every series' entry, written on the workers in shares of about equal points (two per
 * thread), as comma-separated runs in series order; `head` writes a series' entry up to
 * its points. The caller decides that the answer is big enough to be worth it.
 */
export async function entriesJsonOnWorkers(series: readonly ColumnSeries[], workers: QueryWorkers, head: (s: ColumnSeries) => string): Promise<Uint8Array[]> {
  let total = 0;
  for (const s of series) total += s.t.length;
  const shares = Math.max(1, Math.min(series.length, 2 * workers.threads));
  const jobs: Promise<Uint8Array>[] = [];
  let from = 0;
  let seen = 0;
  for (let k = 1; k <= shares && from < series.length; k++) {
    // Up to the series where this share's part of the points is reached (the last share's
    // target is every point: it takes the rest).
    let to = from;
    const target = (total * k) / shares;
    while (to < series.length && (to === from || seen + series[to]!.t.length <= target)) seen += series[to++]!.t.length;
    const job = workers.pointsJson(shareOf(series, from, to, head));
    job.catch(() => undefined);
    jobs.push(job);
    from = to;
  }
  return Promise.all(jobs);
}
