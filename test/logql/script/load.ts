/**
 * Loading a LogQL test script's entries into a real log store through Loki's real push
 * path: each group of `load` lines (those between two evals or `flush`es) becomes one v1
 * JSON push body, exactly as the HTTP conformance runner sends it (one object per stream,
 * its values sorted by time, stable; structured metadata as a third element), which is
 * decoded by `decodePushJson` and stored by `LokiIngester`, so the distributor's
 * validation and the ingester's rules (out-of-order window, duplicates) are the ones a
 * pushing client meets.
 *
 * The store's clock stands one hour after the script epoch: the scripts' data (0–12 min)
 * is then in the past, inside `reject_old_samples_max_age` and the out-of-order window,
 * so no time shift is needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { defaultConfig } from '../../../src/config/config.js';
import { Overrides } from '../../../src/config/overrides.js';
import { decodePushJson } from '../../../src/ingest/loki/decode-json.js';
import { RAW_JSON } from '../../../src/ingest/loki/raw-push.js';
import { createLogIngestMetrics } from '../../../src/ingest/log-metrics.js';
import { LokiIngester } from '../../../src/ingest/loki-ingest.js';
import { IngestionRateLimiter } from '../../../src/ingest/rate-limit.js';
import { defaultLogStoreOptions, LogStore } from '../../../src/logstore/logstore.js';
import { ManualClock } from '../../../src/util/clock.js';
import { SCRIPT_EPOCH_MS, type LoadLine } from './parse.js';

/** How far after the script epoch the store's clock stands (see the file comment). */
export const CLOCK_AFTER_EPOCH_MS = 3_600_000;

/** A log store on its own temp dir with the push path in front of it. `close()` stops it and removes the dir. */
export interface ScriptLogStore {
  readonly store: LogStore;
  readonly ingester: LokiIngester;
  readonly clock: ManualClock;
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * Opens a started `LogStore` (no fsync: nothing must survive a crash) with Cairn's default
 * limits and a `LokiIngester` over it. `service_name` discovery is off: the Go harness
 * writes chunks directly and its expected label sets never carry one.
 */
export async function openScriptLogStore(): Promise<ScriptLogStore> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-logql-script-'));
  const clock = new ManualClock(SCRIPT_EPOCH_MS + CLOCK_AFTER_EPOCH_MS);
  const overrides = new Overrides(defaultConfig().limits);
  // One hour between maintenance rounds: the run never waits for one; `flush` cuts blocks itself.
  const store = new LogStore({ ...defaultLogStoreOptions(dir), fsync: 'never', compactionIntervalMs: 3_600_000, clock }, overrides);
  await store.start();
  const ingester = new LokiIngester({
    appender: (tenant) => store.logAppender(tenant),
    limits: overrides,
    rateLimiter: new IngestionRateLimiter(overrides, clock),
    clock,
    metrics: createLogIngestMetrics(new Registry()),
    discoverServiceName: [],
  });
  return {
    store,
    ingester,
    clock,
    dir,
    close: async () => {
      await store.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Nanoseconds since the Unix epoch of a script time, as the decimal string Loki's JSON wants. */
export function absoluteNs(tNs: number): string {
  return (BigInt(SCRIPT_EPOCH_MS) * 1_000_000n + BigInt(tNs)).toString();
}

/**
 * The v1 JSON push body of some load lines: one stream per distinct label set (in first
 * appearance order, labels as first written), its values sorted by time (stable, so equal
 * times keep script order), `[ns, line]` or `[ns, line, {metadata}]`.
 */
export function pushBody(loads: readonly LoadLine[]): string {
  const streams = new Map<string, { stream: Record<string, string>; values: { tNs: number; v: [string, string] | [string, string, Record<string, string>] }[] }>();
  for (const l of loads) {
    let s = streams.get(l.key);
    if (s === undefined) streams.set(l.key, (s = { stream: Object.fromEntries(l.labels.map((x) => [x.name, x.value])), values: [] }));
    for (const e of l.entries) {
      const ns = absoluteNs(e.tNs);
      s.values.push({ tNs: e.tNs, v: e.metadata.length === 0 ? [ns, e.line] : [ns, e.line, Object.fromEntries(e.metadata.map((m) => [m.name, m.value]))] });
    }
  }
  return JSON.stringify({
    streams: [...streams.values()].map((s) => ({ stream: s.stream, values: s.values.sort((a, b) => a.tNs - b.tNs).map((x) => x.v) })),
  });
}

/** Pushes `loads` for `tenant` through the decoder and the ingester; throws the push path's error. */
export async function pushLoads(target: ScriptLogStore, tenant: string, loads: readonly LoadLine[]): Promise<void> {
  const body = Buffer.from(pushBody(loads));
  await target.ingester.push(tenant, decodePushJson(body), { format: RAW_JSON, body });
}
