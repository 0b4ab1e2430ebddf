/**
 * A real TSDB in a temp dir with the distributor's dependencies around it (overrides, rate
 * limiter, ingest self-metrics, a manual clock), for tests that push the same requests
 * through two ingest paths and compare what each stored and counted.
 */
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config/config.js';
import { Overrides } from '../../src/config/overrides.js';
import type { DistributorDeps } from '../../src/ingest/distributor.js';
import { createIngestMetrics } from '../../src/ingest/metrics.js';
import { IngestionRateLimiter } from '../../src/ingest/rate-limit.js';
import { labelsToObject } from '../../src/model/labels.js';
import { newMatcher } from '../../src/model/matcher.js';
import { Tsdb, defaultTsdbOptions } from '../../src/tsdb/tsdb.js';
import { ManualClock } from '../../src/util/clock.js';
import { tempDir } from './server.js';

export interface IngestStore {
  readonly deps: DistributorDeps & { readonly limits: Overrides };
  readonly db: Tsdb;
  /** Tenant `tenant`'s series (labels as JSON) → `t:v` per sample; NaNs by their bits. */
  stored(tenant?: string): Record<string, string[]>;
  /** The tenant's metadata by metric name, as JSON. */
  metadata(tenant?: string): Record<string, string>;
  /** Every ingest self-metric with its values. */
  counters(): Promise<{ name: string; values: unknown }[]>;
}

const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/**
 * A started store at `now` with the config `overrides` (config keys); `stop()` it through
 * `db.stop()`.
 */
export async function ingestStore(now: number, overrides: Record<string, unknown>): Promise<IngestStore> {
  const limits = new Overrides(loadConfig({ overrides: { data_dir: tempDir(), ...overrides } }).limits);
  const clock = new ManualClock(now);
  const db = new Tsdb({ ...defaultTsdbOptions(tempDir()), fsync: 'never', clock }, limits);
  await db.start();
  const registry = new Registry();
  const deps = { appender: (t: string) => db.appender(t), limits, rateLimiter: new IngestionRateLimiter(limits, clock), clock, metrics: createIngestMetrics(registry) };
  return {
    deps,
    db,
    stored(tenant = 't') {
      const set = db.querier(tenant, -Infinity, Infinity).select([newMatcher('=~', '__name__', '.*')]);
      const out: Record<string, string[]> = {};
      while (set.next()) {
        const it = set.at().iterator();
        const samples: string[] = [];
        while (it.next()) {
          // A NaN by its bits, read by assignment to a typed array (through a JS array, as
          // `new Float64Array([v])`, its payload is quieted or lost): the stale marker
          // compares as itself.
          f64[0] = it.v;
          samples.push(`${it.t}:${Object.is(it.v, -0) ? '-0' : Number.isNaN(it.v) ? u64[0]!.toString(16) : it.v}`);
        }
        out[JSON.stringify(labelsToObject(set.at().labels))] = samples;
      }
      return out;
    },
    metadata(tenant = 't') {
      return Object.fromEntries([...(db.head(tenant)?.metadata ?? [])].map(([name, m]) => [name, JSON.stringify(m)]));
    },
    async counters() {
      return (await registry.getMetricsAsJSON()).map((m) => ({ name: m.name, values: m.values }));
    },
  };
}
