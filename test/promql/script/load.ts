/**
 * Loading a test script's samples into a real store through the Appender seam, and the
 * temp-dir `Tsdb` the script runner uses.
 *
 * Why one commit, in time order: the head refuses samples more than an hour older than its
 * newest sample (`minValidTime`), and test files load data spanning hours from Unix time
 * 0. Appending series after series in separate commits would make the second series "too
 * old". So every run of consecutive `load` commands goes in as one commit, all series'
 * samples merged in ascending time (ties keep series order). A later load in the same
 * section, after an eval, commits separately and must start within the hour before the
 * newest sample already stored; `histograms.test` does so, 50 minutes back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLabels } from '../../../src/model/labels.js';
import type { Appendable } from '../../../src/tsdb/interface.js';
import { defaultTsdbOptions, Tsdb } from '../../../src/tsdb/tsdb.js';
import { STALE_NAN, type LoadCommand } from './parse.js';

/** Where an evaluation reads a section's data: the store and the section's tenant. */
export interface ScriptStore {
  readonly tsdb: Tsdb;
  readonly tenant: string;
}

/** A `Tsdb` on its own temp dir. `close()` stops it and removes the dir. */
export interface ScriptTsdb {
  readonly tsdb: Tsdb;
  readonly dir: string;
  close(): Promise<void>;
}

/**
 * Opens a started `Tsdb` for scripts on a fresh temp dir: no fsync (nothing here must
 * survive a crash) and no series limits (0 means unlimited).
 */
export async function openScriptTsdb(): Promise<ScriptTsdb> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-promql-script-'));
  const tsdb = new Tsdb(
    { ...defaultTsdbOptions(dir), fsync: 'never' },
    { forTenant: () => ({ maxGlobalSeriesPerUser: 0, maxGlobalSeriesPerMetric: 0, maxGlobalExemplarsPerUser: 0, compactorBlocksRetentionPeriodMs: 0 }) },
  );
  await tsdb.start();
  return {
    tsdb,
    dir,
    close: async () => {
      await tsdb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sample the store refused; the whole commit was rolled back. */
export class ScriptLoadError extends Error {
  constructor(
    /** Line of the series description the sample came from. */
    readonly line: number,
    message: string,
    options?: { cause: unknown },
  ) {
    super(`line ${line}: ${message}`, options);
    this.name = 'ScriptLoadError';
  }
}

/** What one commit stored. */
export interface LoadStats {
  readonly series: number;
  readonly samples: number;
  readonly mint: number;
  readonly maxt: number;
}

/**
 * Appends the samples of `loads` (consecutive `load` commands of one section) for
 * `tenant` in one commit, in ascending time across all series; stale markers go in with
 * the exact StaleNaN bits. Throws `ScriptLoadError` naming the series, time and reason of
 * the first refused sample, after rolling the commit back, as `test.go` gives up on it.
 */
export async function appendLoads(appendable: Appendable, tenant: string, loads: readonly LoadCommand[]): Promise<LoadStats> {
  const series = loads.flatMap((l) => l.series);
  // Flattened (series, sample) pairs, sorted by time; stable, so ties keep series order.
  const order: { s: number; k: number; t: number }[] = [];
  series.forEach((s, si) => s.samples.forEach((smp, k) => order.push({ s: si, k, t: smp.t })));
  order.sort((a, b) => a.t - b.t);

  const app = appendable.appender(tenant);
  const refs = new Array<number>(series.length).fill(0);
  for (const { s, k } of order) {
    const desc = series[s]!;
    const smp = desc.samples[k]!;
    try {
      // The constant, not `smp.v`: a NaN payload is only as safe as every copy made of it.
      refs[s] = app.append(refs[s]!, desc.labels, smp.t, smp.stale ? STALE_NAN : smp.v);
    } catch (e) {
      app.rollback();
      throw new ScriptLoadError(desc.line, `cannot load ${formatLabels(desc.labels)} at t=${smp.t}: ${(e as Error).message}`, { cause: e });
    }
  }
  await app.commit();
  return {
    series: series.length,
    samples: order.length,
    mint: order.length === 0 ? NaN : order[0]!.t,
    maxt: order.length === 0 ? NaN : order[order.length - 1]!.t,
  };
}
