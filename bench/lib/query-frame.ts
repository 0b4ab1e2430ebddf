/**
 * What bench/query and bench/ab-builds share: loading a prepared workload through a
 * target's remote write, and the time frame its queries ask about.
 */
import type { PreparedWorkload, Workload } from './payloads.js';
import type { Target } from './targets.js';

/** Seconds between the workload's scrape rounds (`prepareWorkload`'s). */
const SCRAPE_S = 15;

/** The dataset's time frame, in whole seconds. */
export interface Frame {
  readonly startS: number;
  readonly evalS: number;
  readonly stepS: number;
  readonly points: number;
}

/**
 * Instant queries just after the last scrape round; range queries over the dataset's span
 * in ~150 steps (2 s steps over the 100k dataset's 285 s: a fixed 20 s step would leave
 * most of them empty).
 */
export function frameOf(w: Workload, endMs: number): Frame {
  const endS = endMs / 1000;
  // The last round is stamped endMs plus up to 50 ms of jitter: evaluate just after it.
  const evalS = endS + 1;
  const firstS = endS - (w.samplesPerSeries - 1) * SCRAPE_S;
  const stepS = Math.max(1, Math.round((evalS - firstS) / 150));
  const points = Math.floor((evalS - firstS) / stepS) + 1;
  return { startS: evalS - (points - 1) * stepS, evalS, stepS, points };
}

/** Pushes every shard's requests (shards in parallel); throws naming the first refusal. */
export async function loadWorkload(target: Target, prepared: PreparedWorkload): Promise<void> {
  const headers = { ...target.headers, 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
  let errors = 0;
  let firstError = '';
  await Promise.all(
    prepared.shards.map(async (requests) => {
      for (const body of requests) {
        const res = await fetch(target.pushUrl, { method: 'POST', body, headers });
        const text = await res.text();
        if (res.status >= 300) {
          errors++;
          firstError ||= `${res.status} ${text.slice(0, 200)}`;
        }
      }
    }),
  );
  if (errors > 0) throw new Error(`${target.name}: ${errors} remote-write requests failed (first: ${firstError})`);
}
